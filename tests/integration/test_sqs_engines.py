"""The SQS behaviour the responder relies on, against each engine the local runtime can run (``--sqs``).

moto: kefu's emulation in its own process (as the runtime runs it); elasticmq: ElasticMQ's JVM from Maven
Central. The queues are created by ``create_resources`` from kefu.resources, as in the runtime. ElasticMQ
is skipped, with the reason, when Java or Maven is missing (or KEFU_SKIP_ELASTICMQ=1).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kefu_dev.local.elasticmq import ElasticMqServer, ElasticMqUnavailable, missing_tools
from kefu_dev.local.emulator import LocalAws, MotoServer, client, create_resources
from kefu_dev.local.poller import SqsPoller

from kefu import resources
from kefu.resources import LocalNames

QUEUE = resources.INBOUND_QUEUE
_PREFIXES = itertools.count()


@pytest.fixture(scope="module", params=["moto", "elasticmq"])
def sqs_engine(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(engine name, SQS endpoint) for one engine, shared by this module's tests."""
    engine = str(request.param)
    server: MotoServer | ElasticMqServer
    if engine == "elasticmq":
        if os.environ.get("KEFU_SKIP_ELASTICMQ", "").strip().lower() in ("1", "true", "yes"):
            pytest.skip("KEFU_SKIP_ELASTICMQ=1: ElasticMQ engine tests skipped on request")
        missing = missing_tools()
        if missing:
            pytest.skip(f"{', '.join(missing)} not found: the ElasticMQ engine needs Java 17+ and Maven")
        server = ElasticMqServer()
        try:
            server.start()
        except ElasticMqUnavailable as error:
            pytest.fail(f"ElasticMQ could not start: {error}", pytrace=False)
    else:
        server = MotoServer(own_process=True).start()
    yield engine, server.endpoint_url
    server.stop()


@pytest.fixture(scope="module")
def moto_rest() -> Iterator[MotoServer]:
    """DynamoDB + S3 for create_resources (not under test here)."""
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def queues(sqs_engine: tuple[str, str], moto_rest: MotoServer) -> tuple[Any, LocalAws]:
    _, endpoint = sqs_engine
    aws = create_resources(moto_rest.endpoint_url, LocalNames(prefix=f"e{os.getpid()}x{next(_PREFIXES)}"),
                           sqs_endpoint_url=endpoint)
    return client("sqs", endpoint), aws


def _url(aws: LocalAws) -> str:
    return aws.queue_urls[QUEUE.logical_id]


def _dlq(aws: LocalAws) -> str:
    return aws.dlq_urls[QUEUE.logical_id]


def _send(sqs: Any, url: str, body: str, group: str, dedup: str | None = None) -> None:
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                     MessageDeduplicationId=dedup or f"d-{body}-{time.monotonic_ns()}")


def _receive(sqs: Any, url: str, wait_s: int = 0, n: int = 10, visibility: int | None = None) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"QueueUrl": url, "MaxNumberOfMessages": n, "WaitTimeSeconds": wait_s,
                              "AttributeNames": ["All"]}
    if visibility is not None:
        kwargs["VisibilityTimeout"] = visibility
    return list(sqs.receive_message(**kwargs).get("Messages", []))


