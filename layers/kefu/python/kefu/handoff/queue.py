"""The agent queue in DynamoDB: handoffs waiting for, or held by, a human agent."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from kefu.models.decision import HANDOFF_PRIORITY, HandoffReason


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned_to_bot"


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
    version: int = 0

    @classmethod
    def open(cls, shop_id: str, buyer_id: str, reason: HandoffReason, message_id: str, **fields: Any) -> HandoffTicket:
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

    def to_item(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "handoff_id": self.handoff_id,
            "shop_status": f"{self.shop_id}#{self.status.value}",
            "rank": self.rank(),
            "ticket": self.model_dump_json(),
            "status": self.status.value,
            "version": self.version,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> HandoffTicket:
        return cls.model_validate_json(item["ticket"])


class AgentQueue:
    def __init__(self, table: Any) -> None:
        self._table = table

    def enqueue(self, ticket: HandoffTicket) -> bool:
        """Put the ticket unless it exists (a retried message must not open a second handoff)."""
        try:
            self._table.put_item(Item=ticket.to_item(), ConditionExpression="attribute_not_exists(handoff_id)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
