"""The inbound FIFO queue: one message group per conversation, deduplicated on the platform's id."""

from __future__ import annotations

import hashlib
from typing import Any

from kefu.models.messages import QueuedMessage


def deduplication_id(shop_id: str, message_id: str) -> str:
    # SQS allows 128 characters of a limited alphabet; a digest is always valid and unique enough.
    return hashlib.sha256(f"{shop_id}#{message_id}".encode()).hexdigest()


class InboundQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send(self, queued: QueuedMessage) -> str:
        message = queued.message
        response = self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=queued.model_dump_json(),
            MessageGroupId=queued.conversation_key,
            MessageDeduplicationId=deduplication_id(message.shop_id, message.message_id),
        )
        return str(response["MessageId"])
