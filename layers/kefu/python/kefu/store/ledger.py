"""The exactly-once ledger: one record per accepted platform message.

A message's outcome is decided once and stored with a conditional write
(``decided``); its effects (turns, state, handoff, reply) are applied
idempotently and the record is then marked ``sent``. A redelivered message
finds the record: if sent, nothing happens again; if only decided (the worker
died half-way), the same stored outcome is applied again, and the reply carries
a deterministic client message id the platform deduplicates on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from kefu.models.conversation import ConversationState, Turn
from kefu.models.decision import Outcome
from kefu.store.transaction import WriteTransaction


class Effects(BaseModel):
    """Everything one message changes, stored with the decision so a retry applies exactly the same."""

    outcome: Outcome
    state: ConversationState
    turns: list[Turn]
    handoff: dict[str, Any] | None = None


class LedgerEntry(BaseModel):
    effects: Effects
    sent: bool
    leased: bool = False  # True when this worker holds the right to apply the effects


class MessageLedger:
    def __init__(self, table: Any, retention_days: int = 14) -> None:
        self._table = table
        self._retention = timedelta(days=retention_days)

    @staticmethod
    def key(shop_id: str, message_id: str) -> str:
        return f"{shop_id}#{message_id}"

    def get(self, shop_id: str, message_id: str) -> LedgerEntry | None:
        item = self._table.get_item(Key={"pk": self.key(shop_id, message_id)}, ConsistentRead=True).get("Item")
        if not item:
            return None
        return LedgerEntry(effects=Effects.model_validate_json(item["effects"]), sent=item["status"] == "sent")

    def record_decision(self, shop_id: str, message_id: str, effects: Effects, lease_s: float = 30.0) -> LedgerEntry:
        """Store the decision unless one exists; returns the entry that won (ours or the earlier one).

        Ours comes with the lease to apply it, taken in the same write.
        """
        try:
            self._table.put_item(Item=self._decision_item(shop_id, message_id, effects, lease_s),
                                 ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            existing = self.get(shop_id, message_id)
            if existing is None:  # pragma: no cover - deleted between the two calls
                raise
            return existing
        return LedgerEntry(effects=effects, sent=False, leased=True)

    def add_decision(self, transaction: WriteTransaction, shop_id: str, message_id: str, effects: Effects,
                     lease_s: float) -> int:
        """``record_decision`` inside a transaction: its condition fails when a decision exists already."""
        return transaction.put(self._table, self._decision_item(shop_id, message_id, effects, lease_s),
                               condition="attribute_not_exists(pk)")

    def _decision_item(self, shop_id: str, message_id: str, effects: Effects, lease_s: float) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "pk": self.key(shop_id, message_id),
            "status": "decided",
            "effects": effects.model_dump_json(),
            "decided_at": now.isoformat(),
            "lease_until": Decimal(str(now.timestamp() + lease_s)),
            "expires_at": int((now + self._retention).timestamp()),
        }

    def try_lease(self, shop_id: str, message_id: str, lease_s: float) -> bool:
        """Take the right to apply a decided outcome; a worker that died leaves a lease that expires.

        Two workers holding the same message (a visibility timeout shorter than the work) cannot both
        apply it: the second one is refused and retries later, when it finds the message sent.
        """
        now = datetime.now(UTC).timestamp()
        try:
            self._table.update_item(
                Key={"pk": self.key(shop_id, message_id)},
                UpdateExpression="SET lease_until = :until",
                ConditionExpression="#s = :decided AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":decided": "decided",
                    ":now": Decimal(str(now)),
                    ":until": Decimal(str(now + lease_s)),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, shop_id: str, message_id: str) -> None:
        self._table.update_item(
            Key={"pk": self.key(shop_id, message_id)},
            UpdateExpression="SET #s = :sent, sent_at = :now",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":sent": "sent", ":now": datetime.now(UTC).isoformat()},
        )
