"""Property tests of the WeCom 微信客服 route (``GET|POST /webhook/wecom_kf``) with real API Gateway proxy events:
the webhook Lambda against the local AWS emulation and the simulator's WeCom mode (gettoken, sync_msg).

Whatever the query, body or encrypted content: never a 5xx; an unsigned, forged, stale or tampered callback is
refused before anything is pulled from WeCom; a signed callback whose content is not a notice queues nothing;
a buyer's message is queued exactly once however often the notice comes, its text as the buyer sent it (less
surrounding white space), and the URL verification echoes exactly what was encrypted.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from hostile_strategies import SHOP, hostile_text, long_hostile_text
from hypothesis import event, given, settings
from hypothesis import strategies as st
from inbound_queue import Queue
from kefu_dev.local.gateway import proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler
from kefu_dev.local.sim_modes import WecomMode
from kefu_dev.local.simulator import PlatformSimulator
from pydantic import TypeAdapter, ValidationError

from kefu.models.messages import MAX_TEXT_CHARS, BuyerMessage
from kefu.platform.wecom_kf.adapter import NOTICE_EVENT

PATH = "/webhook/wecom_kf"
ALLOWED = {200, 400, 401, 413}
_MESSAGE = TypeAdapter(BuyerMessage)


@pytest.fixture
def wecom(demo_shop: Path) -> Iterator[PlatformSimulator]:
    simulator = PlatformSimulator(demo_shop, "unused", platform="wecom_kf").start()
    yield simulator
    simulator.stop()


def _mode(simulator: PlatformSimulator) -> WecomMode:
    assert isinstance(simulator.mode, WecomMode)
    return simulator.mode


@pytest.fixture
def webhook(function_env: dict[str, str], wecom: PlatformSimulator, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    env = {**function_env, **wecom.function_env()}
    for name, value in env.items():  # restored after the test (load_handler leaves os.environ set)
        monkeypatch.setenv(name, value)
    return load_handler("webhook", env)


def invoke(webhook: ModuleType, method: str, query: dict[str, str], body: bytes = b"") -> tuple[int, str]:
    raw_path = PATH + ("?" + urlencode(query) if query else "")
    headers = [("Content-Type", "text/xml")] if method == "POST" else []
    response = webhook.lambda_handler(proxy_event(method, raw_path, headers, body, "203.0.113.9"),
                                      LambdaContext("kefu-local-webhook", timeout_s=10))
    status = int(response["statusCode"])
    assert status in ALLOWED, f"{status}: {response.get('body')}"
    return status, str(response.get("body") or "")


def signed(mode: WecomMode, inner: bytes, *, skew: int = 0, nonce: str = "n0nce") -> tuple[dict[str, str], bytes]:
    """A callback that WeCom would send for ``inner``: encrypted with the EncodingAESKey, signed with the Token."""
    encrypted = mode.crypto.encrypt(inner)
    timestamp = str(int(time.time()) + skew)
    query = {"msg_signature": mode.crypto.sign(timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
    body = f"<xml><ToUserName><![CDATA[{mode.corp_id}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return query, body.encode()


query_keys = st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr", "encrypt", "x"])
query_values = st.one_of(st.text(max_size=60), st.just(str(int(time.time()))),
                         st.from_regex(r"[0-9a-f]{40}", fullmatch=True))
bodies = st.one_of(
    st.binary(max_size=2000),
    hostile_text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"<xml/>", b"<xml><Encrypt></Encrypt></xml>", b"<xml><Encrypt>AAAA</Encrypt></xml>",
                     b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
                     b"<xml>" + b"<a>" * 5000 + b"</xml>", b"<" * 70_000]),
)


@settings(settings.get_profile("hostile"), max_examples=120)
@given(method=st.sampled_from(["GET", "POST"]), query=st.dictionaries(query_keys, query_values, max_size=5),
       body=bodies)
def test_anything_unsigned_or_forged_is_refused_before_anything_is_pulled(
    webhook: ModuleType, queue: Queue, wecom: PlatformSimulator, method: str, query: dict[str, str], body: bytes
) -> None:
    before = queue.size()
    status, answer = invoke(webhook, method, query, body)
    event(f"{method} {status}")
    assert status != 200 and "error" in json.loads(answer)
    assert _mode(wecom).calls == {"gettoken": 0, "sync_msg": 0, "send_msg": 0}
    assert queue.size() == before


inner_documents = st.one_of(
    st.binary(max_size=500),
    hostile_text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda event_name, kfid: (f"<xml><MsgType>event</MsgType><Event>{event_name}</Event>"
                                        f"<OpenKfId>{kfid}</OpenKfId></xml>").encode(),
              st.sampled_from(["enter_session", "msg_send_fail", NOTICE_EVENT.upper(), ""]),
              st.sampled_from(["", "wkSimKefu01"])),
    st.just(f"<xml><Event>{NOTICE_EVENT}</Event><OpenKfId>wkNobodyHere</OpenKfId></xml>".encode()),
    st.just(b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Event>&a;</Event></xml>'),
)


@settings(settings.get_profile("hostile"), max_examples=80)
@given(inner=inner_documents)
def test_a_signed_callback_that_is_not_a_notice_queues_nothing(
    webhook: ModuleType, queue: Queue, wecom: PlatformSimulator, inner: bytes
) -> None:
    _mode(wecom).log({"message_id": f"wx-{uuid.uuid4().hex}", "buyer_id": "wmHostile", "type": "text",
                      "text": "在吗"})  # a message is waiting: only a real notice may pull it
    before = queue.size()
    status, answer = invoke(webhook, "POST", *signed(_mode(wecom), inner))
    event(f"status {status}")
    assert status in (200, 400), answer
    assert answer == "success" if status == 200 else "error" in json.loads(answer)
    assert queue.size() == before


@settings(settings.get_profile("hostile"), max_examples=60)
@given(position=st.integers(0, 10_000), flip=st.integers(1, 255), resign=st.booleans())
def test_a_tampered_callback_is_refused_and_nothing_is_pulled(
    webhook: ModuleType, queue: Queue, wecom: PlatformSimulator, position: int, flip: int, resign: bool
) -> None:
    mode = _mode(wecom)
    query, body = mode.notice()
    encrypted = body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    raw = bytearray(base64.b64decode(encrypted))
    raw[position % len(raw)] ^= flip
    tampered = base64.b64encode(bytes(raw)).decode()
    if resign:  # signed with the Token but altered ciphertext: decryption must refuse it, not the signature
        query = query | {"msg_signature": mode.crypto.sign(query["timestamp"], query["nonce"], tampered)}
    before = queue.size()
    status, answer = invoke(webhook, "POST", query, body.replace(encrypted.encode(), tampered.encode()))
    event(f"resigned {resign}: {status}")
    if resign:
        # CBC without a MAC: a flipped byte garbles the plaintext; what survives must still be refused or be
        # a notice that pulls nothing new (the account's log is empty here).
        assert status in (200, 400, 401), answer
    else:
        assert status == 401, answer
    assert queue.size() == before
    if not resign:
        assert mode.calls["sync_msg"] == 0


def _expected_text(text: str) -> str | None:
    """What a buyer's WeCom text becomes in kefu's message, by the model's own rules (None: not a message)."""
    content = text.strip()[:MAX_TEXT_CHARS]
    if not content:
        return None
    try:
        _MESSAGE.validate_python({"shop_id": SHOP, "buyer_id": "wk:wm", "message_id": "m1", "type": "text",
                                  "text": content})
    except ValidationError:
        return None
    return content


