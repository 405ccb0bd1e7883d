"""Pinduoduo's open-platform client: order look-ups, logistics, goods, and sending chat messages.

``PddClient`` speaks Pinduoduo's signed
open-platform protocol (the local platform simulator speaks it too). The chat
channel is not in Pinduoduo's public catalogue, so the API type used to send a
message is a setting (``send_type``).

Every call is a form POST of the common parameters (``type``, ``client_id``,
``timestamp``, ``data_type``, optional ``access_token``) plus the business ones,
signed with ``pdd_sign``. Failures come back as
``{"error_response": {"error_code", "error_msg", "sub_code", "sub_msg", "request_id"}}``.
A client-side token bucket keeps a burst under the app's rate limit; throttling
answers from the platform (HTTP 429 or a throttling error code) are retried with
jittered exponential backoff, honouring ``Retry-After``, and drain the bucket so
that the calls after them slow down too.

Shapes the simulator should answer with (as the platform does):
- ``pdd.order.information.get`` → ``order_info_get_response.order_info`` with
  ``tracking_number`` and ``logistics_id`` once shipped;
- ``pdd.logistics.companies.get`` → ``logistics_companies_get_response.logistics_companies``
  ``[{id, logistics_company, code, available}]``;
- ``pdd.logistics.ordertrace.get`` (``company_code``, ``mail_no``) →
  ``logistics_ordertrace_get_resposne.trace_list`` (sic: the platform's spelling)
  ``[{status_time, status_desc, action, desc, node_description, time}]``;
- ``pdd.goods.detail.get`` (``goods_id``) → ``goods_detail_get_response`` with
  ``goods_name``, ``goods_desc`` and ``sku_list [{sku_id, spec [{spec_name}], multi_price,
  price, quantity, is_onsale}]``, prices in fen.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from kefu.models.shop import Logistics, LogisticsEvent, Order, Product, Sku
from kefu.platform.client import PlatformError
from kefu.platform.pinduoduo.signing import pdd_sign
from kefu.platform.pinduoduo.status import pdd_status

# Pinduoduo error codes that mean "slow down / try again" rather than "your request is wrong".
_THROTTLE_CODES = {"70031", "70032", "70033"}
_RETRYABLE_CODES = _THROTTLE_CODES | {"50001", "50002", "52101", "52102", "52103"}


class _TokenBucket:
    """Client-side rate limit so a burst never trips the platform's per-app limit.

    ``clock`` and ``sleep`` are injectable so that tests can prove the rate without real time.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("the rate must be positive and the burst at least 1")
        self._rate = rate_per_s
        self._capacity = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
                self._last = now
                if self._tokens >= 1 - 1e-9:  # tolerance: a sleep of exactly the wait may refill 0.999...
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                wait = (1 - self._tokens) / self._rate
            self._sleep(wait)

    def drain(self) -> None:
        """The platform said "too fast": start refilling from empty."""
        with self._lock:
            self._tokens = 0.0
            self._last = self._clock()


