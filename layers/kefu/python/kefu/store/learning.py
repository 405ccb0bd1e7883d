"""The learning table: candidates from agents' replies and the knowledge the shop's people approved.

Layout (``resources.LEARNING``): pk ``shop_id``, sk ``CAND#<candidate id>`` or ``TAUGHT#<item id>``; each
record is one JSON blob plus its status. A decision is a conditional write on the candidate's
``updated_at``: two reviewers deciding at once cannot both win, the second sees the first's decision.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from kefu.models.learning import Candidate, TaughtRecord

CANDIDATE_PREFIX = "CAND#"
TAUGHT_PREFIX = "TAUGHT#"


class CandidateChanged(RuntimeError):
    """Someone else decided on the candidate meanwhile."""


class LearningStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- candidates --------------------------------------------------------------------------------------

    def get_candidate(self, shop_id: str, candidate_id: str) -> Candidate | None:
        item = self._table.get_item(Key={"shop_id": shop_id, "sk": CANDIDATE_PREFIX + candidate_id},
                                    ConsistentRead=True).get("Item")
        return Candidate.model_validate_json(item["record"]) if item else None

    def put_candidate(self, candidate: Candidate, expected_updated_at: str | None = None) -> None:
        """Write the candidate; with ``expected_updated_at`` only over that version (None: only if new)."""
        item = {"shop_id": candidate.shop_id, "sk": CANDIDATE_PREFIX + candidate.candidate_id,
                "status": candidate.status.value, "updated_at": candidate.updated_at.isoformat(),
                "record": candidate.model_dump_json()}
        if expected_updated_at is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(sk)"}
        else:
            condition = {"ConditionExpression": "updated_at = :seen",
                         "ExpressionAttributeValues": {":seen": expected_updated_at}}
        try:
            self._table.put_item(Item=item, **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise CandidateChanged(f"candidate {candidate.candidate_id} changed meanwhile") from None
            raise

    def candidates(self, shop_id: str) -> list[Candidate]:
        return [Candidate.model_validate_json(item["record"]) for item in self._query(shop_id, CANDIDATE_PREFIX)]

    # --- taught knowledge --------------------------------------------------------------------------------

    def put_taught(self, record: TaughtRecord) -> None:
        self._table.put_item(Item={"shop_id": record.shop_id, "sk": TAUGHT_PREFIX + record.item_id,
                                   "record": record.model_dump_json()})

    def taught(self, shop_id: str) -> list[TaughtRecord]:
        records = [TaughtRecord.model_validate_json(item["record"]) for item in self._query(shop_id, TAUGHT_PREFIX)]
        return sorted(records, key=lambda record: record.approved_at)

    def _query(self, shop_id: str, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("shop_id").eq(shop_id) & Key("sk").begins_with(prefix),
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
