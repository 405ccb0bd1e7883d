"""The merchant's dashboard (数据看板) in a real headless Chromium, against the whole local runtime.

A handful of buyers write through the platform simulator (some answered, some handed over, one handoff
answered by an agent in the console and approved as knowledge). The test works out the figures itself from
what the simulator recorded (what each buyer sent, what came back, which were handed over) and from the
agent queue (the reasons), never from the dashboard code, and checks that the page shows them.
Needs Debian's chromium (/usr/bin/chromium); playwright only drives it (no browser download).
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from kefu_dev.local.runtime import LocalRuntime

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AGENT = "agent-01"
REPLY_TIMEOUT_S = 30.0
SEND_TIMEOUT_MS = 30_000
REASONS = ["low_confidence", "repeated_failure", "emotion", "after_sale", "media_rule", "explicit_request",
           "with_human"]
ABROAD = "能寄到日本吗 我人在东京"  # the demo shop's files do not answer it (see test_learning_loop.py)
ABROAD_ANSWER = "亲，目前只发中国大陆地区，暂时不能寄到日本等国外地址哦~"
# (buyer, message): text, or None for an image. u1001 has a shipped order, so an image goes to a human.
TRAFFIC: list[tuple[str, str | None]] = [
    ("d01", "这个染发剂怎么用"),
    ("d02", "什么时候发货"),
    ("d03", "优惠券在哪领"),
    ("d01", "头发齐腰得买几盒"),
    ("d04", "我要转人工"),
    ("u1001", None),
    ("d05", ABROAD),
]


@pytest.fixture(scope="module")
def runtime(chromium: str, demo_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    log_path = tmp_path_factory.mktemp("dashboard") / "functions.log"
    # A runtime of its own: the figures are those of this module's buyers only.
    with LocalRuntime(demo_shop, failure_visibility_s=2, log_path=log_path) as started:
        assert started.console_url, "the local runtime did not start the agent_api function"
        yield started


def _wait(predicate: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _api(runtime: LocalRuntime, route: str) -> Any:
    response = requests.get(runtime.gateway_url + route, timeout=20,
                            headers={"Authorization": f"Bearer {runtime.agent_token}", "X-Agent-Id": AGENT})
    assert response.status_code == 200, (route, response.status_code, response.text)
    return response.json()


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _pct(rate: float | None) -> str:
    """The page's percentage: one decimal at most (dashboard.js pct)."""
    return "—" if rate is None else f"{round(rate * 1000) / 10:g}%"


def _in_hours(moment: datetime, shop: dict[str, Any]) -> bool:
    clock = moment.astimezone(ZoneInfo(shop["timezone"])).strftime("%H:%M")
    return shop["agent_hours"]["start"] <= clock < shop["agent_hours"]["end"]


def _expected(runtime: LocalRuntime, shop: dict[str, Any], reasons: dict[str, str]) -> dict[str, Any]:
    """The figures, from the simulator's record of every buyer's conversation and the queue's reasons."""
    zone = ZoneInfo(shop["timezone"])
    notices = {shop["handoff_message"], shop["offline_message"]}
    conversations: set[tuple[str, str]] = set()
    handed_over: set[tuple[str, str]] = set()
    messages = 0
    roundtrips_ms: list[float] = []
    in_hours = replied_3min = 0
    hours: Counter[int] = Counter()
    for buyer in sorted({b for b, _ in TRAFFIC}):
        turns = runtime.simulator.conversation(buyer)
        for index, turn in enumerate(turns):
            if turn["from"] != "buyer":
                continue
            sent = _at(turn["at"])
            day = (buyer, sent.astimezone(zone).date().isoformat())
            if day not in conversations:
                hours[sent.astimezone(zone).hour] += 1
            conversations.add(day)
            messages += 1
            answers = [t for t in turns[index + 1:] if t["from"] == "agent"]
            bot = next(t for t in answers if not str(t.get("client_msg_id", "")).startswith("ag-"))
            roundtrips_ms.append((_at(bot["at"]) - sent).total_seconds() * 1000)
            if bot["content"] in notices:
                handed_over.add(day)
                if _in_hours(sent, shop):
                    in_hours += 1
                    human = next((t for t in answers if str(t.get("client_msg_id", "")).startswith("ag-")), None)
                    if human and _at(human["at"]) - sent <= timedelta(minutes=3):
                        replied_3min += 1
    auto = len(conversations - handed_over)
    return {
        "conversations": len(conversations),
        "messages": messages,
        "auto_received": auto,
        "auto_rate": auto / len(conversations),
        "handoffs": Counter(reasons.values()),
        "in_hours": in_hours,
        "rate_3min": replied_3min / in_hours if in_hours else None,
        "max_roundtrip_ms": max(roundtrips_ms),
        "hours": hours,
        "today": datetime.now(zone).date().isoformat(),
    }


