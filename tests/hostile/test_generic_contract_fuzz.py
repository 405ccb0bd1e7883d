"""Fuzz pass with schemathesis over the generic contract (docs/platform/generic-v1.openapi.yaml), both sides.

kefu's side (``/webhook/generic/v1`` and its alias ``/webhook/hmac``) through the local API Gateway twin, as the
agent API is fuzzed in test_openapi_fuzz.py: as generated (the signatures are wrong) and signed with the shared
secret, so that the generated messages reach validation and the queue. The connector's side (``/v1/messages``,
``/v1/orders/latest``) against the local simulator's generic mode, the reference connector. Last, kefu's own
outbound calls are checked against the contract's request schemas. Whatever is sent: no 5xx, and every answer
is documented (status code, content type, body shape).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jsonschema
import pytest
import requests
import schemathesis
import yaml
from fuzz_support import CHECKS, FUZZ
from hostile_strategies import SHOP
from kefu_dev.local.simulator import PlatformSimulator
from pydantic import TypeAdapter, ValidationError

from kefu.models.messages import BuyerMessage
from kefu.platform.generic.adapter import GenericPlatform
from kefu.platform.generic.signing import signed_headers
from kefu.platform.http import JsonHttp

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "docs" / "platform" / "generic-v1.openapi.yaml"
SECRET = "test-platform-secret"  # tests/conftest.py LOCAL_SECRET: the webhook's and the connector's
_MESSAGE = TypeAdapter(BuyerMessage)

contract = schemathesis.openapi.from_path(str(SPEC))
kefu_side = contract.include(path_regex="^/webhook/")
connector_side = contract.include(path_regex="^/v1/")


def documented_method(case: schemathesis.Case) -> bool:
    """False for the coverage phase's cases with a method the path does not have (a 404 before any check)."""
    return case.method.upper() == case.operation.method.upper()


