"""Pinduoduo's open-platform MD5 signature; the same signer verifies pushes and signs the agent's API calls."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from kefu.platform.signing import scalar

PDD_SIGN_FIELD = "sign"


def pdd_sign(params: Mapping[str, object], secret: str) -> str:
    """UPPER(MD5(secret + concat(key + value for keys sorted) + secret)); the sign field itself is excluded."""
    body = "".join(f"{key}{scalar(params[key])}" for key in sorted(params) if key != PDD_SIGN_FIELD)
    return hashlib.md5(f"{secret}{body}{secret}".encode()).hexdigest().upper()


def pdd_verify(params: Mapping[str, object], secret: str) -> bool:
    given = scalar(params.get(PDD_SIGN_FIELD)).upper()
    # Bytes: compare_digest refuses str with non-ASCII characters (a hostile sign must be a 401, not a crash).
    return bool(given) and hmac.compare_digest(given.encode(), pdd_sign(params, secret).encode())
