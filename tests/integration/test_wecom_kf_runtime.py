"""WeCom 微信客服 end to end: the whole local runtime in wecom_kf mode (gateway → webhook → sync_msg → SQS →
responder → send_msg at the simulator), and the sync cursor in the emulated DynamoDB."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import boto3
import requests
from kefu_dev.local.emulator import LocalAws
from kefu_dev.local.runtime import LocalRuntime
from kefu_dev.local.sim_modes import WecomMode

from kefu.resources import MESSAGE_LEDGER
from kefu.store.cursors import CursorStore

PLATFORM = "wecom_kf"  # the platform of the platform_runtime fixture (conftest.py)


def _mode(runtime: LocalRuntime) -> WecomMode:
    mode = runtime.simulator.mode
    assert isinstance(mode, WecomMode)
    return mode


def _post_notice(runtime: LocalRuntime, query: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(f"{runtime.webhook_url}?{urlencode(query)}", data=body,
                         headers={"Content-Type": "text/xml"}, timeout=15)


def test_a_signed_callback_gets_its_reply_through_send_msg_exactly_once(platform_runtime: LocalRuntime) -> None:
    mode = _mode(platform_runtime)
    assert platform_runtime.webhook_url.endswith("/webhook/wecom_kf")
    mode.log({"message_id": "wx-e2e-1", "buyer_id": "wmE2e01", "type": "text", "text": "这个染发剂怎么用"})
    query, body = mode.notice()

    first = _post_notice(platform_runtime, query, body)
    again = _post_notice(platform_runtime, query, body)  # WeCom retries a callback it got no answer to in time

    assert (first.status_code, first.text) == (200, "success") and again.status_code == 200
    [reply] = platform_runtime.simulator.wait_for_replies("wmE2e01", 1, timeout_s=30)
    assert "手套" in reply["content"] or "皮肤" in reply["content"]
    assert platform_runtime.wait_until_idle(30)
    time.sleep(1.0)
    assert len(platform_runtime.simulator.sent_to("wmE2e01")) == 1  # one reply, one send_msg
    assert mode.sent_msgids[reply["client_msg_id"]] == 1  # send_msg called once for it, not retried
    assert platform_runtime.simulator.duplicates == 0


def test_a_second_message_is_pulled_from_the_cursor_and_nothing_twice(platform_runtime: LocalRuntime) -> None:
    simulator = platform_runtime.simulator
    before = len(simulator.sent_to("wmE2e02"))
    result = simulator.send_buyer_message("wmE2e02", "什么时候发货")
    assert result["status"] == 200
    simulator.wait_for_replies("wmE2e02", before + 1, timeout_s=30)
    result = simulator.send_buyer_message("wmE2e02", "这个染发剂怎么用")
    simulator.wait_for_replies("wmE2e02", before + 2, timeout_s=30)
    assert platform_runtime.wait_until_idle(30)
    time.sleep(1.0)
    assert len(simulator.sent_to("wmE2e02")) == before + 2


def test_url_verification_and_refusals_through_the_gateway(platform_runtime: LocalRuntime) -> None:
    mode = _mode(platform_runtime)
    timestamp, nonce = str(int(time.time())), "n42"
    echostr = mode.crypto.encrypt(b"echo-4711")
    query = {"msg_signature": mode.crypto.sign(timestamp, nonce, echostr), "timestamp": timestamp, "nonce": nonce,
             "echostr": echostr}
    verified = requests.get(f"{platform_runtime.webhook_url}?{urlencode(query)}", timeout=15)
    assert (verified.status_code, verified.text) == (200, "echo-4711")
    forged_query = urlencode(query | {"msg_signature": "0" * 40})
    forged = requests.get(f"{platform_runtime.webhook_url}?{forged_query}", timeout=15)
    assert forged.status_code == 401
    notice_query, body = mode.notice()
    assert _post_notice(platform_runtime, notice_query | {"nonce": "x"}, body).status_code == 401
    assert _post_notice(platform_runtime, {}, body).status_code == 401


def test_the_cursor_only_moves_forward_from_what_it_was_read_as(local_aws: LocalAws) -> None:
    table = boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1").Table(
        local_aws.names.table(MESSAGE_LEDGER)
    )
    cursors = CursorStore(table, "shop-1", "wecom_kf")
    assert cursors.get("wk1") is None
    assert cursors.advance("wk1", None, "c1")
    assert not cursors.advance("wk1", None, "c-race")  # another pull stored one first
    assert cursors.advance("wk1", "c1", "c2")
    assert not cursors.advance("wk1", "c1", "c-stale")
    assert cursors.get("wk1") == "c2" and CursorStore(table, "shop-2", "wecom_kf").get("wk1") is None
