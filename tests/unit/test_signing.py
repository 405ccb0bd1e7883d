"""Request signing: Pinduoduo's published MD5 example, HMAC webhook signatures, the timestamp window."""

from __future__ import annotations

import re

import pytest

from kefu.platform.generic.signing import hmac_sign, hmac_verify
from kefu.platform.pinduoduo.signing import pdd_sign, pdd_verify
from kefu.platform.signing import within_window

# The example of the Pinduoduo open platform's signing documentation.
PUBLISHED_PARAMS: dict[str, object] = {
    "access_token": "asd78172s8ds9a921j9qqwda12312w1w21211",
    "client_id": "1",
    "data_type": "XML",
    "order_status": "1",
    "page": "1",
    "page_size": "10",
    "timestamp": "1480411125",
    "type": "pdd.order.number.list.get",
}
PUBLISHED_SECRET = "testSecret"
PUBLISHED_SIGN = "E4DE3ED21002510DED352819E7AE6775"


def test_published_pdd_example() -> None:
    assert pdd_sign(PUBLISHED_PARAMS, PUBLISHED_SECRET) == PUBLISHED_SIGN


def test_pdd_sign_ignores_key_order_and_the_sign_field() -> None:
    shuffled = dict(reversed(list(PUBLISHED_PARAMS.items())))
    assert pdd_sign({**shuffled, "sign": "whatever"}, PUBLISHED_SECRET) == PUBLISHED_SIGN


def test_pdd_sign_of_integers_and_booleans() -> None:
    as_numbers = {**PUBLISHED_PARAMS, "order_status": 1, "page": 1, "page_size": 10, "timestamp": 1480411125}
    assert pdd_sign(as_numbers, PUBLISHED_SECRET) == PUBLISHED_SIGN
    assert pdd_sign({"cache": True}, "s") == pdd_sign({"cache": "true"}, "s")


def test_pdd_verify() -> None:
    signed = {**PUBLISHED_PARAMS, "sign": PUBLISHED_SIGN}
    assert pdd_verify(signed, PUBLISHED_SECRET)
    assert pdd_verify({**signed, "sign": PUBLISHED_SIGN.lower()}, PUBLISHED_SECRET)
    assert not pdd_verify(signed, "otherSecret")
    assert not pdd_verify({**signed, "page": "2"}, PUBLISHED_SECRET)  # tampered
    assert not pdd_verify(PUBLISHED_PARAMS, PUBLISHED_SECRET)  # unsigned
    assert not pdd_verify({**signed, "sign": ""}, PUBLISHED_SECRET)


def test_pdd_sign_of_chinese_values_is_utf8() -> None:
    params = {"type": "kefu.chat.message.send", "content": "亲，在的~", "timestamp": "1764000000"}
    sign = pdd_sign(params, "s3cret")
    assert re.fullmatch(r"[0-9A-F]{32}", sign)
    assert pdd_verify({**params, "sign": sign}, "s3cret")


BODY = '{"msg_id":"m1","buyer_id":"u1001","text":"亲 这个染发剂咋用啊"}'.encode()


def test_hmac_sign_and_verify() -> None:
    signature = hmac_sign(BODY, "1764000000", "hook-secret")
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature)
    assert hmac_verify(BODY, "1764000000", signature, "hook-secret")
    assert hmac_verify(BODY, "1764000000", f"  {signature.upper()} ", "hook-secret")


@pytest.mark.parametrize(
    ("body", "timestamp", "secret"),
    [
        (BODY + b" ", "1764000000", "hook-secret"),  # body changed
        (BODY, "1764000001", "hook-secret"),  # timestamp changed: it is part of the signed text
        (BODY, "1764000000", "other-secret"),
    ],
)
def test_hmac_verify_refuses_changes(body: bytes, timestamp: str, secret: str) -> None:
    signature = hmac_sign(BODY, "1764000000", "hook-secret")
    assert not hmac_verify(body, timestamp, signature, secret)


def test_hmac_verify_refuses_garbage() -> None:
    assert not hmac_verify(BODY, "1764000000", "", "hook-secret")
    assert not hmac_verify(BODY, "1764000000", "sha256=", "hook-secret")


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (1_764_000_000, True),
        ("1764000000", True),
        (1_764_000_000 - 600, True),  # exactly at the edge of the window
        (1_764_000_000 + 600, True),
        (1_764_000_000 - 601, False),  # a replay
        (1_764_000_000 + 601, False),  # from the future
        ("1764000000.5", False),  # seconds are whole numbers
        ("", False),
        ("yesterday", False),
    ],
)
def test_within_window(timestamp: str | int, expected: bool) -> None:
    assert within_window(timestamp, now=1_764_000_000.0, window_s=600) is expected
