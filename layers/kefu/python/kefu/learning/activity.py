"""Activity records: what the dashboard counts, built from a decision or an agent reply. No text, no buyer id."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from kefu.models.decision import HandoffReason, Outcome
from kefu.models.learning import ActivityKind, ActivityRecord
from kefu.models.messages import QueuedMessage


def buyer_key(shop_id: str, buyer_id: str) -> str:
    """Counts distinct buyers without storing who they are."""
    return hashlib.sha256(f"kefu-activity|{shop_id}|{buyer_id}".encode()).hexdigest()[:20]


def message_activity(queued: QueuedMessage, outcome: Outcome, handoff: dict[str, Any] | None,
                     decided_at: datetime) -> ActivityRecord:
    message = queued.message
    latency = (decided_at - queued.received_at).total_seconds() * 1000.0
    return ActivityRecord(
        shop_id=message.shop_id,
        kind=ActivityKind.BUYER_MESSAGE,
        at=decided_at,
        message_id=message.message_id,
        buyer_key=buyer_key(message.shop_id, message.buyer_id),
        # A message while a human holds the conversation: the bot stays silent, nothing new is handed over.
        action="silent" if outcome.handoff_reason == HandoffReason.WITH_HUMAN else outcome.action.value,
        handoff_reason=outcome.handoff_reason,
        topic=outcome.intent,
        sources=list(outcome.sources),
        latency_ms=max(0, round(latency)),
        handoff_id=handoff.get("handoff_id") if handoff else None,
        outside_hours=bool(handoff.get("outside_hours")) if handoff else False,
    )


def agent_reply_activity(shop_id: str, buyer_id: str, handoff_id: str, message_id: str,
                         at: datetime) -> ActivityRecord:
    return ActivityRecord(
        shop_id=shop_id,
        kind=ActivityKind.AGENT_REPLY,
        at=at,
        message_id=message_id,
        buyer_key=buyer_key(shop_id, buyer_id),
        action="agent_reply",
        handoff_id=handoff_id,
    )
