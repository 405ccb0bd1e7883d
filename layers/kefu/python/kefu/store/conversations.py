"""Conversation state and transcript in DynamoDB (one partition per shop + buyer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from kefu.models.conversation import ConversationState, Mode, Turn
from kefu.models.messages import conversation_key
from kefu.store.transaction import WriteTransaction

STATE_SK = "STATE"
TURN_PREFIX = "TURN#"


class ConversationStore:
    def __init__(self, table: Any, turn_ttl_days: int = 90) -> None:
        self._table = table
        self._ttl = timedelta(days=turn_ttl_days)

    def load_state(self, shop_id: str, buyer_id: str) -> ConversationState:
        """The conversation's state; the ``mode`` attribute wins over the JSON blob (agents change it alone).

        ``state.version`` carries the mode version read here, so that ``save_state`` can tell whether an
        agent changed the mode while the bot was deciding.
        """
        response = self._table.get_item(
            Key={"pk": conversation_key(shop_id, buyer_id), "sk": STATE_SK}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return ConversationState(shop_id=shop_id, buyer_id=buyer_id)
        if "state" in item:
            state = ConversationState.model_validate_json(item["state"])
        else:  # only set_mode has written so far
            state = ConversationState(shop_id=shop_id, buyer_id=buyer_id)
        if item.get("mode"):
            state.mode = Mode(item["mode"])
        state.version = int(item.get("mode_version", 0))
        return state

    def save_state(self, state: ConversationState) -> None:
        """Store the bot's state without undoing an agent's mode change.

        The bot only ever turns a conversation to human (a handoff); agents turn it back (resolve, give
        back) with ``set_mode``, which bumps ``mode_version``. So: a ``bot`` mode is written only where
        none is stored yet, and a ``human`` mode only while the mode version is still the one the bot
        loaded — a state decided before an agent handed the conversation back cannot take it away again.
        """
        if state.mode == Mode.HUMAN:
            try:
                self._table.update_item(**self.state_update(state, guarded=True))
                return
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                # An agent changed the mode meanwhile: theirs stands, the rest of the state is saved.
        self._table.update_item(**self.state_update(state, guarded=False))

    def state_update(self, state: ConversationState, *, guarded: bool) -> dict[str, Any]:
        """The UpdateItem of ``save_state``; ``guarded``: write the human mode, if no agent moved it since."""
        values: dict[str, Any] = {
            ":state": state.model_dump_json(),
            ":expires": self._expiry(),
            ":zero": 0,
        }
        update = "SET #state = :state, expires_at = :expires, mode_version = if_not_exists(mode_version, :zero)"
        request: dict[str, Any] = {
            "Key": {"pk": conversation_key(state.shop_id, state.buyer_id), "sk": STATE_SK},
            "ExpressionAttributeNames": {"#state": "state", "#mode": "mode"},
        }
        if guarded:
            request["UpdateExpression"] = update + ", #mode = :mode"
            request["ConditionExpression"] = "attribute_not_exists(mode_version) OR mode_version = :loaded"
            request["ExpressionAttributeValues"] = {**values, ":mode": state.mode.value, ":loaded": state.version}
        else:
            request["UpdateExpression"] = update + ", #mode = if_not_exists(#mode, :bot)"
            request["ExpressionAttributeValues"] = {**values, ":bot": Mode.BOT.value}
        return request

    def add_state(self, transaction: WriteTransaction, state: ConversationState, *, guarded: bool) -> int:
        request = self.state_update(state, guarded=guarded)
        return transaction.update(self._table, request["Key"], request["UpdateExpression"],
                                  request.get("ConditionExpression"), request["ExpressionAttributeNames"],
                                  request["ExpressionAttributeValues"])

    def add_turns(self, transaction: WriteTransaction, shop_id: str, buyer_id: str, turns: list[Turn]) -> None:
        for turn in turns:
            transaction.put(self._table, self._turn_item(shop_id, buyer_id, turn))

    def set_mode(self, shop_id: str, buyer_id: str, mode: Mode) -> None:
        """An agent's change of mode: touches only ``mode`` (and its version), never the bot's state.

        Setting the mode it already has is a no-op, so the version moves only on a real change.
        """
        try:
            self._table.update_item(
                Key={"pk": conversation_key(shop_id, buyer_id), "sk": STATE_SK},
                UpdateExpression="SET #mode = :mode, expires_at = :expires ADD mode_version :one",
                ConditionExpression="attribute_not_exists(#mode) OR #mode <> :mode",
                ExpressionAttributeNames={"#mode": "mode"},
                ExpressionAttributeValues={":mode": Mode(mode).value, ":expires": self._expiry(), ":one": 1},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def append_turn(self, shop_id: str, buyer_id: str, turn: Turn) -> None:
        """Idempotent: a turn's sort key is its time, role and message id; a replayed write lands on itself.

        (The responder writes a message's turns inside its decision's transaction: ``add_turns``.)
        """
        self._table.put_item(Item=self._turn_item(shop_id, buyer_id, turn))

    def _turn_item(self, shop_id: str, buyer_id: str, turn: Turn) -> dict[str, Any]:
        at = turn.at.astimezone(UTC).isoformat()
        return {
            "pk": conversation_key(shop_id, buyer_id),
            "sk": f"{TURN_PREFIX}{at}#{turn.role.value}#{turn.message_id or ''}",
            "turn": turn.model_dump_json(),
            "expires_at": self._expiry(),
        }

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
