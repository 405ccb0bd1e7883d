"""DynamoDB transactions, all or nothing, on each DynamoDB engine (moto with moto_fixes gap 7: it backs up only
the transaction's own items; dynalite: skipped, it has no TransactWriteItems)."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError
from kefu_dev.local.emulator import LocalAws, client

from kefu.resources import CONVERSATIONS, MESSAGE_LEDGER

pytestmark = [pytest.mark.dynamodb_engines, pytest.mark.dynamodb_needs("transactions")]


def test_a_canceled_transaction_leaves_every_item_as_it_was(local_aws: LocalAws) -> None:
    ddb = client("dynamodb", local_aws.dynamodb_url)
    conversations, ledger = local_aws.names.table(CONVERSATIONS), local_aws.names.table(MESSAGE_LEDGER)
    ddb.put_item(TableName=conversations, Item={"pk": {"S": "s#b"}, "sk": {"S": "STATE"}, "v": {"N": "1"}})
    ddb.put_item(TableName=ledger, Item={"pk": {"S": "s#m1"}, "status": {"S": "sent"}})
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": conversations, "Item": {"pk": {"S": "s#b"}, "sk": {"S": "TURN#1"}}}},
            {"Update": {"TableName": conversations, "Key": {"pk": {"S": "s#b"}, "sk": {"S": "STATE"}},
                        "UpdateExpression": "SET v = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": ledger, "Item": {"pk": {"S": "s#m1"}, "status": {"S": "decided"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    reasons = [reason["Code"] for reason in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    state = ddb.get_item(TableName=conversations, Key={"pk": {"S": "s#b"}, "sk": {"S": "STATE"}})["Item"]
    assert state["v"] == {"N": "1"}  # the update that ran before the failed condition was rolled back
    assert "Item" not in ddb.get_item(TableName=conversations, Key={"pk": {"S": "s#b"}, "sk": {"S": "TURN#1"}})
    assert ddb.get_item(TableName=ledger, Key={"pk": {"S": "s#m1"}})["Item"]["status"] == {"S": "sent"}


def test_a_transaction_costs_the_same_with_a_big_table(local_aws: LocalAws) -> None:
    """moto copied the whole table per transaction; the backup is now per item: 3,000 more items in the
    table must not make a transaction markedly slower (a ratio in the same run, generous for noise)."""
    ddb = client("dynamodb", local_aws.dynamodb_url)
    table = local_aws.names.table(MESSAGE_LEDGER)

    def transactions(prefix: str, count: int = 20) -> float:
        started = time.perf_counter()
        for n in range(count):
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": f"{prefix}-{n}"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
            ])
        return time.perf_counter() - started

    transactions("warm", 5)
    small = transactions("small")
    for start in range(0, 3000, 25):
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"filler-{n}"}, "blob": {"S": "x" * 200}}}}
            for n in range(start, start + 25)
        ]})
    big = transactions("big")
    assert big < small * 4, f"{big:.3f} s with 3,000 items vs {small:.3f} s without"
