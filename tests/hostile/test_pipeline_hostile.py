"""Hostile text all the way through: signed push → webhook → FIFO queue → responder → platform. Whatever the
buyer typed, every accepted message gets exactly one outcome, and a reply (if any) reaches the buyer once."""

from __future__ import annotations

import json
import time
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
from hostile_strategies import SHOP, hostile_text
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from kefu_dev.local.emulator import LocalAws, client
from kefu_dev.local.gateway import proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler
from kefu_dev.local.poller import SqsPoller
from kefu_dev.local.simulator import PlatformSimulator

from kefu.platform.pinduoduo.signing import pdd_sign
from kefu.privacy.pii import find_pii
from kefu.resources import INBOUND_QUEUE, MESSAGE_LEDGER
from kefu.store.ledger import MessageLedger

SECRET = "test-platform-secret"
_counter = iter(range(10**9))


def _push(webhook: ModuleType, buyer_id: str, message_id: str, text: str) -> int:
    data = json.dumps({"shop_id": SHOP, "buyer_id": buyer_id, "message_id": message_id, "type": "text",
                       "text": text}, ensure_ascii=False)
    form = {"client_id": "kefu-local", "timestamp": str(int(time.time())), "type": "pdd.chat.message.push",
            "data": data}
    form["sign"] = pdd_sign(form, SECRET)
    event = proxy_event("POST", "/webhook/pdd", [("Content-Type", "application/x-www-form-urlencoded")],
                        urlencode(form).encode(), "203.0.113.7")
    return int(webhook.lambda_handler(event, LambdaContext("kefu-local-webhook"))["statusCode"])


# Each example runs the whole pipeline: a few, and no shrinking (a failure is reported as generated).
@settings(settings.get_profile("hostile"), max_examples=4, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(conversation=st.lists(st.tuples(st.sampled_from(["h1", "h2", "h3"]), hostile_text()), min_size=5, max_size=15))
def test_any_text_gets_exactly_one_outcome(
    function_env: dict[str, str], local_aws: LocalAws, platform_simulator: PlatformSimulator,
    conversation: list[tuple[str, str]],
) -> None:
    webhook, responder = _handlers(function_env)
    sqs = client("sqs", local_aws.endpoint_url)
    url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
    run = next(_counter)
    sent: list[tuple[str, str]] = []
    for n, (buyer, text) in enumerate(conversation):
        buyer_id, message_id = f"{buyer}-{run}", f"hx-{run}-{n}"
        assert _push(webhook, buyer_id, message_id, text) == 200
        sent.append((buyer_id, message_id))

    def invoke(event: dict[str, Any]) -> Any:
        return responder.lambda_handler(event, LambdaContext("kefu-local-responder"))

    poller = SqsPoller(sqs, url, invoke, wait_time_s=0, failure_visibility_s=0)
    for _ in range(50):
        if poller.poll_once() == 0:
            break
    assert poller.stats.failed == 0, "a hostile text made the responder fail"
    dynamodb = boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")
    ledger = MessageLedger(dynamodb.Table(local_aws.names.table(MESSAGE_LEDGER)))
    for buyer_id, message_id in sent:
        entry = ledger.get(SHOP, message_id)
        assert entry is not None and entry.sent, f"{message_id} lost"
        replies = [m for m in platform_simulator.sent_to(buyer_id) if m["client_msg_id"] == f"re-{message_id}"]
        assert len(replies) == (1 if entry.effects.outcome.reply else 0)
        for reply in replies:
            assert find_pii(reply["content"]) == [], "a reply carried personal data"
    assert platform_simulator.duplicates == 0


_handlers_cache: dict[str, tuple[ModuleType, ModuleType]] = {}


def _handlers(env: dict[str, str]) -> tuple[ModuleType, ModuleType]:
    """One warm pair of handlers per test (hypothesis runs the examples in the same test environment)."""
    key = env["KEFU_INBOUND_QUEUE_URL"]
    if key not in _handlers_cache:
        _handlers_cache.clear()
        _handlers_cache[key] = (load_handler("webhook", env), load_handler("responder", env))
    return _handlers_cache[key]
