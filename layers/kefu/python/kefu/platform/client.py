"""The e-commerce platform as the agent sees it: order look-ups and sending chat messages.

``PlatformClient`` is the interface; ``PddClient`` speaks Pinduoduo's signed
open-platform protocol (the local platform simulator speaks it too). The chat
channel is not in Pinduoduo's public catalogue, so the API type used to send a
message is a setting (``send_type``).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

import requests

from kefu.models.shop import Order
from kefu.platform.signing import pdd_sign


class PlatformError(RuntimeError):
    """The platform answered with its error envelope (``error_response``)."""

    def __init__(self, code: int | str, message: str, retryable: bool) -> None:
        super().__init__(f"platform error {code}: {message}")
        self.code = code
        self.retryable = retryable


class PlatformClient(Protocol):
    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        """The buyer's newest order with the shop (None: 未下单)."""
        ...

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        """Send a chat message; the platform deduplicates on client_msg_id."""
        ...


# Pinduoduo error codes that mean "slow down / try again" rather than "your request is wrong".
_RETRYABLE_CODES = {"70031", "70032", "70033", "50001", "50002", "52101", "52102", "52103"}


class _TokenBucket:
    """Client-side rate limit so a burst never trips the platform's per-app limit."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self._rate = rate_per_s
        self._capacity = float(burst)
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self._rate
            time.sleep(wait)


class PddClient:
    ORDER_TYPE = "pdd.order.information.get"
    BUYER_ORDERS_TYPE = "pdd.order.list.get"
    LOGISTICS_TYPE = "pdd.logistics.ordertrace.get"
    GOODS_TYPE = "pdd.goods.detail.get"

    def __init__(
        self,
        api_url: str,
        client_id: str,
        secret: str,
        send_type: str = "kefu.chat.message.send",
        rate_per_s: float = 50.0,
        timeout_s: float = 3.0,
        max_attempts: int = 3,
    ) -> None:
        self._url = api_url
        self._client_id = client_id
        self._secret = secret
        self._send_type = send_type
        self._timeout = timeout_s
        self._attempts = max_attempts
        self._bucket = _TokenBucket(rate_per_s, burst=int(rate_per_s))
        self._session = requests.Session()

    def call(self, api_type: str, **params: object) -> dict[str, Any]:
        """One signed call with retries on throttling and transient errors."""
        for attempt in range(1, self._attempts + 1):
            self._bucket.acquire()
            signed: dict[str, object] = {
                "type": api_type,
                "client_id": self._client_id,
                "timestamp": str(int(time.time())),
                "data_type": "JSON",
                **{k: v if isinstance(v, str | int | float) else json.dumps(v, ensure_ascii=False)
                   for k, v in params.items()},
            }
            signed["sign"] = pdd_sign(signed, self._secret)
            try:
                response = self._session.post(self._url, data=signed, timeout=self._timeout)
            except requests.RequestException as error:
                if attempt == self._attempts:
                    raise PlatformError("network", str(error), retryable=True) from error
                time.sleep(0.05 * 2**attempt)
                continue
            body: dict[str, Any] = response.json() if response.content else {}
            error_body = body.get("error_response")
            if error_body is None and response.status_code < 500:
                return body
            code = str((error_body or {}).get("error_code", response.status_code))
            retryable = code in _RETRYABLE_CODES or response.status_code >= 500 or response.status_code == 429
            if not retryable or attempt == self._attempts:
                raise PlatformError(code, str((error_body or {}).get("error_msg", "")), retryable)
            time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        body = self.call(self.BUYER_ORDERS_TYPE, shop_id=shop_id, buyer_id=buyer_id, page_size=1)
        orders = body.get("order_list_get_response", {}).get("order_list", [])
        return Order.model_validate(orders[0]) if orders else None

    def order(self, order_sn: str) -> Order | None:
        body = self.call(self.ORDER_TYPE, order_sn=order_sn)
        info = body.get("order_info_get_response", {}).get("order_info")
        return Order.model_validate(info) if info else None

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        self.call(self._send_type, shop_id=shop_id, buyer_id=buyer_id, content=text, client_msg_id=client_msg_id)
