"""Conversation state and transcript in DynamoDB (one partition per shop + buyer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from kefu.models.conversation import ConversationState, Turn
from kefu.models.messages import conversation_key

STATE_SK = "STATE"
TURN_PREFIX = "TURN#"


class ConversationStore:
    def __init__(self, table: Any, turn_ttl_days: int = 90) -> None:
        self._table = table
        self._ttl = timedelta(days=turn_ttl_days)

    def load_state(self, shop_id: str, buyer_id: str) -> ConversationState:
        response = self._table.get_item(
            Key={"pk": conversation_key(shop_id, buyer_id), "sk": STATE_SK}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return ConversationState(shop_id=shop_id, buyer_id=buyer_id)
        return ConversationState.model_validate_json(item["state"])

    def save_state(self, state: ConversationState) -> None:
        self._table.put_item(
            Item={
                "pk": conversation_key(state.shop_id, state.buyer_id),
                "sk": STATE_SK,
                "state": state.model_dump_json(),
                "mode": state.mode.value,
                "expires_at": self._expiry(),
            }
        )

    def append_turn(self, shop_id: str, buyer_id: str, turn: Turn) -> None:
        """Idempotent: the sort key is made of the turn's time and message id, so a replayed write lands on itself."""
        sort_key = f"{TURN_PREFIX}{turn.at.astimezone(UTC).isoformat()}#{turn.role.value}#{turn.message_id or ''}"
        self._table.put_item(
            Item={
                "pk": conversation_key(shop_id, buyer_id),
                "sk": sort_key,
                "turn": turn.model_dump_json(),
                "expires_at": self._expiry(),
            }
        )

    def transcript(self, shop_id: str, buyer_id: str, limit: int = 200) -> list[Turn]:
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(conversation_key(shop_id, buyer_id))
            & Key("sk").begins_with(TURN_PREFIX),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        turns = [Turn.model_validate_json(item["turn"]) for item in response.get("Items", [])]
        return list(reversed(turns))

    def _expiry(self) -> int:
        return int((datetime.now(UTC) + self._ttl).timestamp())
