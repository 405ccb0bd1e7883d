"""Handoffs past their SLA are counted within agent hours only, against the emulated agent queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from kefu_dev.local.emulator import LocalAws

from kefu.handoff.sla import past_sla, shift_start
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.models.shop import ShopConfig
from kefu.resources import AGENT_QUEUE
from kefu.store.agent_queue import AgentQueue

SHOP = ShopConfig.model_validate(
    {
        "shop_id": "s1",
        "shop_name": "测试店",
        "timezone": "Asia/Shanghai",
        "agent_hours": {"start": "09:00", "end": "23:00"},
    }
)


def _queue(local_aws: LocalAws) -> AgentQueue:
    dynamodb = boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")
    return AgentQueue(dynamodb.Table(local_aws.names.table(AGENT_QUEUE)))


def _ticket(buyer: str, enqueued_at: datetime) -> HandoffTicket:
    return HandoffTicket.open("s1", buyer, HandoffReason.EXPLICIT_REQUEST, f"m-{buyer}", enqueued_at=enqueued_at)


def test_counts_only_waits_inside_the_shift(local_aws: LocalAws) -> None:
    queue = _queue(local_aws)
    noon = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    queue.enqueue(_ticket("late", noon - timedelta(minutes=10)))
    queue.enqueue(_ticket("fresh", noon - timedelta(minutes=1)))
    night = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 02:00 in Shanghai, before the shift
    queue.enqueue(_ticket("night", night))
    # At noon: "late" (10 min) and "night" (3 h into the shift) are past a 3-minute SLA, "fresh" is not.
    assert past_sla(queue, SHOP, 3, noon) == 2
    # At 09:02 the night's buyer has waited 2 minutes of shift time: not yet past the SLA.
    early = datetime(2026, 11, 25, 1, 2, tzinfo=UTC)
    assert past_sla(queue, SHOP, 3, early) == 0
    # Outside agent hours nobody is expected to answer.
    assert past_sla(queue, SHOP, 3, night + timedelta(hours=1)) == 0


def test_claimed_tickets_are_not_waiting(local_aws: LocalAws) -> None:
    queue = _queue(local_aws)
    noon = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    ticket = _ticket("b1", noon - timedelta(minutes=30))
    queue.enqueue(ticket)
    queue.claim("s1", ticket.handoff_id, "agent-1", now=noon)
    assert past_sla(queue, SHOP, 3, noon) == 0


def test_shift_across_midnight() -> None:
    shop = SHOP.model_copy(update={"agent_hours": SHOP.agent_hours.model_copy(
        update={"start": datetime(2026, 1, 1, 20, 0).time(), "end": datetime(2026, 1, 1, 2, 0).time()})})
    one_am = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 01:00 in Shanghai
    assert shift_start(shop, one_am) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 20:00 the evening before
