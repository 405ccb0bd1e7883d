"""A handoff ticket: one conversation handed to the shop's human agents, and what was done to it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from kefu.models.decision import HANDOFF_PRIORITY, HandoffReason

SYSTEM_ACTOR = "bot"


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned_to_bot"


class ActionKind(StrEnum):
    ENQUEUE = "enqueue"
    CLAIM = "claim"
    REPLY = "reply"
    RESOLVE = "resolve"
    GIVE_BACK = "give_back"


class ActionRecord(BaseModel):
    """One thing done to a ticket, by whom and when. Never holds message text (buyer data stays out)."""

    action: ActionKind
    agent_id: str
    at: datetime
    status: HandoffStatus = Field(description="the ticket's status after the action")
    client_msg_id: str | None = None

    def to_attr(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump(mode="json").items() if value is not None}


class HandoffTicket(BaseModel):
    """One conversation handed to humans. Created once per handoff (idempotent on handoff_id)."""

    shop_id: str
    handoff_id: str
    buyer_id: str
    reason: HandoffReason
    emotion: float = 0.0
    priority: int = 3
    status: HandoffStatus = HandoffStatus.WAITING
    enqueued_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    trigger_message_id: str
    goods_id: str | None = None
    order_status: str | None = None
    outside_hours: bool = False
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 0
    actions: list[ActionRecord] = Field(default_factory=list)

    @classmethod
    def open(cls, shop_id: str, buyer_id: str, reason: HandoffReason, message_id: str,
             **fields: Any) -> HandoffTicket:
        return cls(
            shop_id=shop_id,
            handoff_id=f"{buyer_id}~{message_id}",
            buyer_id=buyer_id,
            reason=reason,
            priority=HANDOFF_PRIORITY[reason],
            trigger_message_id=message_id,
            **fields,
        )

    def rank(self) -> str:
        """Sort key of the status index: priority first, then waiting time."""
        return f"{self.priority}#{self.enqueued_at.astimezone(UTC).isoformat()}"

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.enqueued_at).total_seconds())

    def to_item(self) -> dict[str, Any]:
        # The JSON blob holds what never changes; the mutable fields live in attributes of their own
        # so that a conditional UpdateItem can move them (from_item reads them back over the blob).
        frozen = self.model_dump_json(exclude={"status", "claimed_by", "claimed_at", "closed_at", "version",
                                               "actions"})
        actions = self.actions or [
            ActionRecord(action=ActionKind.ENQUEUE, agent_id=SYSTEM_ACTOR, at=self.enqueued_at,
                         status=self.status)
        ]
        item: dict[str, Any] = {
            "shop_id": self.shop_id,
            "handoff_id": self.handoff_id,
            "shop_status": f"{self.shop_id}#{self.status.value}",
            "rank": self.rank(),
            "ticket": frozen,
            "status": self.status.value,
            "version": self.version,
            "actions": [action.to_attr() for action in actions],
        }
        if self.claimed_by:
            item["claimed_by"] = self.claimed_by
        if self.claimed_at:
            item["claimed_at"] = self.claimed_at.astimezone(UTC).isoformat()
        if self.closed_at:
            item["closed_at"] = self.closed_at.astimezone(UTC).isoformat()
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> HandoffTicket:
        ticket = cls.model_validate_json(item["ticket"])
        updates: dict[str, Any] = {}
        if "status" in item:
            updates["status"] = HandoffStatus(item["status"])
        if "version" in item:
            updates["version"] = int(item["version"])
        for name in ("claimed_by", "claimed_at", "closed_at"):
            if item.get(name):
                updates[name] = item[name]
        if "actions" in item:
            updates["actions"] = [ActionRecord.model_validate(action) for action in item["actions"]]
        return cls.model_validate({**ticket.model_dump(), **updates}) if updates else ticket


class WaitingTicket(BaseModel):
    ticket: HandoffTicket
    age_s: float
    sla_s: float
    overdue: bool
