"""PddClient against a real local HTTP server that checks every signature and answers in Pinduoduo's shapes.

Time is faked (clock and sleep are injected), so the rate-limit and backoff tests count
instead of waiting.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from kefu.platform.client import PlatformError
from kefu.platform.pinduoduo.client import PddClient, _TokenBucket
from kefu.platform.pinduoduo.signing import pdd_verify
from kefu.platform.signing import within_window

SECRET = "pdd-test-secret"
CLIENT_ID = "kefu-test-client"

Reply = tuple[int, dict[str, str], bytes]


def _json(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return (
        status,
        {"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
        json.dumps(payload, ensure_ascii=False).encode(),
    )


def _error(code: int, msg: str, sub_code: str | None = None, sub_msg: str = "", status: int = 200) -> Reply:
    """The platform's error envelope (HTTP 200 with error_response, as the gateway answers)."""
    return _json(
        {
            "error_response": {
                "error_code": code,
                "error_msg": msg,
                "sub_code": sub_code,
                "sub_msg": sub_msg,
                "request_id": "17640000001234567",
            }
        },
        status=status,
    )


# -- recorded-shape payloads ---------------------------------------------------------------------------------

ORDER_SHIPPED = {
    "order_info_get_response": {
        "order_info": {
            "order_sn": "251121-604218735",
            "order_status": 2,  # 已发货待签收
            "refund_status": 1,
            "confirm_status": 1,
            "logistics_id": 115,
            "tracking_number": "78316402851937",
            "shipping_time": "2025-11-22 10:31:07",
            "goods_amount": 69.9,
            "pay_amount": 64.9,
            "receiver_name_mask": "王**",
            "receiver_phone_mask": "138****5678",
            "item_list": [
                {"goods_id": 100001, "sku_id": 6, "goods_count": 1, "goods_name": "植物泡泡染发剂"}
            ],
        }
    }
}
ORDER_UNSHIPPED = {
    "order_info_get_response": {
        "order_info": {
            "order_sn": "251124-173952806",
            "order_status": 1,
            "logistics_id": 0,
            "tracking_number": "",
        }
    }
}
COMPANIES = {
    "logistics_companies_get_response": {
        "logistics_companies": [
            {"id": 44, "logistics_company": "顺丰速运", "code": "SF", "available": 1},
            {"id": 115, "logistics_company": "中通快递", "code": "ZTO", "available": 1},
            {"id": 85, "logistics_company": "圆通快递", "code": "YTO", "available": 1},
        ]
    }
}
TRACE = {
    "logistics_ordertrace_get_resposne": {  # sic: the platform's spelling
        "trace_list": [
            {
                "status_time": "2025-11-22 20:48:00",
                "status_desc": "到件",
                "action": "ARRIVAL",
                "desc": "【广州市】快件已到达 广州转运中心",
                "node_description": "广州转运中心",
                "time": "2025-11-22 20:48:00",
            },
            {
                "status_time": "2025-11-22 11:05:00",
                "status_desc": "揽件",
                "action": "GOT",
                "desc": "【广州市】中通快递 广州白云太和网点 已揽收",
                "node_description": "广州白云太和网点",
                "time": "2025-11-22 11:05:00",
            },
        ]
    }
}
GOODS = {
    "goods_detail_get_response": {
        "goods_id": 100001,
        "goods_name": "青丝坊植物泡泡染发剂 泡沫型低氨染发 自己在家染 遮白发",
        "goods_desc": "泡泡型染发剂，按压出泡直接涂抹。使用前48小时做皮肤过敏测试。",
        "goods_type": 1,
        "market_price": 9900,
        "status": 1,
        "is_refundable": 1,
        "cat_id": 18640,
        "sku_list": [
            {
                "sku_id": 1,
                "is_onsale": 1,
                "multi_price": 3990,
                "price": 4590,
                "quantity": 486,
                "spec": [{"parent_id": 1215, "parent_name": "颜色", "spec_id": 9001, "spec_name": "自然黑"}],
            },
            {
                "sku_id": 2,
                "is_onsale": 1,
                "multi_price": 6990,
                "price": 7990,
                "quantity": 265,
                "spec": [
                    {"parent_id": 1215, "parent_name": "颜色", "spec_id": 9001, "spec_name": "自然黑"},
                    {"parent_id": 1216, "parent_name": "规格", "spec_id": 9012, "spec_name": "2盒装"},
                ],
            },
            {
                "sku_id": 3,
                "is_onsale": 0,
                "multi_price": 2990,
                "price": 3590,
                "quantity": 0,
                "spec": [{"parent_id": 1215, "parent_name": "颜色", "spec_id": 9003, "spec_name": "亚麻灰"}],
            },
        ],
    }
}