def test_the_dashboard_shows_what_the_buyers_and_agents_did(
    runtime: LocalRuntime, demo_shop: Path, tmp_path: Path, open_console: Callable[..., AbstractContextManager[Any]]
) -> None:
    from playwright.sync_api import expect

    shop = json.loads((demo_shop / "shop.json").read_text(encoding="utf-8"))
    simulator = runtime.simulator
    reasons: dict[str, str] = {}  # buyer → handoff reason, as the agent queue has it
    for buyer, text in TRAFFIC:
        before = len(simulator.sent_to(buyer))
        sent = simulator.send_buyer_message(buyer, text) if text else simulator.send_buyer_message(buyer, type="image")
        assert sent["status"] == 200
        replies = simulator.wait_for_replies(buyer, count=before + 1, timeout_s=REPLY_TIMEOUT_S)
        assert len(replies) > before, f"no reply to {buyer}"
        if replies[before]["content"] in (shop["handoff_message"], shop["offline_message"]):
            ticket = _wait(lambda b=buyer: next((t for t in _api(runtime, "/agent/handoffs")["waiting"]
                                                 if t["buyer_id"] == b), None), 10, f"{buyer}'s handoff")
            reasons[buyer] = ticket["reason"]
    assert reasons == {"d04": "explicit_request", "u1001": "media_rule", "d05": "low_confidence"}, reasons
    assert runtime.wait_until_idle(20)

    with open_console(runtime, AGENT, accept_downloads=True) as page:
        # An agent answers d05 in the console; the merchant approves the answer as knowledge.
        ticket = page.get_by_test_id("waiting-list").get_by_test_id("ticket").filter(has_text="d05")
        ticket.click()
        expect(page.get_by_test_id("d-buyer")).to_have_text("d05")
        page.get_by_test_id("claim").click()
        expect(page.get_by_test_id("d-status")).to_have_text("接待中")
        page.get_by_test_id("reply").fill(ABROAD_ANSWER)
        page.get_by_test_id("send").click()
        # The first reply also builds the candidate (the encoder's cold start in the agent API): give it time.
        expect(page.get_by_test_id("reply")).to_have_value("", timeout=SEND_TIMEOUT_MS)
        expect(page.get_by_test_id("transcript").locator('[data-role="agent"]')).to_contain_text(ABROAD_ANSWER)
        page.get_by_test_id("resolve").click()
        expect(page.get_by_test_id("toast")).to_contain_text("结束会话成功")
        assert simulator.sent_to("d05")[-1]["content"] == ABROAD_ANSWER
        page.get_by_test_id("tab-review").click()
        card = page.get_by_test_id("candidate").filter(has_text="d05")
        card.get_by_test_id("approve").click()
        expect(card).to_have_count(0)

        expected = _expected(runtime, shop, reasons)
        assert 0 < expected["auto_received"] < expected["conversations"]

        # The dashboard page, from the console's tab (same origin: the token is in localStorage).
        page.get_by_test_id("tab-dashboard").click()
        expect(page.get_by_test_id("board")).to_have_attribute("data-loaded", "7")
        expect(page.get_by_test_id("total-conversations")).to_have_text(str(expected["conversations"]))
        expect(page.get_by_test_id("total-messages")).to_have_text(str(expected["messages"]))
        expect(page.get_by_test_id("total-auto-received")).to_have_text(str(expected["auto_received"]))
        expect(page.get_by_test_id("total-auto-rate")).to_have_text(_pct(expected["auto_rate"]))
        shown_rate = float(page.get_by_test_id("total-auto-rate").get_attribute("data-value") or "nan")
        assert abs(shown_rate - expected["auto_rate"]) < 0.001
        for reason in REASONS:
            expect(page.get_by_test_id(f"handoff-total-{reason}")).to_have_attribute(
                "data-value", str(expected["handoffs"].get(reason, 0)))
        expect(page.get_by_test_id("total-handoffs")).to_have_text(str(sum(expected["handoffs"].values())))
        expect(page.get_by_test_id("approved-total")).to_have_text("1")
        expect(page.get_by_test_id("total-in-hours")).to_have_text(str(expected["in_hours"]))
        expect(page.get_by_test_id("total-3min-rate")).to_have_text(_pct(expected["rate_3min"]))

        # Bot latency runs from the webhook's acceptance to the decision: inside each buyer's round trip.
        p50 = float(page.get_by_test_id("latency-p50").get_attribute("data-value") or "nan")
        p95 = float(page.get_by_test_id("latency-p95").get_attribute("data-value") or "nan")
        assert 0 < p50 <= p95 <= expected["max_roundtrip_ms"], (p50, p95, expected["max_roundtrip_ms"])
        expect(page.get_by_test_id("latency-p50")).to_have_text(f"{round(p50)} ms")

        # The charts carry the same figures: today's bars, the reasons stacked, the hour of day.
        today = expected["today"][5:]
        bars = page.get_by_test_id("chart-conversations")
        expect(bars.locator(f'rect[data-label="{today}"][data-series="auto_received"]')).to_have_attribute(
            "data-value", str(expected["auto_received"]))
        expect(bars.locator(f'rect[data-label="{today}"][data-series="handed_over"]')).to_have_attribute(
            "data-value", str(expected["conversations"] - expected["auto_received"]))
        stacked = page.get_by_test_id("chart-handoffs")
        for reason, count in expected["handoffs"].items():
            expect(stacked.locator(f'rect[data-label="{today}"][data-series="{reason}"]')).to_have_attribute(
                "data-value", str(count))
        for hour, count in expected["hours"].items():
            expect(page.get_by_test_id("chart-hours").locator(f'rect[data-label="{hour}"]')).to_have_attribute(
                "data-value", str(count))
        expect(page.get_by_test_id("chart-approved").locator(f'rect[data-label="{today}"]')).to_have_attribute(
            "data-value", "1")
        assert page.get_by_test_id("chart-topics").locator("rect").count() >= 1
        assert page.get_by_test_id("chart-items").locator("rect").count() >= 1
        expect(page.get_by_test_id("chart-latency").locator("circle")).not_to_have_count(0)

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

        # 30 days: the same totals over a longer range.
        page.get_by_test_id("days").select_option("30")
        expect(page.get_by_test_id("board")).to_have_attribute("data-loaded", "30")
        expect(page.get_by_test_id("total-conversations")).to_have_text(str(expected["conversations"]))
        assert page.get_by_test_id("chart-conversations").locator('rect[data-series="auto_received"]').count() == 30

        # 导出CSV: fetched with the token, handed to the browser as a download; today's row has the figures.
        with page.expect_download() as download:
            page.get_by_test_id("export-csv").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.suffix == ".csv"
        rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
        today_rows = [row for row in rows if expected["today"] in row]
        assert len(today_rows) == 1, rows
        assert str(expected["conversations"]) in today_rows[0], (rows[0], today_rows[0])
    print(f"expected figures {expected}; screenshot: {ARTIFACTS / 'dashboard.png'}")
