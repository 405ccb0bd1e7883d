"""The agents' console in a real headless Chromium, against the whole local runtime.

A buyer asks for a human through the platform simulator (signed webhook → SQS → responder);
the handoff shows in the console, an agent claims it, sends a suggested reply and resolves it;
the buyer receives the reply at the simulator, and the bot stays silent while the human holds it.
Needs Debian's chromium (/usr/bin/chromium); playwright only drives it (no browser download).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from kefu_dev.local.runtime import LocalRuntime

from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.resources import AGENT_QUEUE
from kefu.store.agent_queue import AgentQueue

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BUYER = "u1001"  # has a shipped order in the demo bundle's orders.json
AGENT = "agent-01"
SHOWS_WITHIN_S = 15.0  # the issue asks for "a few seconds"; the measured figure is printed


@pytest.fixture(scope="module")
def runtime(chromium: str, demo_shop: Path) -> Iterator[LocalRuntime]:
    with LocalRuntime(demo_shop) as started:
        assert started.console_url, "the local runtime did not start the agent_api function"
        yield started


def _agent_messages(runtime: LocalRuntime) -> list[str]:
    return [m["content"] for m in runtime.simulator.sent_to(BUYER)]


def _wait(predicate: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _enqueue_overdue(runtime: LocalRuntime, buyer: str, minutes_ago: int) -> None:
    assert runtime.aws is not None
    dynamodb = boto3.resource("dynamodb", endpoint_url=runtime.endpoint_url, region_name="cn-north-1")
    queue = AgentQueue(dynamodb.Table(runtime.aws.names.table(AGENT_QUEUE)))
    queue.enqueue(HandoffTicket.open(runtime.shop_id, buyer, HandoffReason.AFTER_SALE, "m-late",
                                     enqueued_at=datetime.now(UTC) - timedelta(minutes=minutes_ago)))


def test_handoff_claim_reply_resolve_in_the_browser(
    runtime: LocalRuntime, open_console: Callable[..., AbstractContextManager[Any]]
) -> None:
    from playwright.sync_api import expect

    simulator = runtime.simulator
    assert simulator.send_buyer_message(BUYER, "这个染发剂怎么用")["status"] == 200
    assert len(simulator.wait_for_replies(BUYER, count=1, timeout_s=30)) == 1  # the bot answers first

    # A new, empty profile, logged in once: the token stays in localStorage.
    with open_console(runtime, AGENT, viewport_height=900) as page:
        expect(page.get_by_test_id("agent-label")).to_have_text(f"客服：{AGENT}")
        expect(page.get_by_test_id("login")).to_be_hidden()
        expect(page.get_by_test_id("waiting-list").get_by_test_id("ticket")).to_have_count(0)

        # A handoff that has waited past the shop's SLA (3 min) is shown in red.
        _enqueue_overdue(runtime, "u-late", minutes_ago=7)
        late = page.get_by_test_id("waiting-list").get_by_test_id("ticket").filter(has_text="u-late")
        expect(late).to_have_class(re.compile(r"\boverdue\b"))
        expect(late).to_contain_text("超时")

        # The buyer asks for a human; the handoff appears in the open console by itself (polling).
        handoff_message = "我要转人工，快递到哪了"
        sent_at = time.monotonic()
        assert simulator.send_buyer_message(BUYER, handoff_message)["status"] == 200
        ticket = page.get_by_test_id("waiting-list").get_by_test_id("ticket").filter(has_text=BUYER)
        expect(ticket).to_be_visible(timeout=SHOWS_WITHIN_S * 1000)
        shown_after_s = time.monotonic() - sent_at
        expect(ticket).to_contain_text("买家要求人工")
        bot_messages = len(_agent_messages(runtime))  # the answer + the handoff notice

        # Open it: the context package.
        ticket.click()
        expect(page.get_by_test_id("d-buyer")).to_have_text(BUYER)
        expect(page.get_by_test_id("d-status")).to_have_text("待接待")
        expect(page.get_by_test_id("transcript")).to_contain_text(handoff_message)
        expect(page.get_by_test_id("d-reason")).to_have_text("买家要求人工")
        expect(page.get_by_test_id("d-order")).to_contain_text("已发货")
        expect(page.get_by_test_id("d-bot")).not_to_contain_text("机器人尚未回答")
        expect(page.get_by_test_id("suggestion").first).to_be_visible()
        assert 2 <= page.get_by_test_id("suggestion").count() <= 3
        expect(page.get_by_test_id("send")).to_be_disabled()

        # Claim.
        page.get_by_test_id("claim").click()
        expect(page.get_by_test_id("d-status")).to_have_text("接待中")
        expect(page.get_by_test_id("claimed-list").get_by_test_id("ticket")).to_contain_text("我接待中")
        expect(page.get_by_test_id("waiting-list").get_by_test_id("ticket")).to_have_count(1)  # u-late

        # The buyer writes again while the human holds the conversation: shown, not answered by the bot.
        follow_up = "麻烦快一点哦"
        assert simulator.send_buyer_message(BUYER, follow_up)["status"] == 200
        expect(page.get_by_test_id("transcript")).to_contain_text(follow_up)
        assert runtime.wait_until_idle(20)

        # A suggestion goes into the reply box; the agent edits it and sends.
        page.get_by_test_id("suggestion").first.click()
        suggested = page.get_by_test_id("reply").input_value()
        assert suggested.startswith("亲，")
        reply = suggested + "有问题随时找我~"
        page.get_by_test_id("reply").fill(reply)
        page.get_by_test_id("send").click()
        expect(page.get_by_test_id("reply")).to_have_value("")
        expect(page.get_by_test_id("transcript").locator('[data-role="agent"]')).to_contain_text(reply)

        # The buyer has it at the platform.
        received = simulator.wait_for_replies(BUYER, count=bot_messages + 1, timeout_s=10)
        assert received[-1]["content"] == reply and received[-1]["client_msg_id"].startswith("ag-")
        assert len(received) == bot_messages + 1  # zero bot replies after the human took over

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)

        # Resolve: the conversation leaves the workspace and goes back to the bot.
        page.get_by_test_id("resolve").click()
        expect(page.get_by_test_id("toast")).to_contain_text("结束会话成功")
        expect(page.get_by_test_id("claimed-list").get_by_test_id("ticket")).to_have_count(0)

    assert simulator.send_buyer_message(BUYER, "这个染发剂怎么用")["status"] == 200
    _wait(lambda: len(_agent_messages(runtime)) == bot_messages + 2, 30, "the bot to answer again")
    print(f"handoff shown in the console {shown_after_s:.1f} s after the buyer's message; "
          f"screenshot: {ARTIFACTS / 'console.png'}")
