"""The emulated FIFO queue keeps a conversation's order after a failed batch comes back (moto_fixes gap 3)."""

from __future__ import annotations

from kefu.local.emulator import LocalAws, client
from kefu.resources import INBOUND_QUEUE


def _receive(sqs: object, url: str) -> list[dict[str, str]]:
    response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)  # type: ignore[attr-defined]
    return list(response.get("Messages", []))


def test_a_groups_messages_come_back_in_order_after_their_batch_failed(local_aws: LocalAws) -> None:
    sqs = client("sqs", local_aws.endpoint_url)
    url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}", MessageGroupId="shop#b1", MessageDeduplicationId=f"d{n}")
    first = _receive(sqs, url)
    assert [m["Body"] for m in first] == ["m0", "m1", "m2"]
    assert _receive(sqs, url) == []  # the group is in flight
    # The whole batch failed: every record becomes visible again at once (the poller's retry).
    sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(first)
        ],
    )
    again = _receive(sqs, url)
    assert [m["Body"] for m in again] == ["m0", "m1", "m2"]
    # And one record failing alone holds back the rest of its group until it is handled.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"], VisibilityTimeout=0)
    sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(again[1:])
    ])
    assert [m["Body"] for m in _receive(sqs, url)] == ["m0"]
