"""The generic contract v1 (docs/platform/generic-v1.openapi.yaml) as a ``Platform``.

In: ``POST /webhook/generic/v1`` (alias ``/webhook/hmac``), one ``BuyerMessage`` as JSON, signed with the
HMAC-SHA256 headers of ``generic/signing.py``. Out: ``POST {connector}/v1/messages`` and, when the connector
has orders, ``GET {connector}/v1/orders/latest``, signed the same way with the same secret.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from kefu.models.messages import BuyerMessage
from kefu.models.shop import Order, OrderStatus
from kefu.platform.base import IntakeError, PlatformBase, PlatformDeps, headers_lower, parse_message
from kefu.platform.client import PlatformError
from kefu.platform.generic import WORDING
from kefu.platform.generic.signing import HMAC_SIGNATURE_HEADER, HMAC_TIMESTAMP_HEADER, hmac_verify, signed_headers
from kefu.platform.http import JsonHttp
from kefu.platform.signing import within_window

# The contract's English status codes; the nine neutral Chinese names are accepted as they are.
GENERIC_STATUSES: dict[str, OrderStatus] = {
    "no_order": "未下单",
    "pending_payment": "待付款",
    "pending_group": "待成团",
    "pending_shipment": "待发货",
    "shipped": "已发货",
    "partially_shipped": "部分发货",
    "completed": "交易成功",
    "closed": "交易关闭",
    "cancelled": "订单取消",
}
MESSAGES_PATH = "/v1/messages"
LATEST_ORDER_PATH = "/v1/orders/latest"


def accept_generic(
    body: bytes, headers: Mapping[str, str] | None, secret: str, shop_id: str, now: float, window_s: int
) -> BuyerMessage:
    lowered = headers_lower(headers)
    signature = lowered.get(HMAC_SIGNATURE_HEADER, "")
    timestamp = lowered.get(HMAC_TIMESTAMP_HEADER, "")
    if not signature:
        raise IntakeError(401, "unsigned", f"missing {HMAC_SIGNATURE_HEADER} header")
    if not within_window(timestamp, now, window_s):
        raise IntakeError(401, "stale_request", f"timestamp missing or outside the {window_s // 60}-minute window")
    if not hmac_verify(body, timestamp, signature, secret):
        raise IntakeError(401, "invalid_signature", "signature does not match; check the shared secret")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise IntakeError(400, "invalid_json", "body is not valid UTF-8 JSON") from None
    return parse_message(data, shop_id)


class GenericPlatform(PlatformBase):
    name = "generic"
    wording = WORDING
    accept_one = staticmethod(accept_generic)
    statuses = GENERIC_STATUSES

    def __init__(
        self,
        connector_url: str,
        secret: Callable[[], str],
        *,
        http: JsonHttp | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = connector_url.rstrip("/")
        self._secret = secret
        self._http = http or JsonHttp()
        self._clock = clock


    def _signed(self, payload: bytes, content_type: str | None) -> Callable[[], dict[str, str]]:
        def headers() -> dict[str, str]:
            signed = signed_headers(payload, str(int(self._clock())), self._secret())
            return signed | ({"Content-Type": content_type} if content_type else {})

        return headers

    def send_reply(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        payload = json.dumps(
            {"shop_id": shop_id, "buyer_id": buyer_id, "client_msg_id": client_msg_id, "type": "text", "text": text},
            ensure_ascii=False, separators=(",", ":"),
        ).encode()
        status, body = self._http.request(
            "POST", self._url + MESSAGES_PATH, body=payload, headers=self._signed(payload, "application/json")
        )
        if status >= 400 and status != 409:  # 409: the connector has this client_msg_id already (a retry)
            raise _refused(status, body)

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        query = urlencode({"shop_id": shop_id, "buyer_id": buyer_id})
        status, body = self._http.request(
            "GET", f"{self._url}{LATEST_ORDER_PATH}?{query}", headers=self._signed(query.encode(), None)
        )
        if status in (404, 501):  # no such buyer's order, or a connector without orders
            return None
        if status >= 400:
            raise _refused(status, body)
        record = body.get("order") if isinstance(body, dict) else None
        return self.order_from(record) if isinstance(record, dict) else None


def _refused(status: int, body: object) -> PlatformError:
    code = body.get("error") if isinstance(body, dict) else None
    return PlatformError(str(code or f"http-{status}"), f"connector answered {status}", retryable=False,
                         http_status=status)


def build(deps: PlatformDeps) -> GenericPlatform:
    return GenericPlatform(deps.settings.platform_api_url, deps.secret)
