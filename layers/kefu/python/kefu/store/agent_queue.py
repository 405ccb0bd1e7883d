"""The agent queue in DynamoDB: handoffs waiting for, or held by, a human agent.

Table layout (``resources.AGENT_QUEUE``): pk ``shop_id``, sk ``handoff_id``; the
``by_status`` index lists one shop's tickets of one status in priority then age
order (``shop_status`` = ``<shop>#<status>``, ``rank`` = ``<priority>#<enqueued_at>``).

Every state change is one conditional ``UpdateItem``: the status moves, the
index keys move with it, and the action is appended to the ticket's ``actions``
list in the same write, so a change and its record can never come apart. Two
agents claiming at once: DynamoDB serialises the two writes, the condition
``status = waiting`` holds for exactly one of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from kefu.models.handoff import (
    ActionKind,
    ActionRecord,
    HandoffStatus,
    HandoffTicket,
    WaitingTicket,
)
from kefu.store.transaction import WriteTransaction

# Closed tickets stay listable for a while (history, audits), then DynamoDB's TTL removes them.
CLOSED_RETENTION = timedelta(days=90)


class QueueError(Exception):
    """A ticket action that cannot happen in the ticket's current state."""

    def __init__(self, message: str, ticket: HandoffTicket | None = None) -> None:
        super().__init__(message)
        self.ticket = ticket


class TicketNotFound(QueueError):
    pass


class AlreadyClaimed(QueueError):
    """Another agent (or the same one, earlier) holds the ticket."""

    @property
    def claimed_by(self) -> str | None:
        return self.ticket.claimed_by if self.ticket else None


class NotYourTicket(QueueError):
    """The ticket is claimed by another agent."""


class TicketClosed(QueueError):
    """The ticket is resolved or back with the bot, or not yet claimed for an action that needs a claim."""


_DESERIALIZER = TypeDeserializer()


