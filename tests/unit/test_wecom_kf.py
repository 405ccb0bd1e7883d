"""WeCom 微信客服: the callback crypto (WeCom's published sample), the verified callback → sync_msg pull with its
cursor, URL verification, send_msg, against the platform simulator's WeCom mode over real HTTP."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kefu_dev.local.simulator import PlatformSimulator

from kefu.platform.base import IntakeError, PushedMessages
from kefu.platform.client import PlatformError
from kefu.platform.wecom_kf.adapter import Sync, WecomKfPlatform, secret_json
from kefu.platform.wecom_kf.client import WecomKfClient, send_msgid
from kefu.platform.wecom_kf.crypto import CryptoError, ReceiverMismatch, WecomCrypto
from kefu.platform.wecom_kf.messages import parse_xml, to_buyer_message

DEMO_SHOP = Path(__file__).resolve().parents[2] / "examples" / "shops" / "hair-dye"
SHOP = "hair-dye-demo"
WINDOW = 600

# The sample of WeCom's callback documentation (URL verification, 加解密方案说明).
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_CORP = "wx5823bf96d3bd56c7"
SAMPLE_QUERY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
}
SAMPLE_ECHO = "1616140317555161061"


def test_the_published_sample_signature_and_plaintext() -> None:
    crypto = WecomCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP)
    q = SAMPLE_QUERY
    assert crypto.sign(q["timestamp"], q["nonce"], q["echostr"]) == q["msg_signature"]
    assert crypto.decrypt(q["echostr"]) == SAMPLE_ECHO.encode()


@settings(max_examples=50, deadline=None)
@given(message=st.binary(max_size=300), random16=st.binary(min_size=16, max_size=16))
def test_encrypt_decrypt_round_trip(message: bytes, random16: bytes) -> None:
    crypto = WecomCrypto("tok", SAMPLE_KEY, "wwcorp")
    encrypted = crypto.encrypt(message, random16)
    raw = base64.b64decode(encrypted)
    assert len(raw) % 32 == 0  # PKCS#7 to a 32-byte block
    assert crypto.decrypt(encrypted) == message


def test_wrong_key_receiver_and_tampering_are_refused() -> None:
    crypto = WecomCrypto("tok", SAMPLE_KEY, "wwcorp")
    encrypted = crypto.encrypt(b"<xml>hi</xml>")
    other_key = WecomCrypto("tok", base64.b64encode(bytes(range(32))).decode()[:43], "wwcorp")
    with pytest.raises(CryptoError):
        other_key.decrypt(encrypted)
    with pytest.raises(ReceiverMismatch):
        WecomCrypto("tok", SAMPLE_KEY, "wwother").decrypt(encrypted)
    raw = bytearray(base64.b64decode(encrypted))
    raw[-1] ^= 0xFF  # the padding block
    with pytest.raises(CryptoError):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())
    for junk in ("", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(CryptoError):
            crypto.decrypt(junk)
    with pytest.raises(ValueError):
        WecomCrypto("tok", SAMPLE_KEY[:42], "wwcorp")


def test_xml_with_declarations_is_refused() -> None:
    assert parse_xml(b"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>") == {"Encrypt": "abc"}
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    for body in (bomb, b"<xml><Encrypt>", b"\xff\xfe"):
        with pytest.raises(IntakeError) as refused:
            parse_xml(body)
        assert refused.value.status == 400


# -- against the simulator's WeCom mode --------------------------------------------------------------------


class MemoryCursors:
    """CursorStore's contract in memory (the DynamoDB one is tested in tests/integration/test_wecom_kf_runtime.py)."""

    def __init__(self) -> None:
        self.cursors: dict[str, str] = {}
        self.writes = 0

    def get(self, account: str) -> str | None:
        return self.cursors.get(account)

    def advance(self, account: str, read_as: str | None, cursor: str) -> bool:
        if self.cursors.get(account) != read_as:
            return False
        self.cursors[account] = cursor
        self.writes += 1
        return True


@pytest.fixture
def simulator() -> Iterator[PlatformSimulator]:
    sim = PlatformSimulator(DEMO_SHOP, "unused", platform="wecom_kf").start()
    sim.webhook_url = "http://127.0.0.1:9/unused"  # pushes are built with mode.notice() in these tests
    yield sim
    sim.stop()


def _platform(sim: PlatformSimulator, cursors: MemoryCursors) -> tuple[WecomKfPlatform, str]:
    mode = sim.mode
    assert mode is not None and mode.name == "wecom_kf"
    client = WecomKfClient(sim.url, mode.corp_id, mode.corp_secret)
    return WecomKfPlatform(mode.corp_id, lambda: Sync(client, cursors)), mode.secret  # type: ignore[arg-type]