@settings(settings.get_profile("hostile"), max_examples=40)
@given(text=st.one_of(hostile_text(), long_hostile_text(1900, 2100)),
       replays=st.integers(1, 3),
       skew=st.integers(-3000, 3000).filter(lambda s: not 590 <= abs(s) <= 610))
def test_a_buyer_message_is_queued_exactly_once_with_its_text_intact(
    webhook: ModuleType, queue: Queue, wecom: PlatformSimulator, text: str, replays: int, skew: int
) -> None:
    mode = _mode(wecom)
    msgid = f"wx-{uuid.uuid4().hex}"
    mode.log({"message_id": msgid, "buyer_id": "wmHostile01", "type": "text", "text": text})
    stale = mode.notice(timestamp=str(int(time.time()) + skew))
    fresh = abs(skew) < 600
    assert invoke(webhook, "POST", *stale)[0] == (200 if fresh else 401)
    notice = mode.notice()
    for _ in range(replays):  # WeCom re-sends a callback it got no timely answer to
        assert invoke(webhook, "POST", *notice) == (200, "success")
    queued: list[dict[str, Any]] = queue.take_all()
    expected = _expected_text(text)
    if expected is None:
        assert queued == []
        return
    [one] = queued  # exactly once, however many notices
    assert one["message"]["message_id"] == msgid
    assert one["message"]["buyer_id"] == mode.kefu_buyer_id("wmHostile01")
    assert one["message"]["text"] == expected


@settings(settings.get_profile("hostile"), max_examples=60)
@given(echo=st.one_of(st.binary(min_size=1, max_size=300),
                      hostile_text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))),
       forged=st.booleans())
def test_url_verification_echoes_exactly_what_was_encrypted(
    webhook: ModuleType, wecom: PlatformSimulator, echo: bytes, forged: bool
) -> None:
    mode = _mode(wecom)
    timestamp, nonce = str(int(time.time())), "n42"
    echostr = mode.crypto.encrypt(echo)
    signature = "0" * 40 if forged else mode.crypto.sign(timestamp, nonce, echostr)
    status, answer = invoke(webhook, "GET", {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce,
                                             "echostr": echostr})
    if forged:
        assert status == 401
        return
    try:
        decoded = echo.decode("utf-8")
    except UnicodeDecodeError:
        assert status == 400
        return
    assert (status, answer) == (200, decoded)
