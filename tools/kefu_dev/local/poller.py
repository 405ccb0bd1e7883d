"""The local twin of Lambda's SQS event source mapping for the responder.

Each worker thread long-polls the FIFO queue for up to ``batch_size`` messages,
turns them into an SQS event shaped as Lambda delivers it, invokes the responder
and then, as the mapping does with ``ReportBatchItemFailures``:

- deletes the records that succeeded;
- leaves the ``batchItemFailures`` in the queue: they reappear after the visibility
  timeout (and, in a FIFO queue, hold back the rest of their message group);
- deletes nothing when the invocation failed as a whole (exception, timeout) or
  returned failures that are not in the batch.

The queue itself (moto) keeps FIFO order and one in-flight receive per message
group, counts receives and moves a message to the DLQ after ``maxReceiveCount``
(checked: kefu_dev.local.moto_fixes documents the one moto gap that mattered here).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu_dev.local.handlers import InvocationError

log = logging.getLogger(__name__)

Invoke = Callable[[dict[str, Any]], Any]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS event as the Lambda event source mapping delivers it."""
    records = []
    for message in messages:
        attributes = dict(message.get("Attributes") or {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": attributes,
                "messageAttributes": {
                    name: _lambda_attribute(value)
                    for name, value in (message.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API attribute (StringValue, DataType) → the camelCase shape of Lambda's SQS event."""
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": value.get("BinaryValue"),
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value.get("DataType", "String"),
    }


def failed_ids(result: Any, batch_ids: set[str]) -> set[str] | None:
    """The ids the function reported as failed; None: treat the whole batch as failed (as Lambda does)."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    ids: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in batch_ids:
            return None  # an empty or unknown identifier fails the whole batch
        ids.add(identifier)
    return ids


@dataclass
class PollerStats:
    batches: int = 0
    records: int = 0
    succeeded: int = 0
    failed: int = 0
    crashed_batches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, records: int, succeeded: int, crashed: bool) -> None:
        with self.lock:
            self.batches += 1
            self.records += records
            self.succeeded += succeeded
            self.failed += records - succeeded
            self.crashed_batches += int(crashed)


class SqsPoller:
    """Feeds ``invoke`` with SQS batches from ``queue_url`` on ``workers`` threads."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        invoke: Invoke,
        *,
        batch_size: int = 10,
        workers: int = 2,
        wait_time_s: int = 2,
        failure_visibility_s: int | None = None,
        region: str = "cn-north-1",
    ) -> None:
        """``wait_time_s``: the long-poll length (short, so that stop() returns quickly).

        ``failure_visibility_s``: None keeps the queue's visibility timeout for failed
        records, exactly as Lambda does; a number shortens it (a local convenience
        for trying redelivery without waiting a minute).
        """
        self._sqs = sqs
        self._url = queue_url
        self._invoke = invoke
        self._batch_size = batch_size
        self._workers = workers
        self._wait = wait_time_s
        self._failure_visibility = failure_visibility_s
        self._region = region
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Lock()
        self.stats = PollerStats()

    def start(self) -> SqsPoller:
        for number in range(self._workers):
            thread = threading.Thread(target=self._run, name=f"kefu-poller-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)
        self._threads.clear()

    @property
    def busy(self) -> int:
        """Workers currently invoking the function."""
        return self._busy

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # an emulation hiccup must not kill the worker
                if self._stop.is_set():
                    return
                log.exception("poller error")
                self._stop.wait(1.0)

    def poll_once(self) -> int:
        """Receive one batch, invoke, settle it; the number of records received."""
        response = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages") or []
        if not messages:
            return 0
        with self._busy_lock:
            self._busy += 1
        try:
            self._settle(messages)
        finally:
            with self._busy_lock:
                self._busy -= 1
        return len(messages)

    def _settle(self, messages: list[dict[str, Any]]) -> None:
        event = sqs_event(messages, self._arn, self._region)
        batch_ids = {message["MessageId"] for message in messages}
        try:
            result = self._invoke(event)
            failed = failed_ids(result, batch_ids)
        except Exception as error:  # a function error fails the whole batch, as in Lambda
            if not isinstance(error, InvocationError):
                log.debug("function raised", exc_info=True)
            log.warning("responder failed on a batch of %d: %s", len(messages), error)
            failed = None
        crashed = failed is None
        failed = batch_ids if failed is None else failed
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        if self._failure_visibility is not None:
            retry = [message for message in messages if message["MessageId"] in failed]
            for start in range(0, len(retry), 10):
                chunk = retry[start : start + 10]
                self._sqs.change_message_visibility_batch(
                    QueueUrl=self._url,
                    Entries=[
                        {
                            "Id": str(i),
                            "ReceiptHandle": m["ReceiptHandle"],
                            "VisibilityTimeout": self._failure_visibility,
                        }
                        for i, m in enumerate(chunk)
                    ],
                )
        self.stats.add(len(messages), len(done), crashed)