def _log(sim: PlatformSimulator, *texts: str, buyer: str = "u1001") -> None:
    """Buyer messages in the account's log without pushing (the test posts the notice itself)."""
    mode = sim.mode
    assert mode is not None and mode.name == "wecom_kf"
    for index, text in enumerate(texts):
        mode.log({"message_id": f"msg{time.time_ns()}{index}", "buyer_id": buyer, "type": "text", "text": text})


def test_a_signed_callback_pulls_every_page_and_moves_the_cursor_once_queued(simulator: PlatformSimulator) -> None:
    cursors = MemoryCursors()
    platform, secret = _platform(simulator, cursors)
    _log(simulator, "一", "二", "三", "四", "五")  # the simulator pages 2 at a time
    query, body = simulator.mode.notice()  # type: ignore[union-attr]

    messages = platform.verify_push(body, {}, secret, SHOP, time.time(), WINDOW, query=query)

    assert [m.text for m in messages] == ["一", "二", "三", "四", "五"]
    assert {m.buyer_id for m in messages} == {"wkSimKefu01:u1001"}
    assert simulator.mode.calls["sync_msg"] == 3  # type: ignore[union-attr]
    assert cursors.cursors == {}  # nothing stored before the messages are queued
    assert isinstance(messages, PushedMessages) and messages.on_queued is not None
    messages.on_queued()
    assert cursors.cursors == {"wkSimKefu01": "5"}

    _log(simulator, "六")
    query, body = simulator.mode.notice()  # type: ignore[union-attr]
    again = platform.verify_push(body, {}, secret, SHOP, time.time(), WINDOW, query=query)
    assert [m.text for m in again] == ["六"]  # from the cursor: nothing pulled twice


def test_the_shops_own_messages_and_events_are_not_buyer_messages() -> None:
    base = {"msgid": "m1", "open_kfid": "wk1", "external_userid": "wm1", "send_time": 1700000000}
    assert to_buyer_message(base | {"origin": 5, "msgtype": "text", "text": {"content": "客服说"}}, SHOP) is None
    assert to_buyer_message(base | {"origin": 4, "msgtype": "event", "event": {}}, SHOP) is None
    assert to_buyer_message(base | {"origin": 3, "msgtype": "voice", "voice": {}}, SHOP) is None
    text = to_buyer_message(base | {"origin": 3, "msgtype": "text", "text": {"content": "在吗"}}, SHOP)
    assert text is not None and (text.message_id, text.buyer_id, text.text) == ("m1", "wk1:wm1", "在吗")
    image = to_buyer_message(base | {"origin": 3, "msgtype": "image", "image": {"media_id": "x"}}, SHOP)
    assert image is not None and image.type.value == "image"
    card = to_buyer_message(base | {"origin": 3, "msgtype": "channels_shop_product",
                                    "channels_shop_product": {"product_id": "1001", "title": "染发剂"}}, SHOP)
    assert card is not None and card.type.value == "goods_card" and card.goods_id == "1001"


