"""Property tests of the webhook Lambda with real API Gateway proxy events, against the local AWS emulation.

For any body, header, encoding, size or text: the answer is a 2xx/4xx (never a 5xx, never a crash), and a
200 means the message is on the FIFO queue exactly once, its text unchanged to the last code point.
"""

from __future__ import annotations

import json
import time
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from hostile_strategies import SHOP, hostile_text, message
from hypothesis import event, given, settings
from hypothesis import strategies as st
from inbound_queue import Queue
from kefu_dev.local.gateway import proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler
from pydantic import TypeAdapter, ValidationError

from kefu.models.messages import BuyerMessage
from kefu.platform.generic.signing import hmac_sign
from kefu.platform.pinduoduo.signing import pdd_sign

SECRET = "test-platform-secret"  # tests/conftest.py LOCAL_SECRET
ALLOWED = {200, 400, 401, 403, 413, 415}
FORM = "application/x-www-form-urlencoded"
_MESSAGE = TypeAdapter(BuyerMessage)


@pytest.fixture
def webhook(function_env: dict[str, str]) -> ModuleType:
    return load_handler("webhook", function_env)


def invoke(webhook: ModuleType, path: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, Any]:
    event = proxy_event("POST", path, headers, body, "203.0.113.7")
    response = webhook.lambda_handler(event, LambdaContext("kefu-local-webhook", timeout_s=10))
    status = int(response["statusCode"])
    assert status in ALLOWED, f"{status}: {response.get('body')}"
    return status, json.loads(response["body"])


def signed_form(data: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    form = {
        "client_id": "kefu-local",
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "type": "pdd.chat.message.push",
        "data": data,
    }
    form["sign"] = pdd_sign(form, secret)
    return form


def expected_status(data: dict[str, Any]) -> int:
    try:
        parsed = _MESSAGE.validate_python(data)
    except ValidationError:
        return 400
    return 200 if parsed.shop_id == SHOP else 403


header_names = st.one_of(
    st.sampled_from(["Content-Type", "content-type", "X-Kefu-Signature", "X-Kefu-Timestamp", "Content-Encoding",
                     "Transfer-Encoding", "X-Forwarded-For", "Host"]),
    st.text(min_size=1, max_size=20),
)
content_types = st.one_of(
    st.sampled_from([FORM, "application/json", "application/json; charset=gbk", "text/plain", "multipart/form-data",
                     "application/x-www-form-urlencoded; charset=utf-16", ""]),
    st.text(max_size=40),
)
bodies = st.one_of(
    st.binary(max_size=3000),
    hostile_text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"{}", b"[]", b"null", b"[" * 30000, b'{"sign": "\xff"}', "签名=值".encode("gbk"),
                     "data=中文".encode("utf-16"), b"a" * (70 * 1024)]),
    st.dictionaries(st.sampled_from(["client_id", "timestamp", "type", "data", "sign"]), hostile_text(max_size=40))
    .map(lambda form: urlencode(form).encode()),
)


