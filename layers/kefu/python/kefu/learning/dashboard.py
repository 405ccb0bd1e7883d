"""The merchant's dashboard figures, computed from the activity records, per day and per hour of the shop.

Definitions (docs/learning-loop.md): a conversation is one buyer on one day of the shop's timezone; it was
auto-received when none of that buyer's messages that day went to a human; the 3-minute rate is over the
handoffs enqueued inside agent hours, the share whose first agent reply came within 3 minutes; the bot's
latency runs from the webhook accepting a message to the decision.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from kefu.models.decision import HandoffReason
from kefu.models.learning import (
    ActivityKind,
    ActivityRecord,
    Dashboard,
    DayFigures,
    HourFigures,
    ItemHit,
    TopicCount,
)

HUMAN_REPLY_KPI_S = 180.0
TOP = 10


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: list[int], q: float) -> int | None:
    return round(float(np.percentile(values, q))) if values else None


def _figures(label: str, messages: list[ActivityRecord], first_reply: dict[str, datetime],
             approvals: int, across_days: bool = False) -> DayFigures:
    buyers: dict[tuple[str, str], bool] = {}  # (day, buyer) → handed over
    handoffs: Counter[str] = Counter()
    in_hours = replied = 0
    latencies: list[int] = []
    for record in messages:
        key = (record.at.date().isoformat() if across_days else "", record.buyer_key)
        to_human = record.action == "silent" or record.handoff_id is not None
        buyers[key] = buyers.get(key, False) or to_human
        if record.handoff_id is not None and record.handoff_reason is not None:
            handoffs[record.handoff_reason.value] += 1
            if not record.outside_hours:
                in_hours += 1
                answered_at = first_reply.get(record.handoff_id)
                if answered_at is not None and (answered_at - record.at).total_seconds() <= HUMAN_REPLY_KPI_S:
                    replied += 1
        if record.action != "silent" and record.latency_ms is not None:
            latencies.append(record.latency_ms)
    auto = sum(1 for handed in buyers.values() if not handed)
    return DayFigures(
        date=label,
        conversations=len(buyers),
        auto_received=auto,
        auto_reception_rate=_rate(auto, len(buyers)),
        messages=len(messages),
        handoffs=dict(sorted(handoffs.items())),
        handed_over_in_hours=in_hours,
        human_replied_3min=replied,
        human_reply_3min_rate=_rate(replied, in_hours),
        bot_latency_p50_ms=_percentile(latencies, 50),
        bot_latency_p95_ms=_percentile(latencies, 95),
        candidates_approved=approvals,
    )


def build_dashboard(shop_id: str, timezone: str, first: date, last: date, records: Iterable[ActivityRecord],
                    approvals: Iterable[datetime] = (), titles: dict[str, str] | None = None) -> Dashboard:
    """Figures for the shop's days first..last (inclusive); records outside them are ignored.

    ``approvals``: when each piece of taught knowledge was approved (candidates approved or merged, gaps
    answered)."""
    zone = ZoneInfo(timezone)
    local = [record.model_copy(update={"at": record.at.astimezone(zone)}) for record in records]
    first_reply: dict[str, datetime] = {}
    for record in sorted(local, key=lambda r: r.at):
        if record.kind == ActivityKind.AGENT_REPLY and record.handoff_id:
            first_reply.setdefault(record.handoff_id, record.at)
    in_range = [r for r in local if r.kind == ActivityKind.BUYER_MESSAGE and first <= r.at.date() <= last]
    approved: Counter[date] = Counter(moment.astimezone(zone).date() for moment in approvals)
    by_day: dict[date, list[ActivityRecord]] = defaultdict(list)
    for record in in_range:
        by_day[record.at.date()].append(record)
    days = []
    day = first
    while day <= last:
        days.append(_figures(day.isoformat(), by_day.get(day, []), first_reply, approved.get(day, 0)))
        day += timedelta(days=1)
    hours = []
    for hour in range(24):
        at_hour = [r for r in in_range if r.at.hour == hour]
        hours.append(HourFigures(
            hour=hour,
            conversations=len({(r.at.date(), r.buyer_key) for r in at_hour}),
            messages=len(at_hour),
            handoffs=sum(1 for r in at_hour if r.handoff_id is not None),
        ))
    total_approvals = sum(count for when, count in approved.items() if first <= when <= last)
    totals = _figures(f"{first.isoformat()}..{last.isoformat()}", in_range, first_reply, total_approvals,
                      across_days=True)
    answered = [r for r in in_range if r.action == "answer"]
    topics = Counter(r.topic for r in answered if r.topic)
    hits = Counter(source for r in answered for source in r.sources)
    titles = titles or {}
    return Dashboard(
        shop_id=shop_id,
        timezone=timezone,
        from_date=first.isoformat(),
        to_date=last.isoformat(),
        days=days,
        hours=hours,
        totals=totals,
        top_topics=[TopicCount(topic=topic, count=count) for topic, count in topics.most_common(TOP)],
        item_hits=[ItemHit(item_id=source, title=titles.get(source, ""), count=count)
                   for source, count in hits.most_common(TOP * 2)],
    )


CSV_FIELDS = ("date", "conversations", "auto_received", "auto_reception_rate", "messages",
              "handed_over_in_hours", "human_replied_3min", "human_reply_3min_rate", "bot_latency_p50_ms",
              "bot_latency_p95_ms", "candidates_approved")


def dashboard_csv(dashboard: Dashboard) -> str:
    """One row per day; one column per handoff reason after the fixed ones."""
    reasons = [reason.value for reason in HandoffReason]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *(f"handoffs_{reason}" for reason in reasons)])
    for day in dashboard.days:
        values = day.model_dump()
        writer.writerow([("" if values[name] is None else values[name]) for name in CSV_FIELDS]
                        + [day.handoffs.get(reason, 0) for reason in reasons])
    return out.getvalue()
