"""Sync cursors of platforms whose pushes are only notices (WeCom 微信客服: pull with sync_msg from a cursor).

One small item per (shop, platform, account) in the message ledger table: pk = "<shop>#cursor#<platform>#<account>".
Message ids never hold "#", so these keys cannot meet a ledger record. A cursor only moves forward from the value
it was read as (a conditional write): when two pulls race, the slower one's write is refused and the next pull
starts from the earlier cursor, which at worst fetches messages again; their platform ids de-duplicate them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError


class CursorStore:
    def __init__(self, table: Any, shop_id: str, platform: str) -> None:
        self._table = table
        self._prefix = f"{shop_id}#cursor#{platform}#"

    def _key(self, account: str) -> dict[str, str]:
        return {"pk": self._prefix + account}

    def get(self, account: str) -> str | None:
        item = self._table.get_item(Key=self._key(account), ConsistentRead=True).get("Item")
        return str(item["cursor"]) if item and item.get("cursor") else None

    def advance(self, account: str, read_as: str | None, cursor: str) -> bool:
        """Store ``cursor`` if the stored one is still ``read_as``; False when another pull moved it first."""
        if cursor == read_as:
            return True
        condition = "attribute_not_exists(pk)" if read_as is None else "#c = :old"
        kwargs: dict[str, Any] = {"ConditionExpression": condition}
        if read_as is not None:
            kwargs["ExpressionAttributeNames"] = {"#c": "cursor"}
            kwargs["ExpressionAttributeValues"] = {":old": read_as}
        try:
            self._table.put_item(
                Item={**self._key(account), "cursor": cursor, "updated_at": datetime.now(UTC).isoformat()}, **kwargs
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