def _resigned(sim: PlatformSimulator, encrypted: str, timestamp: str) -> tuple[dict[str, str], bytes]:
    mode = sim.mode
    assert mode is not None
    nonce = "n1"
    query = {"msg_signature": mode.crypto.sign(timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
    return query, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()


def _status(platform: WecomKfPlatform, secret: str, query: dict[str, str], body: bytes) -> int:
    try:
        platform.verify_push(body, {}, secret, SHOP, time.time(), WINDOW, query=query)
    except IntakeError as error:
        return error.status
    return 200


def test_refusals(simulator: PlatformSimulator) -> None:
    platform, secret = _platform(simulator, MemoryCursors())
    mode = simulator.mode
    assert mode is not None
    query, body = mode.notice()
    assert _status(platform, secret, query, body) == 200
    assert _status(platform, secret, {k: v for k, v in query.items() if k != "msg_signature"}, body) == 401
    assert _status(platform, secret, query | {"msg_signature": "0" * 40}, body) == 401  # wrong signature
    assert _status(platform, secret, query | {"nonce": "other"}, body) == 401  # the signature covers the nonce
    encrypted = parse_xml(body)["Encrypt"]
    tampered = encrypted[:10] + ("A" if encrypted[10] != "A" else "B") + encrypted[11:]
    assert _status(platform, secret, query, body.replace(encrypted.encode(), tampered.encode())) == 401
    # Signed with the Token but not decryptable (only the Token holder could send it): a 400.
    assert _status(platform, secret, *_resigned(simulator, base64.b64encode(b"x" * 32).decode(),
                                                  str(int(time.time())))) == 400
    stale_query, stale_body = mode.notice(timestamp=str(int(time.time()) - 3600))
    assert _status(platform, secret, stale_query, stale_body) == 401
    other = secret_json("othertoken", mode.encoding_aes_key, mode.corp_secret)
    assert _status(platform, other, query, body) == 401
    assert _status(platform, "not json", query, body) == 401
    assert _status(platform, secret, query, b"<xml><Encrypt>") == 400


def test_url_verification_echoes_the_decrypted_echostr(simulator: PlatformSimulator) -> None:
    platform = WecomKfPlatform(SAMPLE_CORP, lambda: pytest.fail("no pull for a verification"))  # type: ignore[arg-type]
    secret = secret_json(SAMPLE_TOKEN, SAMPLE_KEY, "")
    now = float(SAMPLE_QUERY["timestamp"])
    assert platform.handshake(SAMPLE_QUERY, secret, now, WINDOW) == SAMPLE_ECHO
    for bad in ({"msg_signature": "0" * 40}, {"echostr": SAMPLE_QUERY["echostr"][:-4] + "AAA="}, {"nonce": "1"}):
        with pytest.raises(IntakeError) as refused:
            platform.handshake(SAMPLE_QUERY | bad, secret, now, WINDOW)
        assert refused.value.status == 401
    with pytest.raises(IntakeError) as stale:
        platform.handshake(SAMPLE_QUERY, secret, now + 3600, WINDOW)
    assert stale.value.status == 401


def test_send_msg_goes_to_the_account_and_buyer_with_a_stable_msgid(simulator: PlatformSimulator) -> None:
    platform, _ = _platform(simulator, MemoryCursors())
    platform.send_reply(SHOP, "wkSimKefu01:u1001", "亲，在的~", "re-m1")
    platform.send_reply(SHOP, "wkSimKefu01:u1001", "亲，在的~", "re-m1")  # a retry of the same reply
    [sent] = simulator.sent_to("u1001")
    assert sent["content"] == "亲，在的~" and sent["client_msg_id"] == send_msgid("re-m1")
    assert simulator.mode.sent_msgids == {send_msgid("re-m1"): 2}  # type: ignore[union-attr]
    assert simulator.duplicates == 1 and len(send_msgid("x" * 500)) == 32
    with pytest.raises(ValueError):
        platform.send_reply(SHOP, "u1001", "no account", "re-m2")
    assert platform.latest_order(SHOP, "wkSimKefu01:u1001") is None  # no order API


def test_an_expired_access_token_is_fetched_again_once(simulator: PlatformSimulator) -> None:
    mode = simulator.mode
    assert mode is not None
    client = WecomKfClient(simulator.url, mode.corp_id, mode.corp_secret)
    client.access_token()
    mode._access_tokens.clear()  # the platform invalidated it
    client.send_text(mode.OPEN_KFID, "u1002", "hi", "c1")
    assert mode.calls["gettoken"] == 2 and len(simulator.sent_to("u1002")) == 1
    bad = WecomKfClient(simulator.url, mode.corp_id, "wrong-secret")
    with pytest.raises(PlatformError) as refused:
        bad.sync_msg(None, None, mode.OPEN_KFID)
    assert refused.value.code == 40001 and not refused.value.retryable


def test_simulated_callbacks_verify_with_the_query_the_gateway_passes(simulator: PlatformSimulator) -> None:
    """What the simulator posts is what the webhook reads: the signature in the query, the XML in the body."""
    posted: dict[str, Any] = {}

    class Recorder:
        def post(self, url: str, data: bytes, headers: dict[str, str], timeout: float) -> Any:
            posted.update(url=url, data=data)
            return type("R", (), {"status_code": 200, "json": lambda self: {}, "text": "success"})()

    mode = simulator.mode
    assert mode is not None
    mode._session = Recorder()  # type: ignore[assignment]
    mode.push("http://gw/webhook/wecom_kf", {"message_id": "m9", "buyer_id": "u1", "type": "text", "text": "你好"})
    query = dict(parse_qsl(urlsplit(posted["url"]).query))
    platform, secret = _platform(simulator, MemoryCursors())
    [message] = platform.verify_push(posted["data"], {}, secret, SHOP, time.time(), WINDOW, query=query)
    assert (message.message_id, message.text) == ("m9", "你好")
