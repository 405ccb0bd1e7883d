"""Fault-test harness: the real responder (in this process, or in Lambda-like worker processes) fed by the local
event source mapping twin from the emulated FIFO queue, replies checked at the platform simulator.

``harness.assert_invariants(sent)`` is what every fault test ends with: every accepted message has
exactly one outcome (a ledger entry marked sent, one buyer turn in the transcript), the buyer got exactly
one reply when the outcome has one and none otherwise, a handoff has its agent-queue ticket, replies
reached each buyer in the order the buyer wrote, and nothing is left in the queue or the DLQ.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from kefu_dev.local.emulator import LocalAws, client
from kefu_dev.local.poller import SqsPoller
from kefu_dev.local.simulator import PlatformSimulator

from kefu.intake.queue import InboundQueue
from kefu.models.messages import QueuedMessage, TextMessage
from kefu.resources import AGENT_QUEUE, CONVERSATIONS, INBOUND_QUEUE, MESSAGE_LEDGER
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import MessageLedger

SHOP = "hair-dye-demo"
# In AWS the queue's visibility timeout (60 s) is longer than the ledger lease (30 s), so a message
# retried after a failure finds the lease expired. The tests keep that ratio at test speed.
LEASE_S = 1.0
RETRY_S = 2


@dataclass(frozen=True)
class Sent:
    message_id: str
    buyer_id: str
    text: str


class Harness:
    def __init__(self, local_aws: LocalAws, simulator: PlatformSimulator) -> None:
        self.local_aws = local_aws
        self.simulator = simulator
        self.sqs = client("sqs", local_aws.endpoint_url)
        self.queue_url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
        self.dlq_url = local_aws.dlq_urls[INBOUND_QUEUE.logical_id]
        dynamodb = boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")
        self.ledger = MessageLedger(dynamodb.Table(local_aws.names.table(MESSAGE_LEDGER)))
        self.conversations = ConversationStore(dynamodb.Table(local_aws.names.table(CONVERSATIONS)))
        self.agent_queue_table = dynamodb.Table(local_aws.names.table(AGENT_QUEUE))
        self.agent_queue = AgentQueue(self.agent_queue_table)

    # -- input ---------------------------------------------------------------------------------------------

    def enqueue(self, buyer_id: str, text: str, message_id: str) -> Sent:
        """What the webhook does with an accepted message: one FIFO message in the buyer's group."""
        message = TextMessage(shop_id=SHOP, buyer_id=buyer_id, message_id=message_id, text=text)
        InboundQueue(self.sqs, self.queue_url).send(QueuedMessage(message=message, received_at=datetime.now(UTC)))
        return Sent(message_id, buyer_id, text)

    def conversation(self, buyers: list[str], texts: list[str], prefix: str) -> list[Sent]:
        """Each buyer writes every text, interleaved as buyers do: b1 t1, b2 t1, b1 t2, ..."""
        return [
            self.enqueue(buyer, text, f"{prefix}-{buyer}-{n}")
            for n, text in enumerate(texts)
            for buyer in buyers
        ]

    def poller(self, invoke: Callable[[dict[str, Any]], Any], **options: Any) -> SqsPoller:
        settings: dict[str, Any] = {"batch_size": 10, "workers": 1, "wait_time_s": 1, "failure_visibility_s": RETRY_S}
        settings.update(options)
        return SqsPoller(self.sqs, self.queue_url, invoke, **settings)

    # -- progress ------------------------------------------------------------------------------------------

    def depth(self, url: str | None = None) -> tuple[int, int]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url or self.queue_url, AttributeNames=names)["Attributes"]
        return int(attributes[names[0]]), int(attributes[names[1]])

    def drive(self, poller: SqsPoller, timeout_s: float = 40.0) -> None:
        """Poll (in this thread) until the queue is empty: every message handled or dead-lettered."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if poller.poll_once() == 0 and self.depth() == (0, 0):
                return
        raise AssertionError(f"the queue did not drain in {timeout_s} s: {self.depth()}")

    def wait_idle(self, poller: SqsPoller, timeout_s: float = 60.0) -> None:
        """For a started (threaded) poller: until the queue stayed empty and no batch is running."""
        deadline = time.monotonic() + timeout_s
        calm = 0
        while time.monotonic() < deadline:
            calm = calm + 1 if self.depth() == (0, 0) and poller.busy == 0 else 0
            if calm >= 3:
                return
            time.sleep(0.2)
        raise AssertionError(f"the queue did not drain in {timeout_s} s: {self.depth()}")

    # -- the invariants ------------------------------------------------------------------------------------

    def replies(self, buyer_id: str) -> list[str]:
        return [str(m["client_msg_id"]).removeprefix("re-") for m in self.simulator.sent_to(buyer_id)]

    def assert_invariants(self, sent: list[Sent], *, dead_letters: int = 0) -> dict[str, int]:
        """Exactly one outcome per accepted message, none lost, none duplicated, per-buyer order kept."""
        kinds: Counter[str] = Counter()
        for message in sent:
            entry = self.ledger.get(SHOP, message.message_id)
            assert entry is not None, f"lost: {message.message_id} has no outcome"
            assert entry.sent, f"lost: {message.message_id} was decided but never applied"
            outcome = entry.effects.outcome
            kinds[outcome.action.value] += 1
            expected = 1 if outcome.reply else 0
            got = self.replies(message.buyer_id).count(message.message_id)
            assert got == expected, f"{message.message_id}: {got} replies at the platform, expected {expected}"
            turns = [t for t in self.conversations.transcript(SHOP, message.buyer_id)
                     if t.message_id == message.message_id]
            assert [t.role.value for t in turns].count("buyer") == 1, f"{message.message_id}: turns {turns}"
            assert [t.role.value for t in turns].count("bot") == expected
            if outcome.handoff_reason is not None and outcome.handoff_reason.value != "with_human":
                ticket = self.agent_queue_table.get_item(
                    Key={"shop_id": SHOP, "handoff_id": f"{message.buyer_id}~{message.message_id}"}
                ).get("Item")
                assert ticket is not None, f"{message.message_id}: handoff without a ticket"
        for buyer in dict.fromkeys(m.buyer_id for m in sent):
            written = [m.message_id for m in sent if m.buyer_id == buyer]
            got = self.replies(buyer)
            assert got == [m for m in written if m in got], f"{buyer}: replies out of order {got}"
        assert self.depth() == (0, 0)
        assert sum(self.depth(self.dlq_url)) == dead_letters
        return dict(kinds)
