"""A Pinduoduo-style signed push: form or JSON parameters ``client_id``, ``timestamp``, ``type``, ``data`` (the
message as a JSON string) and ``sign`` = UPPER(MD5(secret + sorted key+value pairs + secret)), in the window."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from kefu.models.messages import BuyerMessage
from kefu.platform.base import IntakeError, headers_lower, parse_message
from kefu.platform.pinduoduo.signing import pdd_verify
from kefu.platform.signing import within_window


def pdd_params(body: bytes, content_type: str) -> dict[str, str]:
    """Parameters of a Pinduoduo-style push, from a form or a JSON object body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise IntakeError(400, "invalid_encoding", "body must be UTF-8") from None
    if "json" in content_type:
        try:
            parsed = json.loads(text)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
            raise IntakeError(400, "invalid_json", "body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise IntakeError(400, "invalid_json", "body must be a JSON object of parameters")
        return {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in parsed.items()}
    return dict(parse_qsl(text, keep_blank_values=True))


def accept_pdd(
    body: bytes, headers: Mapping[str, str] | None, secret: str, shop_id: str, now: float, window_s: int
) -> BuyerMessage:
    params = pdd_params(body, headers_lower(headers).get("content-type", "application/x-www-form-urlencoded"))
    if not params.get("sign"):
        raise IntakeError(401, "unsigned", "missing sign parameter")
    if not within_window(params.get("timestamp", ""), now, window_s):
        raise IntakeError(401, "stale_request", f"timestamp missing or outside the {window_s // 60}-minute window")
    if not pdd_verify(params, secret):
        raise IntakeError(401, "invalid_signature", "sign does not match; check the client secret")
    if "data" not in params:
        raise IntakeError(400, "invalid_message", "missing data parameter (the message as JSON)")
    try:
        data = json.loads(params["data"])
    except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
        raise IntakeError(400, "invalid_json", "data is not valid JSON") from None
    return parse_message(data, shop_id)
