"""The webhook Lambda against the local AWS emulation: real API Gateway events in, real SQS messages out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from kefu_dev.local.emulator import LocalAws, client
from kefu_dev.local.gateway import MAX_BODY_BYTES, LocalGateway, proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler

from kefu.intake.queue import deduplication_id
from kefu.platform.generic.signing import hmac_sign
from kefu.platform.pinduoduo.signing import pdd_sign
from kefu.resources import INBOUND_QUEUE

SECRET = "test-platform-secret"  # conftest.LOCAL_SECRET
SHOP = "hair-dye-demo"


def _message(**fields: Any) -> dict[str, Any]:
    return {
        "shop_id": SHOP,
        "buyer_id": "u1001",
        "message_id": "pm-1",
        "type": "text",
        "text": "什么时候发货",
        **fields,
    }


def pdd_form(
    message: dict[str, Any] | str, *, secret: str = SECRET, timestamp: int | None = None, sign: bool = True
) -> dict[str, str]:
    data = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    form = {
        "client_id": "kefu-local",
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "type": "pdd.chat.message.push",
        "data": data,
    }
    if sign:
        form["sign"] = pdd_sign(form, secret)
    return form


def pdd_event(form: dict[str, str]) -> dict[str, Any]:
    return proxy_event(
        "POST",
        "/webhook/pdd",
        [("Content-Type", "application/x-www-form-urlencoded")],
        urlencode(form).encode(),
        "203.0.113.9",
    )


def hmac_event(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, Any]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = [
        ("Content-Type", "application/json"),
        ("X-Kefu-Timestamp", stamp),
        ("X-Kefu-Signature", hmac_sign(body, stamp, secret)),
    ]
    return proxy_event("POST", "/webhook/hmac", headers, body, "203.0.113.9")


@pytest.fixture
def webhook(function_env: dict[str, str]) -> ModuleType:
    return load_handler("webhook", function_env)


def invoke(webhook: ModuleType, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = webhook.lambda_handler(event, LambdaContext(function_name="kefu-local-webhook", timeout_s=10))
    # A REST API proxy response: Powertools sets headers as multiValueHeaders.
    headers = {
        **response.get("headers", {}),
        **{k: v[-1] for k, v in response.get("multiValueHeaders", {}).items()},
    }
    assert headers["Content-Type"] == "application/json"
    return response["statusCode"], json.loads(response["body"])


def queued(local_aws: LocalAws) -> list[dict[str, Any]]:
    """Everything on the inbound queue (received, so each message is seen once)."""
    sqs = client("sqs", local_aws.endpoint_url)
    url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        messages += batch


def test_signed_pdd_push_is_enqueued_once_in_the_conversation_group(
    webhook: ModuleType, local_aws: LocalAws
) -> None:
    status, body = invoke(webhook, pdd_event(pdd_form(_message())))
    assert (status, body) == (200, {"accepted": True, "message_id": "pm-1"})
    # The platform retries a push it thinks failed: the same message id must not be queued twice.
    assert invoke(webhook, pdd_event(pdd_form(_message())))[0] == 200
    messages = queued(local_aws)
    assert len(messages) == 1
    attributes = messages[0]["Attributes"]
    assert attributes["MessageGroupId"] == f"{SHOP}#u1001"
    assert attributes["MessageDeduplicationId"] == deduplication_id(SHOP, "pm-1")
    assert json.loads(messages[0]["Body"])["message"]["text"] == "什么时候发货"


def test_signed_pdd_push_as_json_and_hmac_push_are_accepted(webhook: ModuleType, local_aws: LocalAws) -> None:
    form = pdd_form(_message(message_id="pm-json"))
    event = proxy_event(
        "POST",
        "/webhook/pdd",
        [("Content-Type", "application/json")],
        json.dumps(form).encode(),
        "203.0.113.9",
    )
    assert invoke(webhook, event)[0] == 200
    image = {
        key: value for key, value in _message(message_id="pm-hmac", type="image").items() if key != "text"
    }
    body = json.dumps(image).encode()
    assert invoke(webhook, hmac_event(body))[0] == 200
    assert sorted(json.loads(m["Body"])["message"]["message_id"] for m in queued(local_aws)) == [
        "pm-hmac",
        "pm-json",
    ]


def _unsigned() -> dict[str, Any]:
    return pdd_event(pdd_form(_message(), sign=False))


def _bad_sign() -> dict[str, Any]:
    return pdd_event(pdd_form(_message(), secret="not-the-secret"))


def _stale() -> dict[str, Any]:
    return pdd_event(pdd_form(_message(), timestamp=int(time.time()) - 3600))


def _data_not_json() -> dict[str, Any]:
    return pdd_event(pdd_form("{not json"))


def _hmac_body_not_json() -> dict[str, Any]:
    return hmac_event(b"\xff\xfe not json")


def _schema() -> dict[str, Any]:
    return pdd_event(
        pdd_form({"shop_id": SHOP, "message_id": "pm-2", "type": "text", "text": "hi"})
    )  # no buyer


def _unknown_type() -> dict[str, Any]:
    return pdd_event(pdd_form(_message(type="sticker")))


def _wrong_shop() -> dict[str, Any]:
    return pdd_event(pdd_form(_message(shop_id="another-shop")))


def _too_large() -> dict[str, Any]:
    return pdd_event(pdd_form(_message(text="好" * 1000) | {"padding": "x" * 70_000}))


def _hmac_unsigned() -> dict[str, Any]:
    event = hmac_event(json.dumps(_message()).encode())
    event["headers"].pop("X-Kefu-Signature")
    event["multiValueHeaders"].pop("X-Kefu-Signature")
    return event


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (_unsigned, 401, "unsigned"),
        (_hmac_unsigned, 401, "unsigned"),
        (_bad_sign, 401, "invalid_signature"),
        (_stale, 401, "stale_request"),
        (_data_not_json, 400, "invalid_json"),
        (_hmac_body_not_json, 400, "invalid_json"),
        (_schema, 400, "invalid_message"),
        (_unknown_type, 400, "invalid_message"),
        (_wrong_shop, 403, "wrong_shop"),
        (_too_large, 413, "payload_too_large"),
    ],
)
def test_refused_requests_get_a_json_error_and_enqueue_nothing(
    webhook: ModuleType, local_aws: LocalAws, make: Callable[[], dict[str, Any]], status: int, code: str
) -> None:
    got_status, body = invoke(webhook, make())
    assert got_status == status
    assert body["error"] == code and body["message"]
    assert queued(local_aws) == []


@pytest.fixture
def gateway(webhook: ModuleType) -> Any:
    def call(event: dict[str, Any]) -> Any:
        return webhook.lambda_handler(event, LambdaContext(function_name="kefu-local-webhook", timeout_s=10))

    server = LocalGateway({"webhook": call}).start()
    yield server
    server.stop()


def test_through_the_local_gateway(gateway: LocalGateway, local_aws: LocalAws) -> None:
    url = f"{gateway.url}/webhook/pdd"
    ok = requests.post(url, data=pdd_form(_message(message_id="pm-http")), timeout=10)
    assert ok.status_code == 200 and ok.json()["accepted"] is True
    # Junk: non-UTF-8 bytes reach the handler base64-encoded and are refused, not crashed on.
    junk = requests.post(url, data=b"\xff\x00\xfe" * 100, headers={"Content-Type": "text/plain"}, timeout=10)
    assert junk.status_code == 400 and junk.json()["error"] == "invalid_encoding"
    assert requests.post(f"{gateway.url}/webhook/other", data=b"{}", timeout=10).status_code == 404
    assert requests.get(f"{gateway.url}/nowhere", timeout=10).status_code == 404
    too_big = requests.post(url, data=b"x" * (MAX_BODY_BYTES + 1), timeout=30)
    assert too_big.status_code == 413
    assert [json.loads(m["Body"])["message"]["message_id"] for m in queued(local_aws)] == ["pm-http"]
