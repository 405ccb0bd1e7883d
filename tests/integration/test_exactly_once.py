"""Exactly one outcome per accepted message, on each DynamoDB engine (moto, dynalite): real DynamoDB calls.

Every decision lands in one TransactWriteItems: an engine without transactions skips these, with its answer.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import boto3
import pytest
from kefu_dev.local.emulator import LocalAws

from kefu.models.conversation import ConversationState, Mode
from kefu.models.handoff import HandoffStatus
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.messages import QueuedMessage, TextMessage
from kefu.models.shop import Order, ShopConfig
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.reception.service import MessageBusy, ReceptionService
from kefu.resources import AGENT_QUEUE, CONVERSATIONS, MESSAGE_LEDGER
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import MessageLedger

SHOP = ShopConfig(shop_id="s1", shop_name="测试店", agent_hours={"start": "00:00", "end": "23:59"})  # type: ignore[arg-type]
pytestmark = [pytest.mark.dynamodb_engines, pytest.mark.dynamodb_needs("transactions")]

ITEMS = [KnowledgeItem(item_id="ship", shop_id="s1", kind=ItemKind.RULE_SECTION, title="发货时间",
                       questions=["什么时候发货"], answer="付款后48小时内发货。", source="rules/x.md#ship")]


class Platform:
    """Records sends; can crash on the first N sends like a worker dying mid-way."""

    def __init__(self, crash_first: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self._crash = crash_first
        self._lock = threading.Lock()

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        return None

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        with self._lock:
            if self._crash:
                self._crash -= 1
                raise ConnectionError("worker died before the send completed")
            self.sent.append((client_msg_id, text))


def _service(
    local_aws: LocalAws, platform: Platform, lease_s: float = 30.0
) -> tuple[ReceptionService, ConversationStore]:
    dynamodb = boto3.resource("dynamodb", endpoint_url=local_aws.dynamodb_url, region_name="cn-north-1")
    conversations = ConversationStore(dynamodb.Table(local_aws.names.table(CONVERSATIONS)))
    brain = brain_from_snapshot(KnowledgeSnapshot(shop_id="s1", version="v1", shop=SHOP, items=ITEMS))
    service = ReceptionService(
        conversations=conversations,
        ledger=MessageLedger(dynamodb.Table(local_aws.names.table(MESSAGE_LEDGER))),
        agent_queue=AgentQueue(dynamodb.Table(local_aws.names.table(AGENT_QUEUE))),
        platform=platform,
        brain_for=lambda shop_id: brain,
        lease_s=lease_s,
    )
    return service, conversations


def _queued(text: str, message_id: str = "m1") -> QueuedMessage:
    message = TextMessage(shop_id="s1", buyer_id="b1", message_id=message_id, text=text)
    return QueuedMessage(message=message, received_at=datetime.now(UTC))


def test_redelivered_message_is_answered_once(local_aws: LocalAws) -> None:
    platform = Platform()
    service, conversations = _service(local_aws, platform)
    first = service.handle(_queued("什么时候发货"))
    second = service.handle(_queued("什么时候发货"))
    assert first == second
    assert len(platform.sent) == 1
    assert [t.role.value for t in conversations.transcript("s1", "b1")] == ["buyer", "bot"]


def test_worker_dying_before_send_still_yields_exactly_one_reply(local_aws: LocalAws) -> None:
    platform = Platform(crash_first=1)
    service, _ = _service(local_aws, platform, lease_s=0.0)  # the dead worker's lease expires at once
    with pytest.raises(ConnectionError):
        service.handle(_queued("什么时候发货"))
    service.handle(_queued("什么时候发货"))  # the queue redelivers
    service.handle(_queued("什么时候发货"))  # and once more, for good measure
    assert len(platform.sent) == 1
    assert "48小时" in platform.sent[0][1]


def test_two_workers_on_the_same_message_apply_it_once(local_aws: LocalAws) -> None:
    platform = Platform()
    service, _ = _service(local_aws, platform)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def work() -> None:
        barrier.wait()
        try:
            outcomes.append(service.handle(_queued("什么时候发货")).action.value)
        except MessageBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(platform.sent) == 1
    assert "answer" in outcomes


def test_handoff_then_silence(local_aws: LocalAws) -> None:
    platform = Platform()
    service, conversations = _service(local_aws, platform)
    service.handle(_queued("转人工", "m1"))
    service.handle(_queued("什么时候发货", "m2"))
    assert len(platform.sent) == 1  # only the handoff message; the bot stays silent after
    assert conversations.load_state("s1", "b1").mode == Mode.HUMAN
    assert len(conversations.transcript("s1", "b1")) == 3  # the buyer's later message is kept for the human




def test_a_handoff_decided_while_an_agent_changed_the_mode_keeps_the_agents_mode(local_aws: LocalAws) -> None:
    """The decision's transaction writes the human mode only if no agent moved the mode since the state was
    read; when one did, the transaction is repeated without the mode: the rest (turns, ticket) still lands."""
    platform = Platform()
    service, conversations = _service(local_aws, platform)
    load_state = conversations.load_state

    def load_then_an_agent_acts(shop_id: str, buyer_id: str) -> ConversationState:
        state = load_state(shop_id, buyer_id)
        conversations.set_mode(shop_id, buyer_id, Mode.BOT)  # e.g. an agent handed it back meanwhile
        return state

    conversations.load_state = load_then_an_agent_acts  # type: ignore[method-assign]
    outcome = service.handle(_queued("转人工", "m1"))
    conversations.load_state = load_state  # type: ignore[method-assign]
    assert outcome.action.value == "handoff"
    assert load_state("s1", "b1").mode == Mode.BOT  # the agent's change stands
    assert [t.role.value for t in conversations.transcript("s1", "b1")] == ["buyer", "bot"]
    assert len(platform.sent) == 1
    queue = service._queue
    assert [t.buyer_id for t in queue.list_status("s1", HandoffStatus.WAITING)] == ["b1"]
