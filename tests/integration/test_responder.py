"""The responder Lambda against the local AWS emulation: SQS events built from messages really received
from the emulated FIFO queue, replies checked at the platform simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from kefu_dev.local.dlq import DeadLetters
from kefu_dev.local.emulator import LOCAL_REGION, LocalAws, client
from kefu_dev.local.handlers import LambdaContext, load_handler
from kefu_dev.local.poller import SqsPoller, sqs_event
from kefu_dev.local.simulator import PlatformSimulator

from kefu.intake.queue import InboundQueue
from kefu.models.messages import QueuedMessage, TextMessage
from kefu.resources import INBOUND_QUEUE

SHOP = "hair-dye-demo"


@pytest.fixture
def responder(function_env: dict[str, str]) -> ModuleType:
    return load_handler("responder", function_env)


@pytest.fixture
def sqs(local_aws: LocalAws) -> Any:
    return client("sqs", local_aws.endpoint_url)


def _urls(local_aws: LocalAws) -> tuple[str, str]:
    return local_aws.queue_urls[INBOUND_QUEUE.logical_id], local_aws.dlq_urls[INBOUND_QUEUE.logical_id]


def _queued(buyer: str, message_id: str, text: str = "这个染发剂怎么用", shop: str = SHOP) -> QueuedMessage:
    message = TextMessage(shop_id=shop, buyer_id=buyer, message_id=message_id, text=text)
    return QueuedMessage(message=message, received_at=datetime.now(UTC))


def _enqueue(sqs: Any, local_aws: LocalAws, queued: QueuedMessage) -> None:
    InboundQueue(sqs, _urls(local_aws)[0]).send(queued)


def _enqueue_poison(sqs: Any, local_aws: LocalAws, body: str = '{"message": {"type": "text"}}') -> None:
    sqs.send_message(
        QueueUrl=_urls(local_aws)[0],
        MessageBody=body,
        MessageGroupId=f"{SHOP}#u9999",
        MessageDeduplicationId="poison-1",
    )


def _receive(sqs: Any, local_aws: LocalAws) -> list[dict[str, Any]]:
    return sqs.receive_message(
        QueueUrl=_urls(local_aws)[0],
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])


def _event(sqs: Any, local_aws: LocalAws, messages: list[dict[str, Any]]) -> dict[str, Any]:
    arn = sqs.get_queue_attributes(QueueUrl=_urls(local_aws)[0], AttributeNames=["QueueArn"])["Attributes"]
    return sqs_event(messages, arn["QueueArn"], LOCAL_REGION)


def _invoke(responder: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = responder.lambda_handler(
        event, LambdaContext("kefu-local-responder", timeout_s=30)
    )
    return result


def test_a_text_message_gets_one_reply(
    responder: ModuleType, sqs: Any, local_aws: LocalAws, platform_simulator: PlatformSimulator
) -> None:
    _enqueue(sqs, local_aws, _queued("u1005", "pm-usage"))
    messages = _receive(sqs, local_aws)
    assert len(messages) == 1
    assert _invoke(responder, _event(sqs, local_aws, messages)) == {"batchItemFailures": []}
    replies = platform_simulator.sent_to("u1005")
    assert len(replies) == 1
    assert replies[0]["client_msg_id"] == "re-pm-usage"
    # the demo shop's usage steps answer 怎么用: they tell how to mix and apply the dye
    assert "涂抹" in replies[0]["content"] or "混合" in replies[0]["content"]


def test_the_same_record_delivered_twice_is_answered_once(
    responder: ModuleType, sqs: Any, local_aws: LocalAws, platform_simulator: PlatformSimulator
) -> None:
    _enqueue(sqs, local_aws, _queued("u1006", "pm-twice", "什么时候发货"))
    messages = _receive(sqs, local_aws)
    event = _event(sqs, local_aws, messages)
    assert _invoke(responder, event) == {"batchItemFailures": []}
    assert _invoke(responder, event) == {"batchItemFailures": []}  # the same event again (an ESM retry)
    # And a real redelivery: not deleted, visible again, received a second time.
    sqs.change_message_visibility(
        QueueUrl=_urls(local_aws)[0], ReceiptHandle=messages[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    again = _receive(sqs, local_aws)
    assert [m["MessageId"] for m in again] == [messages[0]["MessageId"]]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert _invoke(responder, _event(sqs, local_aws, again)) == {"batchItemFailures": []}
    assert len(platform_simulator.sent_to("u1006")) == 1
    assert platform_simulator.duplicates == 0  # the ledger stopped the repeats before the platform


def test_a_poisoned_record_fails_alone_and_ends_in_the_dlq(
    responder: ModuleType, sqs: Any, local_aws: LocalAws, platform_simulator: PlatformSimulator
) -> None:
    _enqueue(sqs, local_aws, _queued("u1002", "pm-a"))
    _enqueue_poison(sqs, local_aws)
    _enqueue(sqs, local_aws, _queued("u1003", "pm-b", "有没有发票"))
    results: list[tuple[set[str], dict[str, Any] | None]] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        results.append(({r["messageId"] for r in event["Records"]}, None))
        result = _invoke(responder, event)  # raises when every record failed (Powertools' default)
        results[-1] = (results[-1][0], result)
        return result

    queue_url, dlq_url = _urls(local_aws)
    # The event source mapping's twin; failed records retried at once instead of after the visibility timeout.
    poller = SqsPoller(
        sqs, queue_url, invoke, batch_size=10, workers=1, wait_time_s=0, failure_visibility_s=0
    )
    for _ in range(INBOUND_QUEUE.max_receive_count + 3):
        if poller.poll_once() == 0:
            break

    first_batch, first_result = results[0]
    assert len(first_batch) == 3 and first_result is not None
    failed = [failure["itemIdentifier"] for failure in first_result["batchItemFailures"]]
    assert len(failed) == 1
    poison_id = failed[0]
    assert all(batch == {poison_id} for batch, _ in results[1:])  # only the poison came back
    assert len(results) == INBOUND_QUEUE.max_receive_count  # received maxReceiveCount times, then moved
    assert [len(platform_simulator.sent_to(buyer)) for buyer in ("u1002", "u1003")] == [1, 1]

    depth = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert (
        depth["ApproximateNumberOfMessages"] == "0" and depth["ApproximateNumberOfMessagesNotVisible"] == "0"
    )
    letters = DeadLetters(sqs, dlq_url, queue_url, SHOP).listing()
    assert [letter.message_id for letter in letters] == [poison_id]
    assert not letters[0].valid and letters[0].reason.startswith("poisoned")


def test_dlq_redrive_moves_fixed_messages_back_and_skips_poisoned_ones(
    responder: ModuleType, sqs: Any, local_aws: LocalAws, platform_simulator: PlatformSimulator
) -> None:
    queue_url, dlq_url = _urls(local_aws)
    # As if the platform had been down for all of this message's deliveries.
    fixed = _queued("u1007", "pm-outage", "什么时候发货")
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=fixed.model_dump_json(),
        MessageGroupId=fixed.conversation_key,
        MessageDeduplicationId="outage-1",
    )
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody="not json",
        MessageGroupId=f"{SHOP}#u9999",
        MessageDeduplicationId="junk-1",
    )
    letters = DeadLetters(sqs, dlq_url, queue_url, SHOP)
    listed = {letter.buyer_id: letter for letter in letters.listing()}
    assert set(listed) == {"u1007", None} and listed["u1007"].valid and not listed[None].valid

    moved, skipped = letters.redrive()
    assert [letter.buyer_id for letter in moved] == ["u1007"]
    assert [letter.buyer_id for letter in skipped] == [None]
    poller = SqsPoller(sqs, queue_url, lambda event: _invoke(responder, event), wait_time_s=1)
    assert poller.poll_once() == 1
    assert len(platform_simulator.sent_to("u1007")) == 1

    assert [letter.message_id for letter in letters.drop({listed[None].message_id})] == [
        listed[None].message_id
    ]
    assert letters.listing() == []


def test_a_message_for_another_shop_fails_and_a_batch_of_only_failures_fails_whole(
    responder: ModuleType, sqs: Any, local_aws: LocalAws, platform_simulator: PlatformSimulator
) -> None:
    _enqueue(sqs, local_aws, _queued("u1008", "pm-other", shop="other-shop"))
    _enqueue(sqs, local_aws, _queued("u1009", "pm-mine", "你好"))
    messages = _receive(sqs, local_aws)
    other = next(
        m["MessageId"] for m in messages if json.loads(m["Body"])["message"]["shop_id"] == "other-shop"
    )
    result = _invoke(responder, _event(sqs, local_aws, messages))
    assert result == {"batchItemFailures": [{"itemIdentifier": other}]}
    assert platform_simulator.sent_to("u1008") == [] and len(platform_simulator.sent_to("u1009")) == 1
    # Alone in its batch it fails the invocation itself (Powertools raises): the mapping retries the batch.
    alone = [m for m in messages if m["MessageId"] == other]
    with pytest.raises(BatchProcessingError, match="All records failed"):
        _invoke(responder, _event(sqs, local_aws, alone))