class AgentQueue:
    def __init__(self, table: Any) -> None:
        self._table = table

    def enqueue(self, ticket: HandoffTicket) -> bool:
        """Put the ticket unless it exists (a retried message must not open a second handoff)."""
        try:
            self._table.put_item(Item=ticket.to_item(),
                                 ConditionExpression="attribute_not_exists(handoff_id)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def add_ticket(self, transaction: WriteTransaction, ticket: HandoffTicket) -> int:
        """``enqueue`` inside a transaction: its condition fails when the ticket exists already."""
        return transaction.put(self._table, ticket.to_item(), condition="attribute_not_exists(handoff_id)")

    # --- reading ---------------------------------------------------------------------------------------

    def get(self, shop_id: str, handoff_id: str) -> HandoffTicket:
        key = {"shop_id": shop_id, "handoff_id": handoff_id}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not item:
            raise TicketNotFound(f"no handoff {handoff_id!r}")
        return HandoffTicket.from_item(item)

    def list_status(self, shop_id: str, status: HandoffStatus, limit: int = 200) -> list[HandoffTicket]:
        """One shop's tickets of one status, priority first, then oldest first (the index's order)."""
        tickets: list[HandoffTicket] = []
        kwargs: dict[str, Any] = {
            "IndexName": "by_status",
            "KeyConditionExpression": Key("shop_status").eq(f"{shop_id}#{status.value}"),
            "ScanIndexForward": True,
        }
        while len(tickets) < limit:
            page = self._table.query(**kwargs, Limit=limit - len(tickets))
            tickets += [HandoffTicket.from_item(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        # The index is eventually consistent: drop an entry whose status moved on meanwhile.
        return [ticket for ticket in tickets if ticket.status == status]

    def list_waiting(self, shop_id: str, sla_minutes: int = 3, now: datetime | None = None,
                     limit: int = 200) -> list[WaitingTicket]:
        now = now or datetime.now(UTC)
        sla_s = sla_minutes * 60.0
        waiting = []
        for ticket in self.list_status(shop_id, HandoffStatus.WAITING, limit):
            age = ticket.age_seconds(now)
            waiting.append(WaitingTicket(ticket=ticket, age_s=round(age, 1), sla_s=sla_s,
                                         overdue=age > sla_s))
        return waiting

    # --- state changes -----------------------------------------------------------------------------------

    def claim(self, shop_id: str, handoff_id: str, agent_id: str,
              now: datetime | None = None) -> HandoffTicket:
        """waiting → claimed: of concurrent claims exactly one wins, the rest get AlreadyClaimed."""
        now = now or datetime.now(UTC)
        try:
            return self._transition(
                shop_id, handoff_id, HandoffStatus.CLAIMED,
                ActionRecord(action=ActionKind.CLAIM, agent_id=agent_id, at=now,
                             status=HandoffStatus.CLAIMED),
                condition="#status = :waiting",
                values={":waiting": HandoffStatus.WAITING.value},
                extra_set={"claimed_by": agent_id, "claimed_at": now.astimezone(UTC).isoformat()},
            )
        except _ConditionFailed as failed:
            ticket = failed.ticket
            if ticket is None:
                raise TicketNotFound(f"no handoff {handoff_id!r}") from None
            if ticket.status == HandoffStatus.CLAIMED:
                raise AlreadyClaimed(f"handoff {handoff_id!r} is already claimed", ticket) from None
            raise TicketClosed(f"handoff {handoff_id!r} is {ticket.status.value}", ticket) from None

    def record_reply(self, shop_id: str, handoff_id: str, agent_id: str, client_msg_id: str,
                     now: datetime | None = None) -> HandoffTicket:
        """Append a reply action; only the agent holding the ticket may reply."""
        now = now or datetime.now(UTC)
        record = ActionRecord(action=ActionKind.REPLY, agent_id=agent_id, at=now,
                              status=HandoffStatus.CLAIMED, client_msg_id=client_msg_id)
        try:
            return self._transition(shop_id, handoff_id, HandoffStatus.CLAIMED, record,
                                    **self._held_by(agent_id))
        except _ConditionFailed as failed:
            raise self._not_held(handoff_id, agent_id, failed.ticket) from None

    def resolve(self, shop_id: str, handoff_id: str, agent_id: str,
                now: datetime | None = None) -> HandoffTicket:
        """claimed (by this agent) → resolved."""
        now = now or datetime.now(UTC)
        record = ActionRecord(action=ActionKind.RESOLVE, agent_id=agent_id, at=now,
                              status=HandoffStatus.RESOLVED)
        try:
            return self._transition(shop_id, handoff_id, HandoffStatus.RESOLVED, record,
                                    **self._held_by(agent_id), closing=now)
        except _ConditionFailed as failed:
            raise self._not_held(handoff_id, agent_id, failed.ticket) from None

    def give_back(self, shop_id: str, handoff_id: str, agent_id: str,
                  now: datetime | None = None) -> HandoffTicket:
        """waiting, or claimed by this agent → returned_to_bot."""
        now = now or datetime.now(UTC)
        record = ActionRecord(action=ActionKind.GIVE_BACK, agent_id=agent_id, at=now,
                              status=HandoffStatus.RETURNED)
        held = self._held_by(agent_id)
        try:
            return self._transition(
                shop_id, handoff_id, HandoffStatus.RETURNED, record,
                condition=f"#status = :waiting OR ({held['condition']})",
                values={":waiting": HandoffStatus.WAITING.value, **held["values"]},
                closing=now,
            )
        except _ConditionFailed as failed:
            raise self._not_held(handoff_id, agent_id, failed.ticket) from None

    # --- internals -----------------------------------------------------------------------------------

    @staticmethod
    def _held_by(agent_id: str) -> dict[str, Any]:
        return {
            "condition": "#status = :claimed AND claimed_by = :agent",
            "values": {":claimed": HandoffStatus.CLAIMED.value, ":agent": agent_id},
        }

    @staticmethod
    def _not_held(handoff_id: str, agent_id: str, ticket: HandoffTicket | None) -> QueueError:
        if ticket is None:
            return TicketNotFound(f"no handoff {handoff_id!r}")
        if ticket.status == HandoffStatus.CLAIMED and ticket.claimed_by != agent_id:
            return NotYourTicket(f"handoff {handoff_id!r} is held by another agent", ticket)
        if ticket.status == HandoffStatus.WAITING:
            return TicketClosed(f"handoff {handoff_id!r} must be claimed first", ticket)
        return TicketClosed(f"handoff {handoff_id!r} is {ticket.status.value}", ticket)

    def _transition(
        self,
        shop_id: str,
        handoff_id: str,
        status: HandoffStatus,
        record: ActionRecord,
        *,
        condition: str,
        values: dict[str, Any],
        extra_set: dict[str, Any] | None = None,
        closing: datetime | None = None,
    ) -> HandoffTicket:
        assignments = [
            "#status = :to",
            "shop_status = :shop_status",
            "version = version + :one",
            "actions = list_append(if_not_exists(actions, :empty), :action)",
        ]
        attr_values: dict[str, Any] = {
            **values,
            ":to": status.value,
            ":shop_status": f"{shop_id}#{status.value}",
            ":one": 1,
            ":empty": [],
            ":action": [record.to_attr()],
        }
        for name, value in (extra_set or {}).items():
            assignments.append(f"{name} = :{name}")
            attr_values[f":{name}"] = value
        if closing is not None:
            assignments += ["closed_at = :closed_at", "expires_at = :expires_at"]
            attr_values[":closed_at"] = closing.astimezone(UTC).isoformat()
            attr_values[":expires_at"] = int((closing + CLOSED_RETENTION).timestamp())
        try:
            response = self._table.update_item(
                Key={"shop_id": shop_id, "handoff_id": handoff_id},
                UpdateExpression="SET " + ", ".join(assignments),
                # attribute_exists guards against UpdateItem creating a ticket out of thin air.
                ConditionExpression=f"attribute_exists(handoff_id) AND ({condition})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=attr_values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise _ConditionFailed(self._old_ticket(error)) from None
        return HandoffTicket.from_item(response["Attributes"])

    @staticmethod
    def _old_ticket(error: ClientError) -> HandoffTicket | None:
        """The item as it was when the condition failed (low-level attribute values), None if absent."""
        raw: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
        if not raw:
            return None
        item = {name: _DESERIALIZER.deserialize(value) for name, value in raw.items()}
        return HandoffTicket.from_item(item)


class _ConditionFailed(Exception):
    def __init__(self, ticket: HandoffTicket | None) -> None:
        super().__init__("condition failed")
        self.ticket = ticket
