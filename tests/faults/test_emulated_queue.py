"""The emulated FIFO queue itself: a conversation's order after a failed batch comes back (moto_fixes gap 3),
and no message lost while sends and deletes run concurrently (gap 6)."""

from __future__ import annotations

import sys
import threading
import time

from kefu_dev.local.emulator import LocalAws, client

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


def test_no_message_is_lost_while_sends_and_deletes_race(local_aws: LocalAws) -> None:
    """Two senders and two consumers on one queue with a backlog; a short thread switch interval makes the
    interleavings that lost messages in moto (a send between a delete's list rebuild and its assignment)."""
    url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
    setup = client("sqs", local_aws.endpoint_url)
    for n in range(0, 1500, 10):
        setup.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"b{n + i}", "MessageGroupId": f"g{(n + i) % 300}",
             "MessageDeduplicationId": f"b{n + i}"} for i in range(10)
        ])
    sent: list[str] = []
    received: set[str] = set()
    senders_done = threading.Event()

    def send(k: int) -> None:
        sqs = client("sqs", local_aws.endpoint_url)
        for i in range(400):
            body = f"s{k}-{i}"
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=f"h{k}-{i % 40}",
                             MessageDeduplicationId=body)
            sent.append(body)

    def consume() -> None:
        sqs = client("sqs", local_aws.endpoint_url)
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                if senders_done.is_set():
                    return
                continue
            received.update(m["Body"] for m in batch)
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ])

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        senders = [threading.Thread(target=send, args=(k,)) for k in range(2)]
        consumers = [threading.Thread(target=consume) for _ in range(2)]
        for thread in senders + consumers:
            thread.start()
        for thread in senders:
            thread.join()
        time.sleep(0.5)
        senders_done.set()
        for thread in consumers:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(interval)
    assert [body for body in sent if body not in received] == []
    assert len(received) == 1500 + len(sent)


def test_a_long_poll_does_not_deliver_a_groups_next_message_while_another_receive_holds_the_first(
    local_aws: LocalAws,
) -> None:
    """Gap 3b: two long polls wait on an empty queue; A goes to one of them; B, of the same group, must not go
    to the other while A is in flight (moto's long poll judged the groups in flight as they were at its start)."""
    url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
    got: list[list[str]] = []
    lock = threading.Lock()

    def long_poll() -> None:
        sqs = client("sqs", local_aws.endpoint_url)
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=3).get("Messages", [])
        with lock:
            got.append([m["Body"] for m in messages])

    pollers = [threading.Thread(target=long_poll) for _ in range(2)]
    for poller in pollers:
        poller.start()
    time.sleep(0.5)  # both are waiting
    sqs = client("sqs", local_aws.endpoint_url)
    sqs.send_message(QueueUrl=url, MessageBody="A", MessageGroupId="shop#b9", MessageDeduplicationId="A")
    deadline = time.monotonic() + 3
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got == [["A"]]
    sqs.send_message(QueueUrl=url, MessageBody="B", MessageGroupId="shop#b9", MessageDeduplicationId="B")
    for poller in pollers:
        poller.join()
    assert got == [["A"], []], "B was delivered while A was still in flight"