def _form_value(value: object) -> str:
    """The exact string that is both signed and sent (a bool is "true", never Python's "True")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fen_to_yuan(fen: object) -> float | None:
    try:
        return round(int(str(fen)) / 100, 2)
    except (TypeError, ValueError):
        return None


class PddClient:
    ORDER_TYPE = "pdd.order.information.get"
    BUYER_ORDERS_TYPE = "pdd.order.list.get"
    LOGISTICS_TYPE = "pdd.logistics.ordertrace.get"
    COMPANIES_TYPE = "pdd.logistics.companies.get"
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
        *,
        access_token: str | None = None,
        burst: int | None = None,
        backoff_base_s: float = 0.1,
        backoff_max_s: float = 2.0,
        retry_after_max_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._url = api_url
        self._client_id = client_id
        self._secret = secret
        self._send_type = send_type
        self._access_token = access_token
        self._timeout = timeout_s
        self._attempts = max(1, max_attempts)
        self._backoff_base = backoff_base_s
        self._backoff_max = backoff_max_s
        self._retry_after_max = retry_after_max_s
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._bucket = _TokenBucket(rate_per_s, burst or max(1, int(rate_per_s)), clock=clock, sleep=sleep)
        self._session = session or self._new_session(api_url)
        self._companies: list[dict[str, Any]] | None = None
        self.calls = 0  # HTTP requests sent, retries included

    @staticmethod
    def _new_session(api_url: str) -> requests.Session:
        """Proxy settings read from the environment once, not on every call (a third of a call's CPU)."""
        session = requests.Session()
        session.proxies.update(requests.utils.get_environ_proxies(api_url))
        session.trust_env = False
        return session

    # -- the protocol ---------------------------------------------------------------------------------------

    def call(self, api_type: str, **params: object) -> dict[str, Any]:
        """One signed call with retries on throttling and transient errors; raises ``PlatformError``."""
        for attempt in range(self._attempts):
            self._bucket.acquire()
            form = self._signed(api_type, params)
            self.calls += 1
            try:
                response = self._session.post(self._url, data=form, timeout=self._timeout)
            except requests.RequestException as error:
                failure = PlatformError("network", str(error), retryable=True)
                if attempt == self._attempts - 1:
                    raise failure from error
                self._sleep(self._backoff(attempt))
                continue
            body = self._json(response)
            envelope = body.get("error_response") if body is not None else None
            if envelope is None and body is not None and response.status_code < 400:
                return body
            failure = self._failure(response, envelope)
            if not failure.retryable or attempt == self._attempts - 1:
                raise failure
            throttled = response.status_code == 429 or str(failure.code) in _THROTTLE_CODES
            if throttled:
                self._bucket.drain()
            self._sleep(self._retry_delay(attempt, response, throttled))
        raise AssertionError("unreachable")

    def _signed(self, api_type: str, params: Mapping[str, object]) -> dict[str, str]:
        form = {
            "type": api_type,
            "client_id": self._client_id,
            "timestamp": str(int(self._wall_clock())),
            "data_type": "JSON",
        }
        if self._access_token:
            form["access_token"] = self._access_token
        form.update({key: _form_value(value) for key, value in params.items() if value is not None})
        form["sign"] = pdd_sign(form, self._secret)
        return form

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any] | None:
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:  # an HTML error page from a gateway
            return None
        return body if isinstance(body, dict) else None

    @staticmethod
    def _failure(response: requests.Response, envelope: Any) -> PlatformError:
        status = response.status_code
        if isinstance(envelope, dict):
            code = str(envelope.get("error_code", status))
            return PlatformError(
                code,
                str(envelope.get("error_msg") or ""),
                retryable=code in _RETRYABLE_CODES or status == 429 or status >= 500,
                sub_code=None if envelope.get("sub_code") is None else str(envelope["sub_code"]),
                sub_msg=envelope.get("sub_msg") or None,
                request_id=None if envelope.get("request_id") is None else str(envelope["request_id"]),
                http_status=status,
            )
        retryable = status == 429 or status >= 500
        reason = response.reason or "unreadable response"
        return PlatformError(f"http-{status}", reason, retryable=retryable, http_status=status)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(max, base·2^attempt))."""
        return self._rng.uniform(0.0, min(self._backoff_max, self._backoff_base * 2**attempt))

    def _retry_delay(self, attempt: int, response: requests.Response, throttled: bool) -> float:
        delay = self._backoff(attempt)
        retry_after = response.headers.get("Retry-After")
        if throttled and retry_after:
            with contextlib.suppress(ValueError):  # an HTTP date: the jittered backoff will do
                delay = max(delay, min(float(retry_after), self._retry_after_max))
        return delay

    # -- orders ----------------------------------------------------------------------------------------------

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        body = self.call(self.BUYER_ORDERS_TYPE, shop_id=shop_id, buyer_id=buyer_id, page_size=1)
        orders = body.get("order_list_get_response", {}).get("order_list", [])
        if not orders:
            return None
        record = dict(orders[0])
        record["status"] = pdd_status(record.get("status", record.get("order_status")))
        return Order.model_validate(record)

    def _order_info(self, order_sn: str) -> dict[str, Any] | None:
        body = self.call(self.ORDER_TYPE, order_sn=order_sn)
        info = body.get("order_info_get_response", {}).get("order_info")
        return info if isinstance(info, dict) and info else None

    def order(self, order_sn: str) -> Order | None:
        info = self._order_info(order_sn)
        return Order.model_validate(info) if info else None

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        self.call(
            self._send_type, shop_id=shop_id, buyer_id=buyer_id, content=text, client_msg_id=client_msg_id
        )

    # -- logistics -------------------------------------------------------------------------------------------

    def logistics_companies(self) -> list[dict[str, Any]]:
        """The platform's carriers (id, name, code), fetched once per client."""
        if self._companies is None:
            body = self.call(self.COMPANIES_TYPE)
            listed = body.get("logistics_companies_get_response", {}).get("logistics_companies", [])
            self._companies = [company for company in listed if isinstance(company, dict)]
        return self._companies

    def _carrier(self, logistics_id: object, name: str) -> tuple[str | None, str]:
        """(code, name) of the carrier, found by the order's logistics_id or else by name."""
        for company in self.logistics_companies():
            if logistics_id is not None and str(company.get("id")) == str(logistics_id):
                return company.get("code"), str(company.get("logistics_company") or name)
            if name and company.get("logistics_company") == name:
                return company.get("code"), name
        return None, name

    def logistics_trace(self, order_sn: str) -> Logistics | None:
        """The parcel of an order and its trace; None while the order has no waybill (not shipped).

        The trace API is keyed by carrier + waybill number, so the order is looked up first.
        """
        info = self._order_info(order_sn)
        if info is None:
            return None
        nested: dict[str, Any] = info["logistics"] if isinstance(info.get("logistics"), dict) else {}
        mail_no = str(info.get("tracking_number") or nested.get("tracking_no") or "")
        if not mail_no:
            return None
        code, company = self._carrier(info.get("logistics_id"), str(nested.get("company") or ""))
        if code is None:  # a carrier the platform does not list: the waybill is all we know
            return Logistics(company=company, tracking_no=mail_no)
        body = self.call(self.LOGISTICS_TYPE, company_code=code, mail_no=mail_no)
        trace = body.get("logistics_ordertrace_get_resposne") or body.get("logistics_ordertrace_get_response")
        events = [
            LogisticsEvent(
                time=str(node.get("status_time") or node.get("time") or ""),
                desc=str(node.get("desc") or node.get("status_desc") or ""),
                action=node.get("action") or None,
            )
            for node in (trace or {}).get("trace_list", [])
            if isinstance(node, dict)
        ]
        events.sort(key=lambda event: event.time)  # oldest first, as in orders.json
        return Logistics(company=company, company_code=code, tracking_no=mail_no, events=events)

    # -- goods -----------------------------------------------------------------------------------------------

    def goods_detail(self, goods_id: str) -> Product | None:
        """A goods record in the shop-bundle shape; prices are the group-buy (拼单) prices buyers see."""
        body = self.call(self.GOODS_TYPE, goods_id=goods_id)
        detail = body.get("goods_detail_get_response")
        if not isinstance(detail, dict) or not detail:
            return None
        if "price_yuan" in detail:  # already in the shop-bundle shape (a simulator serving products/*.json)
            return Product.model_validate(detail)
        skus = []
        for sku in detail.get("sku_list", []):
            price = _fen_to_yuan(sku.get("multi_price"))
            if price is None:
                continue
            specs = [str(spec.get("spec_name", "")) for spec in sku.get("spec", []) if isinstance(spec, dict)]
            skus.append(
                Sku(
                    sku_id=str(sku.get("sku_id", "")),
                    spec=" ".join(part for part in specs if part),
                    price_yuan=price,
                    single_price_yuan=_fen_to_yuan(sku.get("price")),
                    stock=int(sku.get("quantity") or 0),
                    on_sale=sku.get("is_onsale", 1) != 0,
                )
            )
        prices = [sku.price_yuan for sku in skus if sku.on_sale] or [sku.price_yuan for sku in skus]
        if not prices:  # no price a buyer could pay (market_price is only a reference price)
            return None
        return Product(
            goods_id=str(detail.get("goods_id", goods_id)),
            goods_name=str(detail.get("goods_name", "")),
            price_yuan=min(prices),
            skus=skus,
            detail=str(detail.get("goods_desc") or ""),
        )
