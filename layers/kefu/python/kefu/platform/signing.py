"""Request signing: Pinduoduo's open-platform MD5 scheme and a generic HMAC-SHA256 header scheme.

The same signer verifies incoming webhooks and signs the agent's own platform API calls.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

PDD_SIGN_FIELD = "sign"
HMAC_SIGNATURE_HEADER = "x-kefu-signature"
HMAC_TIMESTAMP_HEADER = "x-kefu-timestamp"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def pdd_sign(params: Mapping[str, object], secret: str) -> str:
    """UPPER(MD5(secret + concat(key + value for keys sorted) + secret)); the sign field itself is excluded."""
    body = "".join(f"{key}{_scalar(params[key])}" for key in sorted(params) if key != PDD_SIGN_FIELD)
    return hashlib.md5(f"{secret}{body}{secret}".encode()).hexdigest().upper()


def pdd_verify(params: Mapping[str, object], secret: str) -> bool:
    given = _scalar(params.get(PDD_SIGN_FIELD)).upper()
    return bool(given) and hmac.compare_digest(given, pdd_sign(params, secret))


def hmac_sign(body: bytes, timestamp: str, secret: str) -> str:
    """sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">, the layout most webhook senders use."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def hmac_verify(body: bytes, timestamp: str, signature: str, secret: str) -> bool:
    return hmac.compare_digest(signature.strip().lower(), hmac_sign(body, timestamp, secret))


def within_window(timestamp: str | int, now: float, window_s: int) -> bool:
    """Platform timestamps are seconds; a request older or newer than the window is refused (replays)."""
    try:
        sent = int(str(timestamp))
    except ValueError:
        return False
    return abs(now - sent) <= window_s