def send_signed(case: schemathesis.Case, base_url: str, **overrides: str) -> tuple[requests.Response, Any]:
    """The case sent as a connector (or kefu) would: its body or query with ``overrides`` set, signed afresh
    over the exact bytes sent. Returns the answer and what was signed (the JSON payload or the query)."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    kwargs.pop("cookies", None)
    headers = dict(kwargs.pop("headers"))
    if case.operation.method.upper() == "POST":  # signed over the body
        if "json" in kwargs:
            payload = kwargs.pop("json")
            if isinstance(payload, dict):
                payload |= overrides
            signed = json.dumps(payload).encode()
        else:  # no body, or one the coverage phase made raw
            raw = kwargs.pop("data", None) or b""
            payload, signed = None, raw.encode() if isinstance(raw, str) else bytes(raw)
        kwargs["data"] = signed
    else:  # a GET: signed over the raw query string
        payload = dict(kwargs.pop("params", None) or {}) | overrides
        query = urlencode(payload)
        kwargs["url"] += "?" + query
        signed = query.encode()
    headers |= signed_headers(signed, str(int(time.time())), SECRET)
    return requests.request(**kwargs, headers=headers, timeout=15), payload


def buyers_with_orders(shop_dir: Path) -> list[str]:
    orders = json.loads((shop_dir / "orders.json").read_text(encoding="utf-8"))
    return sorted({str(order["buyer_id"]) for order in orders})


@pytest.fixture
def connector(demo_shop: Path) -> Iterator[PlatformSimulator]:
    """The simulator in generic mode: the connector kefu calls (it checks every signature)."""
    simulator = PlatformSimulator(demo_shop, SECRET, platform="generic").start()
    yield simulator
    simulator.stop()


# -- kefu's side ------------------------------------------------------------------------------------------------


@kefu_side.parametrize()
@FUZZ
def test_kefu_refuses_what_is_not_signed_as_documented(case: schemathesis.Case, gateway: str) -> None:
    response = case.call(base_url=gateway)
    case.validate_response(response, checks=CHECKS)
    if documented_method(case):
        assert response.status_code == 401, response.text  # the generated signatures are never right


@kefu_side.parametrize()
@FUZZ
def test_kefu_takes_a_signed_push_or_says_what_is_wrong_as_documented(case: schemathesis.Case, gateway: str) -> None:
    response, payload = send_signed(case, gateway, shop_id=SHOP)
    case.validate_response(response, checks=CHECKS)
    if not documented_method(case):
        return
    try:
        _MESSAGE.validate_python(payload)
    except ValidationError:
        assert response.status_code == 400, response.text  # the schema allows more than the model takes
        return
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": True, "message_id": payload["message_id"]}


# -- the connector's side (the simulator) -----------------------------------------------------------------------


@connector_side.parametrize()
@FUZZ
def test_the_connector_refuses_what_is_not_signed_as_documented(
    case: schemathesis.Case, connector: PlatformSimulator
) -> None:
    response = case.call(base_url=connector.url)
    case.validate_response(response, checks=CHECKS)
    if documented_method(case):
        assert response.status_code == 401, response.text


@connector_side.parametrize()
@FUZZ
def test_the_connector_answers_signed_calls_as_documented(
    case: schemathesis.Case, connector: PlatformSimulator, demo_shop: Path
) -> None:
    buyers = buyers_with_orders(demo_shop)
    # A known buyer for most cases (their orders are answered), the generated one otherwise (404).
    pick = (len(str(case.query or "")) + len(str(case.body or ""))) % (len(buyers) + 1)
    overrides = {"shop_id": connector.shop_id} | ({"buyer_id": buyers[pick]} if pick < len(buyers) else {})
    response, payload = send_signed(case, connector.url, **overrides)
    case.validate_response(response, checks=CHECKS)
    if not documented_method(case):
        return
    if case.method.upper() == "POST":
        sent = payload if isinstance(payload, dict) else {}
        if not all(isinstance(sent.get(key), str) and sent[key] for key in ("buyer_id", "text", "client_msg_id")):
            assert response.status_code == 400, response.text
            return
        assert response.status_code in (200, 409), response.text
        assert response.json()["client_msg_id"] == payload["client_msg_id"]
    else:
        expected = 200 if connector.orders_of(payload["buyer_id"]) else 404
        assert response.status_code == expected, response.text


# -- kefu's outbound calls against the contract -----------------------------------------------------------------


class Recording(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        return super().send(request, **kwargs)


def _schema(name: str) -> dict[str, Any]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def _parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = {}
    for parameter in operation["parameters"]:
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        found[parameter["name"].lower()] = parameter
    return found


def test_kefu_calls_the_connector_as_the_contract_says(connector: PlatformSimulator, demo_shop: Path) -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    session = Recording()
    platform = GenericPlatform(connector.url, lambda: SECRET, http=JsonHttp(session=session))
    buyer = buyers_with_orders(demo_shop)[0]

    platform.send_reply(SHOP, buyer, "您好，这款染发剂需要先做皮肤测试哦", "cm-contract-1")
    platform.send_reply(SHOP, buyer, "您好，这款染发剂需要先做皮肤测试哦", "cm-contract-1")  # a retry: 409, fine
    order = platform.latest_order(SHOP, buyer)
    nothing = platform.latest_order(SHOP, "nobody-here")

    assert order is not None and order.buyer_id == buyer and nothing is None
    assert len(connector.sent_to(buyer)) == 1 and connector.duplicates == 1
    assert connector.mode is not None and getattr(connector.mode, "rejected", None) == 0  # every signature held
    posts = [r for r in session.sent if r.method == "POST"]
    gets = [r for r in session.sent if r.method == "GET"]
    assert len(posts) == 2 and len(gets) == 2
    send = spec["paths"]["/v1/messages"]["post"]
    for request in posts:
        assert urlsplit(request.url).path == "/v1/messages"
        assert request.headers["Content-Type"] == "application/json"
        assert isinstance(request.body, bytes)
        jsonschema.validate(json.loads(request.body), _schema("Reply"))
        for name, parameter in _parameters(send).items():
            jsonschema.validate(request.headers[name], parameter["schema"])
    latest = spec["paths"]["/v1/orders/latest"]["get"]
    for request in gets:
        assert urlsplit(request.url).path == "/v1/orders/latest"
        query = dict(parse_qsl(urlsplit(request.url).query))
        parameters = _parameters(latest)
        for name, parameter in parameters.items():
            where = request.headers if parameter["in"] == "header" else query
            assert name in {key.lower() for key in where}, name
        assert set(query) == {name for name, p in parameters.items() if p["in"] == "query"}