def _drain_bodies(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    for _ in range(20):
        got = _receive(sqs, url, wait_s=1)
        if not got:
            break
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_the_queues_have_the_stacks_attributes(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    attributes = sqs.get_queue_attributes(QueueUrl=_url(aws), AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["VisibilityTimeout"] == str(QUEUE.visibility_timeout_s)
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == QUEUE.max_receive_count
    assert redrive["deadLetterTargetArn"].endswith(LocalNames(prefix="x").dlq(QUEUE).removeprefix("x"))


def test_fifo_order_within_each_message_group(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    for i in range(6):
        for group in ("buyer-a", "buyer-b"):
            _send(sqs, _url(aws), f"{group}:{i}", group)
    bodies = _drain_bodies(sqs, _url(aws))
    for group in ("buyer-a", "buyer-b"):
        assert [b for b in bodies if b.startswith(group)] == [f"{group}:{i}" for i in range(6)]


def test_an_in_flight_message_holds_back_its_group_only(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    _send(sqs, _url(aws), "a1", "a")
    _send(sqs, _url(aws), "a2", "a")
    _send(sqs, _url(aws), "b1", "b")
    first = _receive(sqs, _url(aws), n=1)
    assert [m["Body"] for m in first] == ["a1"]
    rest = [m["Body"] for m in _receive(sqs, _url(aws))]
    assert rest == ["b1"], "a2 must wait while a1 is in flight"


def test_explicit_deduplication_id_drops_the_resend(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    _send(sqs, _url(aws), "hello", "g", dedup="platform-msg-1")
    _send(sqs, _url(aws), "hello again", "g", dedup="platform-msg-1")  # the platform retried its push
    assert _drain_bodies(sqs, _url(aws)) == ["hello"]


def test_content_based_deduplication(queues: tuple[Any, LocalAws]) -> None:
    sqs, _aws = queues
    name = f"cbd{next(_PREFIXES)}x{os.getpid()}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})[
        "QueueUrl"]
    for body in ("same", "same", "other"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    assert _drain_bodies(sqs, url) == ["same", "other"]


def test_visibility_timeout_returns_an_unacknowledged_message(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    _send(sqs, _url(aws), "m", "g")
    assert [m["Body"] for m in _receive(sqs, _url(aws), visibility=1)] == ["m"]
    assert _receive(sqs, _url(aws)) == []  # invisible while in flight
    back = _receive(sqs, _url(aws), wait_s=5)
    assert [m["Body"] for m in back] == ["m"]
    assert back[0]["Attributes"]["ApproximateReceiveCount"] == "2"


def test_redrive_to_the_dlq_after_max_receive_count(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    _send(sqs, _url(aws), "poison", "g")
    receives = 0
    for _ in range(QUEUE.max_receive_count + 3):
        got = _receive(sqs, _url(aws), wait_s=3, visibility=1)
        if not got:
            break
        receives += 1
        time.sleep(1.1)  # not deleted: the handler failed
    assert receives == QUEUE.max_receive_count
    dead = _receive(sqs, _dlq(aws), wait_s=3)
    assert [m["Body"] for m in dead] == ["poison"]


def test_long_polling_returns_a_message_sent_during_the_wait(queues: tuple[Any, LocalAws]) -> None:
    import threading

    sqs, aws = queues
    sender = threading.Timer(1.0, _send, args=(client("sqs", sqs.meta.endpoint_url), _url(aws), "late", "g"))
    sender.start()
    got = _receive(sqs, _url(aws), wait_s=10)
    sender.join()
    assert [m["Body"] for m in got] == ["late"]
    assert _receive(sqs, _url(aws), wait_s=1) == []  # an empty long poll comes back empty


def test_partial_batch_failure_redelivers_only_the_failed_record(queues: tuple[Any, LocalAws]) -> None:
    sqs, aws = queues
    calls: list[list[str]] = []

    def responder(event: dict[str, Any]) -> dict[str, Any]:
        records = event["Records"]
        calls.append([r["body"] for r in records])
        # as the responder does: a failed record fails the rest of its group in the batch too
        failed = [r["messageId"] for r in records if r["body"].startswith("b") and len(calls) == 1]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    _send(sqs, _url(aws), "a1", "a")
    _send(sqs, _url(aws), "b1", "b")
    _send(sqs, _url(aws), "b2", "b")
    poller = SqsPoller(sqs, _url(aws), responder, batch_size=10, workers=1, wait_time_s=1, failure_visibility_s=1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        poller.poll_once()
        handled = [b for batch in calls for b in batch]
        if handled.count("b1") == 2 and handled[-1:] != ["b1"] and "b2" in handled[handled.index("b1") + 1:]:
            break
    handled = [b for batch in calls for b in batch]
    assert handled.count("a1") == 1, "a succeeded record must be deleted, not redelivered"
    assert handled.count("b1") == 2, calls
    last_b1 = len(handled) - 1 - handled[::-1].index("b1")
    assert "b2" in handled[last_b1 + 1:], f"b2 must follow b1's successful redelivery: {calls}"
    assert _drain_bodies(sqs, _url(aws)) == []
