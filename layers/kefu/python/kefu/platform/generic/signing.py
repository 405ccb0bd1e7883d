"""The generic contract's signature (docs/platform/generic-v1.openapi.yaml), both directions.

``X-Kefu-Timestamp: <seconds>`` and ``X-Kefu-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``,
the layout most webhook senders use. A GET is signed over its raw query string in place of the body.
"""

from __future__ import annotations

import hashlib
import hmac

HMAC_SIGNATURE_HEADER = "x-kefu-signature"
HMAC_TIMESTAMP_HEADER = "x-kefu-timestamp"


def hmac_sign(body: bytes, timestamp: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def hmac_verify(body: bytes, timestamp: str, signature: str, secret: str) -> bool:
    return hmac.compare_digest(signature.strip().lower().encode(), hmac_sign(body, timestamp, secret).encode())


def signed_headers(body: bytes, timestamp: str, secret: str) -> dict[str, str]:
    """The two headers of a signed request (what a connector sends, and what kefu sends a connector)."""
    return {"X-Kefu-Timestamp": timestamp, "X-Kefu-Signature": hmac_sign(body, timestamp, secret)}
