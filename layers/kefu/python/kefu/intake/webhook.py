"""Webhook verification and parsing, free of any HTTP framework.

Two senders are supported:
- Pinduoduo's open-platform style: form or JSON parameters ``client_id``, ``timestamp``,
  ``type``, ``data`` (the message as a JSON string) and ``sign`` =
  UPPER(MD5(secret + sorted key+value pairs + secret)); timestamp within the window.
- A generic HMAC-SHA256 header scheme: ``X-Kefu-Timestamp`` and
  ``X-Kefu-Signature: sha256=<hex HMAC(secret, "<timestamp>.<raw body>")>``, body = the message JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from pydantic import TypeAdapter, ValidationError

from kefu.models.messages import BuyerMessage, QueuedMessage
from kefu.platform import signing

_MESSAGE = TypeAdapter(BuyerMessage)


class IntakeError(Exception):
    """A refused request: HTTP status, a stable error code, and a message that says what to fix."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _headers_lower(headers: dict[str, str] | None) -> dict[str, str]:
    return {key.lower(): value for key, value in (headers or {}).items()}


def check_size(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise IntakeError(413, "payload_too_large", f"body is {len(body)} bytes; the limit is {max_bytes}")


def _parse_message(data: object, shop_id: str) -> BuyerMessage:
    try:
        message = _MESSAGE.validate_python(data)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()[:5])
        raise IntakeError(400, "invalid_message", f"message does not match the schema (fields: {fields})") from None
    if message.shop_id != shop_id:
        raise IntakeError(403, "wrong_shop", "this endpoint serves another shop; check the webhook URL")
    return message


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
    body: bytes, headers: dict[str, str] | None, secret: str, shop_id: str, now: float, window_s: int
) -> BuyerMessage:
    params = pdd_params(body, _headers_lower(headers).get("content-type", "application/x-www-form-urlencoded"))
    if not params.get("sign"):
        raise IntakeError(401, "unsigned", "missing sign parameter")
    if not signing.within_window(params.get("timestamp", ""), now, window_s):
        raise IntakeError(401, "stale_request", f"timestamp missing or outside the {window_s // 60}-minute window")
    if not signing.pdd_verify(params, secret):
        raise IntakeError(401, "invalid_signature", "sign does not match; check the client secret")
    if "data" not in params:
        raise IntakeError(400, "invalid_message", "missing data parameter (the message as JSON)")
    try:
        data = json.loads(params["data"])
    except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
        raise IntakeError(400, "invalid_json", "data is not valid JSON") from None
    return _parse_message(data, shop_id)


def accept_hmac(
    body: bytes, headers: dict[str, str] | None, secret: str, shop_id: str, now: float, window_s: int
) -> BuyerMessage:
    lowered = _headers_lower(headers)
    signature = lowered.get(signing.HMAC_SIGNATURE_HEADER, "")
    timestamp = lowered.get(signing.HMAC_TIMESTAMP_HEADER, "")
    if not signature:
        raise IntakeError(401, "unsigned", f"missing {signing.HMAC_SIGNATURE_HEADER} header")
    if not signing.within_window(timestamp, now, window_s):
        raise IntakeError(401, "stale_request", f"timestamp missing or outside the {window_s // 60}-minute window")
    if not signing.hmac_verify(body, timestamp, signature, secret):
        raise IntakeError(401, "invalid_signature", "signature does not match; check the shared secret")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise IntakeError(400, "invalid_json", "body is not valid UTF-8 JSON") from None
    return _parse_message(data, shop_id)


def to_queued(message: BuyerMessage) -> QueuedMessage:
    return QueuedMessage(message=message, received_at=datetime.now(UTC))
