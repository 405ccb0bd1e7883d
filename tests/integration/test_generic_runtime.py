"""The generic contract end to end: the whole local runtime in generic mode (the simulator as the connector:
HMAC-signed JSON pushes → gateway → webhook → SQS → responder → signed POST /v1/messages back, the buyer's
order read with the signed GET /v1/orders/latest)."""

from __future__ import annotations

import time

from kefu_dev.local.runtime import LocalRuntime
from kefu_dev.local.sim_modes import GenericMode

PLATFORM = "generic"  # the platform of the platform_runtime fixture (conftest.py)


def test_a_pushed_message_gets_one_signed_reply_however_often_it_is_pushed(platform_runtime: LocalRuntime) -> None:
    simulator = platform_runtime.simulator
    mode = simulator.mode
    assert isinstance(mode, GenericMode)
    assert platform_runtime.webhook_url.endswith("/webhook/generic/v1")

    first = simulator.send_buyer_message("u1001", "这个染发剂怎么用", message_id="gen-e2e-1")
    again = simulator.send_buyer_message("u1001", "这个染发剂怎么用", message_id="gen-e2e-1")  # the connector's retry

    assert first["status"] == 200 and again["status"] == 200
    [reply] = simulator.wait_for_replies("u1001", 1, timeout_s=30)
    assert "手套" in reply["content"] or "皮肤" in reply["content"]
    assert platform_runtime.wait_until_idle(30)
    time.sleep(1.0)
    assert len(simulator.sent_to("u1001")) == 1  # one message id, one reply
    assert simulator.duplicates == 0 and mode.rejected == 0  # every call kefu made was signed right


def test_an_order_question_is_answered_from_the_connectors_order(platform_runtime: LocalRuntime) -> None:
    simulator = platform_runtime.simulator
    before = len(simulator.sent_to("u1001"))
    assert simulator.send_buyer_message("u1001", "我的快递到哪了")["status"] == 200
    replies = simulator.wait_for_replies("u1001", before + 1, timeout_s=30)
    assert "良渚网点" in replies[-1]["content"]  # the order's latest logistics event, from /v1/orders/latest
    assert isinstance(simulator.mode, GenericMode) and simulator.mode.rejected == 0
