"""The activity table: one record per decided buyer message and per agent reply, read by the dashboard.

Layout (``resources.ACTIVITY``): pk ``<shop>#<yyyy-mm-dd>`` (the UTC day; the dashboard reads the UTC days
around the shop's own calendar days and buckets them in its timezone), sk
``<utc iso time>#<kind>#<message id>``. A buyer message's record is written in the same transaction as its
decision, so a redelivered message never counts twice.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from kefu.models.learning import ActivityRecord
from kefu.store.transaction import WriteTransaction


class ActivityStore:
    def __init__(self, table: Any, retention_days: int = 400) -> None:
        self._table = table
        self._retention = timedelta(days=retention_days)

    def item(self, record: ActivityRecord) -> dict[str, Any]:
        at = record.at.astimezone(UTC)
        return {
            "pk": f"{record.shop_id}#{at.date().isoformat()}",
            "sk": f"{at.isoformat()}#{record.kind.value}#{record.message_id}",
            "record": record.model_dump_json(),
            "expires_at": int((at + self._retention).timestamp()),
        }

    def add(self, transaction: WriteTransaction, record: ActivityRecord) -> int:
        return transaction.put(self._table, self.item(record))

    def put(self, record: ActivityRecord) -> None:
        self._table.put_item(Item=self.item(record))

    def day(self, shop_id: str, day: date) -> list[ActivityRecord]:
        records: list[ActivityRecord] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(f"{shop_id}#{day.isoformat()}")}
        while True:
            page = self._table.query(**kwargs)
            records += [ActivityRecord.model_validate_json(item["record"]) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return records
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def days(self, shop_id: str, first: date, last: date) -> list[ActivityRecord]:
        """Every record of the UTC days first..last."""
        records: list[ActivityRecord] = []
        day = first
        while day <= last:
            records += self.day(shop_id, day)
            day += timedelta(days=1)
        return records
