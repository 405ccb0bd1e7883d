"""The inbound FIFO queue as the hostile webhook tests look at it (a uniquely named module: tests/ has several
conftest.py); the ``queue`` fixture is in conftest.py here."""

from __future__ import annotations

import json
from typing import Any

from kefu_dev.local.emulator import LocalAws, client

from kefu.resources import INBOUND_QUEUE


class Queue:
    def __init__(self, local_aws: LocalAws) -> None:
        self.sqs = client("sqs", local_aws.endpoint_url)
        self.url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]

    def size(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def take_all(self) -> list[dict[str, Any]]:
        """Every queued message body (received and deleted)."""
        bodies: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return bodies
            bodies += [json.loads(m["Body"]) for m in batch]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)
