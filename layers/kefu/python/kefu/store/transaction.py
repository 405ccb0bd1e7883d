"""Writes to several tables that land together or not at all (DynamoDB TransactWriteItems).

The stores describe their writes in the resource layer's terms (plain Python values, expressions);
this module turns them into one TransactWriteItems call and reports which conditions failed. The call
goes through the tables' own client, whose boto3 layer types the values (no TypeSerializer here).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

MAX_ITEMS = 100  # DynamoDB's limit per transaction


class TransactionCanceled(RuntimeError):
    """Nothing was written; ``reasons`` holds one code per write ("None" for the writes that were fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction canceled: {reasons}")
        self.reasons = reasons

    def condition_failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"


class WriteTransaction:
    def __init__(self) -> None:
        self._writes: list[dict[str, Any]] = []
        self._client: Any = None

    def put(self, table: Any, item: dict[str, Any], condition: str | None = None,
            names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> int:
        """Add a put; returns its index (to read its cancellation reason)."""
        write: dict[str, Any] = {"TableName": table.name, "Item": item}
        return self._add(table, "Put", write, condition, names, values)

    def update(self, table: Any, key: dict[str, Any], expression: str, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> int:
        write: dict[str, Any] = {"TableName": table.name, "Key": key, "UpdateExpression": expression}
        return self._add(table, "Update", write, condition, names, values)

    def _add(self, table: Any, kind: str, write: dict[str, Any], condition: str | None,
             names: dict[str, str] | None, values: dict[str, Any] | None) -> int:
        if len(self._writes) >= MAX_ITEMS:
            raise ValueError(f"a DynamoDB transaction holds at most {MAX_ITEMS} writes")
        if condition:
            write["ConditionExpression"] = condition
        if names:
            write["ExpressionAttributeNames"] = names
        if values:
            write["ExpressionAttributeValues"] = values
        self._client = self._client or table.meta.client
        self._writes.append({kind: write})
        return len(self._writes) - 1

    def commit(self) -> None:
        if not self._writes:
            return
        try:
            self._client.transact_write_items(TransactItems=self._writes)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]
            raise TransactionCanceled(reasons) from error