# -- the fake platform ---------------------------------------------------------------------------------------


class FakePdd:
    """A local Pinduoduo router: verifies sign + timestamp, records requests, replays scripted replies."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.script: dict[str, list[Reply]] = {}
        self.routes: dict[str, Callable[[dict[str, str]], Reply]] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {
                    k: v[0]
                    for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()
                }
                status, headers, body = fake.answer(form)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/router"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def answer(self, form: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(form)
            if not pdd_verify(form, SECRET):
                return _error(10016, "签名错误", "sign-invalid", "sign校验失败")
            if not within_window(form.get("timestamp", ""), time.time(), 600):
                return _error(10017, "时间戳已过期", "timestamp-expired", "timestamp超出有效期")
            api = form.get("type", "")
            scripted = self.script.get(api)
            if scripted:
                return scripted.pop(0)
            route = self.routes.get(api)
            if route is None:
                return _error(10001, "type不存在", "type-not-found", f"接口 {api} 不存在")
            return route(form)

    def of_type(self, api: str) -> list[dict[str, str]]:
        return [form for form in self.requests if form.get("type") == api]

    def __enter__(self) -> FakePdd:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def pdd() -> Iterator[FakePdd]:
    with FakePdd() as server:
        server.routes[PddClient.ORDER_TYPE] = lambda form: _json(
            ORDER_SHIPPED if form["order_sn"] == "251121-604218735" else ORDER_UNSHIPPED
        )
        server.routes[PddClient.COMPANIES_TYPE] = lambda form: _json(COMPANIES)
        server.routes[PddClient.LOGISTICS_TYPE] = lambda form: _json(TRACE)
        server.routes[PddClient.GOODS_TYPE] = lambda form: _json(GOODS)
        yield server


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _sent(form: dict[str, str]) -> Reply:
    return _json({"chat_message_send_response": {"success": True}})


def _client(pdd: FakePdd, fake_time: FakeTime, **kwargs: Any) -> PddClient:
    kwargs.setdefault("rate_per_s", 100.0)
    return PddClient(
        pdd.url,
        CLIENT_ID,
        kwargs.pop("secret", SECRET),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        rng=random.Random(7),
        **kwargs,
    )


# -- signed calls --------------------------------------------------------------------------------------------


def test_send_message_is_signed_and_carries_common_parameters(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.routes["kefu.chat.message.send"] = lambda form: _json(
        {"chat_message_send_response": {"success": True}}
    )
    client = _client(pdd, fake_time, access_token="tok-123")

    client.send_message("hair-dye-demo", "u1001", "亲，在的~ 有什么可以帮您？", "m-0001")

    [form] = pdd.requests
    assert form["type"] == "kefu.chat.message.send"
    assert (
        form["client_id"] == CLIENT_ID and form["access_token"] == "tok-123" and form["data_type"] == "JSON"
    )
    assert form["content"] == "亲，在的~ 有什么可以帮您？" and form["client_msg_id"] == "m-0001"
    assert pdd_verify(form, SECRET)


def test_booleans_and_structures_are_signed_as_sent(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.routes["pdd.test.echo"] = lambda form: _json({"echo_response": dict(form)})

    body = _client(pdd, fake_time).call(
        "pdd.test.echo", cache=True, goods_id_list=[100001, 100002], skip=None
    )

    echoed = body["echo_response"]
    assert echoed["cache"] == "true" and echoed["goods_id_list"] == "[100001,100002]" and "skip" not in echoed


def test_a_wrong_secret_is_refused_and_not_retried(pdd: FakePdd, fake_time: FakeTime) -> None:
    client = _client(pdd, fake_time, secret="not-the-secret")

    with pytest.raises(PlatformError) as raised:
        client.send_message("hair-dye-demo", "u1001", "亲", "m-0002")

    error = raised.value
    assert (error.code, error.sub_code, error.sub_msg, error.request_id) == (
        "10016",
        "sign-invalid",
        "sign校验失败",
        "17640000001234567",
    )
    assert error.retryable is False and len(pdd.requests) == 1 and fake_time.sleeps == []


def test_error_envelope_of_an_unknown_type(pdd: FakePdd, fake_time: FakeTime) -> None:
    with pytest.raises(PlatformError) as raised:
        _client(pdd, fake_time).call("pdd.no.such.api")
    assert raised.value.code == "10001" and raised.value.message == "type不存在"
    assert "type-not-found" in str(raised.value)


# -- throttling and transient failures -----------------------------------------------------------------------


def test_throttling_is_retried_with_backoff_then_succeeds(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.script[PddClient.GOODS_TYPE] = [
        _json({}, status=429, headers={"Retry-After": "1"}),
        _error(70031, "调用过于频繁", "isv.call-limit", "调用频率超限"),
    ]
    client = _client(pdd, fake_time, max_attempts=3, backoff_base_s=0.1, backoff_max_s=2.0)

    product = client.goods_detail("100001")

    assert product is not None and product.goods_name.startswith("青丝坊")
    assert len(pdd.of_type(PddClient.GOODS_TYPE)) == 3
    # after the 429: Retry-After (1 s) beats the jittered backoff (≤ 0.1 s); after 70031: jitter ≤ base·2^1
    retry_after, backoff = fake_time.sleeps
    assert retry_after == 1.0 and 0.0 <= backoff <= 0.2


def test_a_throttle_drains_the_bucket_so_the_next_call_waits(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.script[PddClient.GOODS_TYPE] = [_error(70031, "调用过于频繁", "isv.call-limit", "调用频率超限")]
    client = _client(pdd, fake_time, rate_per_s=10.0, burst=10, backoff_base_s=0.0)

    client.goods_detail("100001")

    # without the drain the retry would use one of the 9 tokens left; with it, it waits ~1/rate
    assert sum(fake_time.sleeps) == pytest.approx(0.1, abs=1e-9)


def test_throttled_past_the_attempts_raises_a_retryable_error(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.script[PddClient.GOODS_TYPE] = [_error(70031, "调用过于频繁", "isv.call-limit")] * 3

    with pytest.raises(PlatformError) as raised:
        _client(pdd, fake_time, max_attempts=3).goods_detail("100001")

    assert raised.value.retryable and raised.value.code == "70031"
    assert len(pdd.requests) == 3


def test_a_gateway_error_page_is_retried(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.script[PddClient.ORDER_TYPE] = [(502, {"Content-Type": "text/html"}, b"<html>502 Bad Gateway</html>")]

    logistics = _client(pdd, fake_time).logistics_trace("251121-604218735")

    assert logistics is not None and len(pdd.of_type(PddClient.ORDER_TYPE)) == 2


def test_an_unreachable_platform_is_a_retryable_network_error(fake_time: FakeTime) -> None:
    with FakePdd() as closed:
        url = closed.url
    client = PddClient(url, CLIENT_ID, SECRET, max_attempts=2, clock=fake_time.clock, sleep=fake_time.sleep)

    with pytest.raises(PlatformError) as raised:
        client.send_message("hair-dye-demo", "u1001", "亲", "m-0003")

    assert raised.value.code == "network" and raised.value.retryable and client.calls == 2


# -- the client-side rate limit ------------------------------------------------------------------------------


def test_token_bucket_never_exceeds_burst_plus_rate() -> None:
    fake = FakeTime()
    bucket = _TokenBucket(rate_per_s=5.0, burst=3, clock=fake.clock, sleep=fake.sleep)

    grants = []
    for _ in range(23):
        bucket.acquire()
        grants.append(fake.now)

    assert grants[:3] == [1000.0] * 3  # the burst goes out at once
    assert grants[-1] - grants[0] == pytest.approx((23 - 3) / 5.0)  # then exactly the rate
    for i, start in enumerate(grants):  # in any window of T seconds: at most burst + rate·T grants
        for j in range(i, len(grants)):
            assert j - i + 1 <= 3 + 5.0 * (grants[j] - start) + 1e-9


def test_client_calls_respect_the_rate(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.routes["kefu.chat.message.send"] = lambda form: _json(
        {"chat_message_send_response": {"success": True}}
    )
    client = _client(pdd, fake_time, rate_per_s=4.0, burst=2)

    for n in range(10):
        client.send_message("hair-dye-demo", "u1001", "亲", f"m-{n}")

    assert len(pdd.requests) == 10
    assert fake_time.now - 1000.0 == pytest.approx((10 - 2) / 4.0)


# -- orders, logistics, goods --------------------------------------------------------------------------------


def test_logistics_trace_of_a_shipped_order(pdd: FakePdd, fake_time: FakeTime) -> None:
    client = _client(pdd, fake_time)

    logistics = client.logistics_trace("251121-604218735")

    assert logistics is not None
    assert (logistics.company, logistics.company_code, logistics.tracking_no) == (
        "中通快递",
        "ZTO",
        "78316402851937",
    )
    assert [event.action for event in logistics.events] == ["GOT", "ARRIVAL"]  # oldest first
    assert logistics.events[0].desc == "【广州市】中通快递 广州白云太和网点 已揽收"
    assert logistics.events[0].time == "2025-11-22 11:05:00"
    [trace_call] = pdd.of_type(PddClient.LOGISTICS_TYPE)
    assert (trace_call["company_code"], trace_call["mail_no"]) == ("ZTO", "78316402851937")
    client.logistics_trace("251121-604218735")
    assert len(pdd.of_type(PddClient.COMPANIES_TYPE)) == 1  # the carrier list is fetched once


def test_logistics_trace_of_an_unshipped_order_is_none(pdd: FakePdd, fake_time: FakeTime) -> None:
    assert _client(pdd, fake_time).logistics_trace("251124-173952806") is None
    assert pdd.of_type(PddClient.LOGISTICS_TYPE) == []


def test_logistics_trace_with_a_carrier_the_platform_does_not_list(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.routes[PddClient.ORDER_TYPE] = lambda form: _json(
        {"order_info_get_response": {"order_info": {"logistics_id": 999, "tracking_number": "X1"}}}
    )
    logistics = _client(pdd, fake_time).logistics_trace("251121-604218735")
    assert logistics is not None and logistics.tracking_no == "X1" and logistics.events == []


def test_goods_detail_maps_fen_prices_and_specs(pdd: FakePdd, fake_time: FakeTime) -> None:
    product = _client(pdd, fake_time).goods_detail("100001")

    assert product is not None
    assert product.goods_id == "100001" and product.price_yuan == 39.9  # the lowest on-sale group price
    assert product.detail.startswith("泡泡型染发剂")
    first, second, off_sale = product.skus
    assert (first.spec, first.price_yuan, first.single_price_yuan, first.stock) == ("自然黑", 39.9, 45.9, 486)
    assert second.spec == "自然黑 2盒装" and second.price_yuan == 69.9
    assert off_sale.on_sale is False and off_sale.price_yuan == 29.9
    assert pdd.of_type(PddClient.GOODS_TYPE)[0]["goods_id"] == "100001"


def test_goods_detail_of_a_bundle_shaped_record(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.routes[PddClient.GOODS_TYPE] = lambda form: _json(
        {"goods_detail_get_response": {"goods_id": "100003", "goods_name": "护色洗发水", "price_yuan": 29.9}}
    )
    product = _client(pdd, fake_time).goods_detail("100003")
    assert product is not None and product.price_yuan == 29.9


def test_goods_detail_of_a_missing_goods_is_an_error(pdd: FakePdd, fake_time: FakeTime) -> None:
    pdd.routes[PddClient.GOODS_TYPE] = lambda form: _error(
        20004, "商品不存在", "goods-not-exist", "商品不存在"
    )
    with pytest.raises(PlatformError) as raised:
        _client(pdd, fake_time).goods_detail("999999")
    assert raised.value.retryable is False and raised.value.sub_code == "goods-not-exist"


def test_latest_order_keeps_its_contract(pdd: FakePdd, fake_time: FakeTime) -> None:
    order = {"order_sn": "251121-604218735", "buyer_id": "u1001", "goods_id": "100001", "status": "已发货"}
    pdd.routes[PddClient.BUYER_ORDERS_TYPE] = lambda form: _json(
        {"order_list_get_response": {"order_list": [order] if form["buyer_id"] == "u1001" else []}}
    )
    client = _client(pdd, fake_time)

    found = client.latest_order("hair-dye-demo", "u1001")

    assert found is not None and found.status == "已发货"
    assert client.latest_order("hair-dye-demo", "u9999") is None
    assert pdd.of_type(PddClient.BUYER_ORDERS_TYPE)[0]["page_size"] == "1"
