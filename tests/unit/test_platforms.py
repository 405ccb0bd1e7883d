"""The seam itself: the registry, each adapter's order-status mapping and wording, the generic contract's outbound
calls against a real local connector that checks every signature."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from kefu.answering.outgoing import OutgoingFilter, default_words
from kefu.models.shop import ORDER_STATUSES
from kefu.platform import registry
from kefu.platform.base import IntakeError, Platform, PlatformDeps
from kefu.platform.client import PlatformError
from kefu.platform.generic.adapter import GENERIC_STATUSES, GenericPlatform, accept_generic
from kefu.platform.generic.signing import hmac_verify, signed_headers
from kefu.platform.http import JsonHttp
from kefu.platform.pinduoduo.status import pdd_status
from kefu.settings import Settings

SECRET = "connector-secret"


def _build(name: str) -> Platform:
    return registry.build(name, PlatformDeps(Settings(platform_api_url="https://example.test"), lambda: SECRET))


def test_the_registry_names_every_adapter_and_its_routes() -> None:
    assert registry.names() == ("pdd", "generic", "wecom_kf")
    paths = {route.path: (route.methods, name) for route, name in registry.routes()}
    assert paths == {
        "pdd": (("POST",), "pdd"),
        "generic/v1": (("POST",), "generic"),
        "hmac": (("POST",), "generic"),
        "wecom_kf": (("GET", "POST"), "wecom_kf"),
    }
    for name in registry.names():
        platform = _build(name)
        assert isinstance(platform, Platform) and platform.name == name
    with pytest.raises(ValueError, match="one of pdd, generic, wecom_kf"):
        registry.spec("taobao")


@pytest.mark.parametrize(
    ("name", "raw", "neutral"),
    [
        ("pdd", 1, "待发货"), ("pdd", "2", "已发货"), ("pdd", "3", "交易成功"), ("pdd", "已发货", "已发货"),
        ("generic", "pending_payment", "待付款"), ("generic", "SHIPPED", "已发货"),
        ("generic", "cancelled", "订单取消"),
        ("generic", "待成团", "待成团"),
        ("wecom_kf", "10", "待付款"), ("wecom_kf", 13, "待成团"), ("wecom_kf", "21", "部分发货"),
        ("wecom_kf", "250", "订单取消"),
    ],
)
def test_status_mapping(name: str, raw: object, neutral: str) -> None:
    assert _build(name).map_status(raw) == neutral


@pytest.mark.parametrize("name", ["pdd", "generic", "wecom_kf"])
def test_an_unknown_status_is_never_guessed(name: str) -> None:
    platform = _build(name)
    for neutral in ORDER_STATUSES:
        assert platform.map_status(neutral) == neutral
    for unknown in ("99", "", None, "refunding"):
        with pytest.raises(ValueError):
            platform.map_status(unknown)
    with pytest.raises(ValueError):
        pdd_status("7")


def test_generic_codes_cover_the_nine_statuses() -> None:
    assert sorted(GENERIC_STATUSES.values()) == sorted(ORDER_STATUSES)


def test_wording_per_platform() -> None:
    assert registry.wording("pdd").display_name == "拼多多"
    pdd, wecom = OutgoingFilter(default_words("pdd")), OutgoingFilter(default_words("wecom_kf"))
    assert pdd.hits("亲，加微信聊") and not wecom.hits("亲，微信支付可以用的")  # 微信 is WeCom's own platform
    assert wecom.hits("去拼多多买更便宜") and wecom.hits("加QQ 12345") and pdd.hits("加QQ 12345")
    generic = OutgoingFilter(default_words("generic"))
    assert generic.hits("亲，加微信聊") and generic.hits("去淘宝看看")


# -- the generic contract's outbound side --------------------------------------------------------------------


class Connector:
    """A connector as the contract describes it: verifies kefu's signature, answers /v1/messages and orders."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.script: list[int] = []  # statuses to answer POST /v1/messages with before succeeding
        self.orders: dict[str, Any] = {}
        self.bad_signatures = 0
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _verified(self, signed: bytes) -> bool:
                ok = hmac_verify(signed, self.headers.get("X-Kefu-Timestamp", ""),
                                 self.headers.get("X-Kefu-Signature", ""), SECRET)
                connector.bad_signatures += not ok
                return ok

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self._verified(raw):
                    return self._answer(401, {"error": "invalid_signature"})
                if connector.script:
                    return self._answer(connector.script.pop(0), {"error": "scripted"})
                message = json.loads(raw)
                if any(m["client_msg_id"] == message["client_msg_id"] for m in connector.received):
                    return self._answer(409, {"error": "duplicate"})
                connector.received.append(message)
                self._answer(200, {"accepted": True})

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                if not self._verified(split.query.encode()):
                    return self._answer(401, {"error": "invalid_signature"})
                buyer = dict(p.split("=") for p in split.query.split("&"))["buyer_id"]
                if buyer not in connector.orders:
                    return self._answer(404, {"error": "no_order"})
                self._answer(200, {"order": connector.orders[buyer]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def connector() -> Iterator[Connector]:
    server = Connector()
    yield server
    server.server.shutdown()


def _generic(connector: Connector, secret: str = SECRET) -> GenericPlatform:
    return GenericPlatform(connector.url, lambda: secret, http=JsonHttp(sleep=lambda s: None))


def test_replies_are_signed_and_a_repeat_is_not_an_error(connector: Connector) -> None:
    platform = _generic(connector)
    platform.send_reply("shop-1", "b1", "亲，在的~", "re-1")
    platform.send_reply("shop-1", "b1", "亲，在的~", "re-1")  # the connector answers 409: it has it already
    assert connector.received == [{"shop_id": "shop-1", "buyer_id": "b1", "client_msg_id": "re-1", "type": "text",
                                   "text": "亲，在的~"}]
    assert connector.bad_signatures == 0


def test_a_wrong_secret_and_a_refusal_raise_and_an_outage_is_retried(connector: Connector) -> None:
    with pytest.raises(PlatformError) as refused:
        _generic(connector, "wrong").send_reply("shop-1", "b1", "hi", "re-2")
    assert refused.value.http_status == 401 and not refused.value.retryable
    assert connector.bad_signatures == 1  # a 4xx is not retried
    connector.script = [503, 503]
    _generic(connector).send_reply("shop-1", "b1", "hi", "re-3")  # third attempt
    assert [m["client_msg_id"] for m in connector.received] == ["re-3"]
    connector.script = [503, 503, 503]
    with pytest.raises(PlatformError) as outage:
        _generic(connector).send_reply("shop-1", "b1", "hi", "re-4")
    assert outage.value.retryable


def test_latest_order_maps_the_contracts_codes(connector: Connector) -> None:
    connector.orders["b1"] = {"order_sn": "o-1", "buyer_id": "b1", "status": "partially_shipped"}
    platform = _generic(connector)
    order = platform.latest_order("shop-1", "b1")
    assert order is not None and order.status == "部分发货"
    assert platform.latest_order("shop-1", "nobody") is None
    connector.orders["b2"] = {"order_sn": "o-2", "buyer_id": "b2", "status": "no_order"}
    assert platform.latest_order("shop-1", "b2") is None


def test_generic_push_verification() -> None:
    body = json.dumps({"shop_id": "s1", "buyer_id": "b1", "message_id": "m1", "type": "text", "text": "在吗"}).encode()
    now = int(time.time())
    headers = signed_headers(body, str(now), SECRET)
    assert accept_generic(body, headers, SECRET, "s1", now, 600).text == "在吗"
    for bad_headers, status in (({}, 401), (signed_headers(body, str(now - 3600), SECRET), 401),
                                (signed_headers(body, str(now), "other"), 401)):
        with pytest.raises(IntakeError) as refused:
            accept_generic(body, bad_headers, SECRET, "s1", now, 600)
        assert refused.value.status == status
    with pytest.raises(IntakeError) as wrong_shop:
        accept_generic(body, headers, SECRET, "s2", now, 600)
    assert wrong_shop.value.status == 403
