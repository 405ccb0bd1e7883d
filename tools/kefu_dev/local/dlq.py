"""Dead-lettered buyer messages: list them with a reason, move the fixed ones back, drop the hopeless.

Works on any SQS FIFO queue pair (the local emulation or a deployed stack).
SQS does not record why a message was dead-lettered, so the reason is diagnosed
from the message itself: a body that is not a valid queued message can never
succeed (poisoned: drop it); a valid one failed its ``maxReceiveCount`` deliveries
for a cause outside it (the platform, the knowledge, a bug), whose details are in
the responder's logs under the message id; once fixed it can be redriven. The
responder's ledger guarantees a redriven message is still answered at most once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from kefu.models.messages import QueuedMessage

LIST_VISIBILITY_S = 30  # hides listed messages while paging; they are made visible again afterwards


@dataclass
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    group_id: str | None
    deduplication_id: str | None
    receive_count: int
    sent_timestamp_ms: int | None
    valid: bool
    reason: str
    platform_message_id: str | None = None
    buyer_id: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "group": self.group_id,
            "buyer_id": self.buyer_id,
            "platform_message_id": self.platform_message_id,
            "receives": self.receive_count,
            "redrivable": self.valid,
            "reason": self.reason,
        }


def diagnose(body: str, shop_id: str | None = None) -> tuple[bool, str, QueuedMessage | None]:
    """(redrivable, reason, parsed message) for one dead-lettered body."""
    try:
        queued = QueuedMessage.model_validate_json(body)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()[:4])
        return False, f"poisoned: not a valid queued message ({fields}); drop it", None
    if shop_id and queued.message.shop_id != shop_id:
        return (
            False,
            f"poisoned: message for shop {queued.message.shop_id!r}, this stack serves {shop_id!r}",
            queued,
        )
    return (
        True,
        "failed every delivery; see the responder logs for this message id, fix the cause, redrive",
        queued,
    )


class DeadLetters:
    def __init__(self, sqs: Any, dlq_url: str, source_url: str, shop_id: str | None = None) -> None:
        self._sqs = sqs
        self._dlq = dlq_url
        self._source = source_url
        self._shop_id = shop_id

    def listing(self, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` dead letters; each is left in the DLQ, visible again when this returns."""
        letters = self._receive(limit)
        self._release(letters)
        return letters

    def redrive(
        self, ids: set[str] | None = None, limit: int = 100
    ) -> tuple[list[DeadLetter], list[DeadLetter]]:
        """Move the redrivable letters (all, or those in ``ids``) back to the source queue.

        Returns (moved, skipped); skipped ones are poisoned and stay in the DLQ.
        """
        letters = self._receive(limit)
        moved: list[DeadLetter] = []
        skipped: list[DeadLetter] = []
        keep: list[DeadLetter] = []
        for letter in letters:
            if ids is not None and letter.message_id not in ids:
                keep.append(letter)
                continue
            if not letter.valid:
                skipped.append(letter)
                keep.append(letter)
                continue
            self._send_back(letter)
            self._sqs.delete_message(QueueUrl=self._dlq, ReceiptHandle=letter.receipt_handle)
            moved.append(letter)
        self._release(keep)
        return moved, skipped

    def drop(self, ids: set[str], limit: int = 100) -> list[DeadLetter]:
        """Delete the named letters for good (a poisoned message can never succeed)."""
        letters = self._receive(limit)
        dropped = [letter for letter in letters if letter.message_id in ids]
        for letter in dropped:
            self._sqs.delete_message(QueueUrl=self._dlq, ReceiptHandle=letter.receipt_handle)
        self._release([letter for letter in letters if letter.message_id not in ids])
        return dropped

    def _send_back(self, letter: DeadLetter) -> None:
        kwargs: dict[str, Any] = {"QueueUrl": self._source, "MessageBody": letter.body}
        if self._source.endswith(".fifo"):
            # A fresh deduplication id: the original may still be inside SQS's 5-minute window.
            seed = f"{letter.deduplication_id or letter.message_id}:redrive:{letter.message_id}"
            kwargs["MessageGroupId"] = letter.group_id or "redrive"
            kwargs["MessageDeduplicationId"] = hashlib.sha256(seed.encode()).hexdigest()
        self._sqs.send_message(**kwargs)

    def _receive(self, limit: int) -> list[DeadLetter]:
        letters: list[DeadLetter] = []
        seen: set[str] = set()
        while len(letters) < limit:
            response = self._sqs.receive_message(
                QueueUrl=self._dlq,
                MaxNumberOfMessages=min(10, limit - len(letters)),
                VisibilityTimeout=LIST_VISIBILITY_S,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            )
            messages = response.get("Messages") or []
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen.add(message["MessageId"])
                letters.append(self._letter(message))
        return letters

    def _letter(self, message: dict[str, Any]) -> DeadLetter:
        attributes = message.get("Attributes") or {}
        valid, reason, queued = diagnose(message["Body"], self._shop_id)
        sent = attributes.get("SentTimestamp")
        return DeadLetter(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message["Body"],
            group_id=attributes.get("MessageGroupId"),
            deduplication_id=attributes.get("MessageDeduplicationId"),
            receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
            sent_timestamp_ms=int(sent) if sent else None,
            valid=valid,
            reason=reason,
            platform_message_id=queued.message.message_id if queued else None,
            buyer_id=queued.message.buyer_id if queued else None,
        )

    def _release(self, letters: list[DeadLetter]) -> None:
        for start in range(0, len(letters), 10):
            chunk = letters[start : start + 10]
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._dlq,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
                    for i, letter in enumerate(chunk)
                ],
            )
