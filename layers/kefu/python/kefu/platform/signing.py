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
    # Bytes: compare_digest refuses str with non-ASCII characters (a hostile sign must be a 401, not a crash).
    return bool(given) and hmac.compare_digest(given.encode(), pdd_sign(params, secret).encode())


def hmac_sign(body: bytes, timestamp: str, secret: str) -> str:
    """sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">, the layout most webhook senders use."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def hmac_verify(body: bytes, timestamp: str, signature: str, secret: str) -> bool:
    return hmac.compare_digest(signature.strip().lower().encode(), hmac_sign(body, timestamp, secret).encode())


def within_window(timestamp: str | int, now: float, window_s: int) -> bool:
    """Platform timestamps are seconds; a request older or newer than the window is refused (replays)."""
    try:
        return abs(now - int(str(timestamp))) <= window_s
    except (ValueError, OverflowError):  # not a number, or too large to compare with the clock
        return False