@settings(settings.get_profile("hostile"), max_examples=150)
@given(
    path=st.sampled_from(["/webhook/pdd", "/webhook/generic/v1", "/webhook/hmac"]),
    content_type=content_types,
    headers=st.lists(st.tuples(header_names, st.text(max_size=60)), max_size=5),
    body=bodies,
)
def test_anything_unsigned_is_refused_and_nothing_is_queued(
    webhook: ModuleType, queue: Queue, path: str, content_type: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    before = queue.size()
    status, answer = invoke(webhook, path, [("Content-Type", content_type), *headers], body)
    event(f"status {status}")
    assert status != 200 and "error" in answer
    assert queue.size() == before


@settings(settings.get_profile("hostile"), max_examples=120)
@given(data=message(), transport=st.sampled_from(["form", "json"]))
def test_a_signed_message_is_queued_exactly_once_with_its_text_intact_or_refused(
    webhook: ModuleType, queue: Queue, data: dict[str, Any], transport: str
) -> None:
    form = signed_form(json.dumps(data, ensure_ascii=transport == "json"))
    if transport == "json":
        headers, body = [("Content-Type", "application/json")], json.dumps(form).encode()
    else:
        headers, body = [("Content-Type", FORM)], urlencode(form).encode()
    before = queue.size()
    status, answer = invoke(webhook, "/webhook/pdd", headers, body)
    event(f"status {status}")
    assert status == expected_status(data), answer
    if status != 200:
        assert queue.size() == before
        return
    assert answer == {"accepted": True, "message_id": data["message_id"]}
    [queued] = queue.take_all()  # exactly one, and nothing else
    assert queued["message"]["message_id"] == data["message_id"]
    if data.get("type", "text") == "text":
        assert queued["message"]["text"] == data["text"]  # not normalised, not trimmed, not lost


@settings(settings.get_profile("hostile"), max_examples=40)
@given(text=hostile_text(), skew=st.integers(-3000, 3000).filter(lambda s: not 590 <= abs(s) <= 610))
def test_replayed_resigned_stale_and_tampered_requests(webhook: ModuleType, queue: Queue, text: str, skew: int) -> None:
    """Within the 10-minute window: accepted, and the same message id queued once however often it is pushed
    (replayed as is, or signed afresh); outside it, or altered after signing: 401, nothing queued."""
    message_id = f"rp-{abs(hash((text, skew))) % 10**12}"
    data = json.dumps({"shop_id": SHOP, "buyer_id": "u1001", "message_id": message_id, "type": "text", "text": text},
                      ensure_ascii=False)
    fresh = abs(skew) < 600
    form = signed_form(data, int(time.time()) + skew)
    body = urlencode(form).encode()
    before = queue.size()
    assert invoke(webhook, "/webhook/pdd", [("Content-Type", FORM)], body)[0] == (200 if fresh else 401)
    assert invoke(webhook, "/webhook/pdd", [("Content-Type", FORM)], body)[0] == (200 if fresh else 401)  # replay
    resigned = urlencode(signed_form(data, int(time.time()) - 30)).encode()  # the platform's retry, new signature
    assert invoke(webhook, "/webhook/pdd", [("Content-Type", FORM)], resigned)[0] == 200
    tampered = dict(form, data=data.replace("u1001", "u1002"))
    assert invoke(webhook, "/webhook/pdd", [("Content-Type", FORM)], urlencode(tampered).encode())[0] == 401
    wrong_secret = urlencode(signed_form(data, secret="guessed")).encode()
    assert invoke(webhook, "/webhook/pdd", [("Content-Type", FORM)], wrong_secret)[0] == 401
    assert queue.size() == before + 1
    [queued] = queue.take_all()
    assert queued["message"]["text"] == text


@pytest.mark.parametrize("path", ["/webhook/generic/v1", "/webhook/hmac"])  # the contract's route and its alias
@settings(settings.get_profile("hostile"), max_examples=40)
@given(text=hostile_text(), skew=st.integers(-3000, 3000).filter(lambda s: not 590 <= abs(s) <= 610),
       signature=st.one_of(st.none(), st.text(max_size=80)))
def test_the_generic_route_holds_the_same_way(
    webhook: ModuleType, queue: Queue, path: str, text: str, skew: int, signature: str | None
) -> None:
    body = json.dumps({"shop_id": SHOP, "buyer_id": "u1001", "message_id": f"hm-{abs(hash((path, text))) % 10**12}",
                       "type": "text", "text": text}, ensure_ascii=False).encode()
    stamp = str(int(time.time()) + skew)
    headers = [("Content-Type", "application/json"), ("X-Kefu-Timestamp", stamp),
               ("X-Kefu-Signature", hmac_sign(body, stamp, SECRET) if signature is None else signature)]
    before = queue.size()
    status, _ = invoke(webhook, path, headers, body)
    accepted = signature is None and abs(skew) < 600
    assert status == (200 if accepted else 401)
    assert queue.size() == before + int(accepted)
    if accepted:
        [queued] = queue.take_all()
        assert queued["message"]["text"] == text
