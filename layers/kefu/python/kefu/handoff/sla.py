"""Handoffs waiting past their SLA, counted the way the shop's staff would count them.

Waiting only counts within agent hours: a buyer who wrote at night was told when the
agents come back (the offline message), so their wait starts when the shift starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.models.shop import ShopConfig
from kefu.store.agent_queue import AgentQueue


def shift_start(shop: ShopConfig, now: datetime) -> datetime | None:
    """Start of the shift that is on at ``now`` (UTC), or None outside agent hours."""
    zone = ZoneInfo(shop.timezone)
    local = now.astimezone(zone)
    hours = shop.agent_hours
    if not hours.contains(local.time()):
        return None
    start = local.replace(hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0)
    if start > local:  # a shift across midnight that began yesterday
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def past_sla(queue: AgentQueue, shop: ShopConfig, sla_minutes: int, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    started = shift_start(shop, now)
    if started is None:
        return 0
    limit = timedelta(minutes=sla_minutes)
    return sum(
        1
        for waiting in queue.list_waiting(shop.shop_id, sla_minutes, now)
        if now - max(waiting.ticket.enqueued_at, started) > limit
    )
