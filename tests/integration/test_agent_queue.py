"""The agent queue, the workspace and the conversation mode on each DynamoDB engine (moto, dynalite).

Queues and the bucket stay on moto; the tables are on the engine under test (tests/conftest.py).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from kefu_dev.local.emulator import LocalAws
from together import run_together

from kefu.handoff.workspace import Workspace
from kefu.models.conversation import ConversationState, Mode, Role, Turn
from kefu.models.decision import Action, HandoffReason
from kefu.models.handoff import ActionKind, HandoffStatus, HandoffTicket
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.messages import QueuedMessage, TextMessage
from kefu.models.shop import Logistics, LogisticsEvent, Order, ShopConfig
from kefu.reception.brain import ShopBrain
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.reception.service import ReceptionService
from kefu.resources import AGENT_QUEUE, CONVERSATIONS, MESSAGE_LEDGER
from kefu.store.agent_queue import AgentQueue, AlreadyClaimed, NotYourTicket, TicketClosed, TicketNotFound
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import MessageLedger
from kefu.wiring import BrainKnowledge

SHOP = "hair-dye-demo"
AGENTS = 20
ITEMS = 100

pytestmark = pytest.mark.dynamodb_engines


# --- fixtures and helpers --------------------------------------------------------------------------


class RecordingPlatform:
    """The platform as the service sees it: one order for the buyer, every sent message recorded."""

    def __init__(self, order: Order | None = None) -> None:
        self.order = order
        self.sent: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        return self.order if self.order and self.order.buyer_id == buyer_id else None

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        with self._lock:
            self.sent.append({"buyer_id": buyer_id, "text": text, "client_msg_id": client_msg_id})


def dynamodb(local_aws: LocalAws) -> Any:
    # One resource per caller: boto3 resources are not thread-safe.
    return boto3.session.Session().resource(
        "dynamodb", endpoint_url=local_aws.dynamodb_url, region_name="cn-north-1",
        config=Config(retries={"max_attempts": 2}, max_pool_connections=4),
    )


def table(local_aws: LocalAws, spec: Any) -> Any:
    return dynamodb(local_aws).Table(local_aws.names.table(spec))


@pytest.fixture(scope="module")
def brain(demo_shop: Path) -> ShopBrain:
    shop = ShopConfig.model_validate(json.loads((demo_shop / "shop.json").read_text("utf-8")))
    shop.agent_hours.start, shop.agent_hours.end = datetime.min.time(), datetime.max.time()  # always staffed
    items = [
        KnowledgeItem(item_id="usage", shop_id=SHOP, kind=ItemKind.RULE_SECTION, title="染发剂使用方法",
                      questions=["染发剂怎么用", "怎么染"], topic="usage",
                      answer="使用前请先做皮肤过敏测试。两剂混合均匀后涂在干发上，停留20-30分钟后冲洗干净即可。",
                      source="rules/usage_safety.md#使用方法"),
        KnowledgeItem(item_id="ship", shop_id=SHOP, kind=ItemKind.RULE_SECTION, title="发货时间",
                      questions=["什么时候发货", "几天发货"], topic="shipping",
                      answer="下单后48小时内发货，默认中通快递。", source="rules/shipping.md#发货时间"),
        KnowledgeItem(item_id="refund", shop_id=SHOP, kind=ItemKind.RULE_SECTION, title="退换货",
                      questions=["可以退货吗", "怎么退款"], topic="after_sale",
                      answer="未拆封商品支持7天无理由退货。已拆封的商品如有质量问题，请拍照联系客服处理。",
                      source="rules/after_sale.md#退换货"),
    ]
    return brain_from_snapshot(KnowledgeSnapshot(shop_id=SHOP, version="test-1", shop=shop, items=items))


def ticket(buyer: str, reason: HandoffReason, enqueued_at: datetime, **fields: Any) -> HandoffTicket:
    return HandoffTicket.open(SHOP, buyer, reason, f"m-{buyer}", enqueued_at=enqueued_at, **fields)


def text(buyer: str, message_id: str, body: str, at: datetime | None = None) -> QueuedMessage:
    at = at or datetime.now(UTC)
    return QueuedMessage(
        message=TextMessage(shop_id=SHOP, buyer_id=buyer, message_id=message_id, text=body, sent_at=at),
        received_at=at,
    )


# --- the claim race ------------------------------------------------------------------------------------


@pytest.mark.dynamodb_needs("old_item_on_condition_failure")  # a lost claim names the holder
def test_twenty_agents_claiming_the_same_hundred_items_each_item_claimed_once(
    local_aws: LocalAws
) -> None:
    queue = AgentQueue(table(local_aws, AGENT_QUEUE))
    start = datetime.now(UTC) - timedelta(minutes=5)
    ids = []
    for n in range(ITEMS):
        t = ticket(f"b{n:03d}", HandoffReason.EXPLICIT_REQUEST, start + timedelta(seconds=n))
        assert queue.enqueue(t)
        ids.append(t.handoff_id)

    wins: Counter[str] = Counter()
    losses: Counter[str] = Counter()
    winners: dict[str, str] = {}
    errors: list[str] = []
    guard = threading.Lock()
    barrier = threading.Barrier(AGENTS)

    def agent(number: int) -> None:
        own = AgentQueue(table(local_aws, AGENT_QUEUE))  # each agent its own connection
        name = f"agent-{number:02d}"
        barrier.wait()
        for handoff_id in ids:  # all in the same order: the worst case, every item contended at once
            try:
                own.claim(SHOP, handoff_id, name)
            except AlreadyClaimed as lost:
                with guard:
                    losses[handoff_id] += 1
                    assert lost.claimed_by is not None and lost.claimed_by != name
                continue
            except Exception as error:  # pragma: no cover - reported below
                with guard:
                    errors.append(repr(error))
                continue
            with guard:
                wins[handoff_id] += 1
                winners[handoff_id] = name

    run_together(agent, AGENTS, timeout=120)

    assert errors == []
    assert {handoff_id: wins[handoff_id] for handoff_id in ids} == dict.fromkeys(ids, 1)
    assert sum(losses.values()) == ITEMS * (AGENTS - 1)
    # The stored tickets agree with the winners, and each holds exactly one claim record.
    for handoff_id in ids:
        stored = queue.get(SHOP, handoff_id)
        assert stored.status == HandoffStatus.CLAIMED
        assert stored.claimed_by == winners[handoff_id]
        assert [a.action for a in stored.actions] == [ActionKind.ENQUEUE, ActionKind.CLAIM]
        assert stored.actions[1].agent_id == winners[handoff_id]
    assert queue.list_waiting(SHOP) == []
    assert len(queue.list_status(SHOP, HandoffStatus.CLAIMED)) == ITEMS
    print(f"claim race: {AGENTS} agents x {ITEMS} items -> winners per item {Counter(wins.values())}, "
          f"AlreadyClaimed {sum(losses.values())}")


# --- ordering, SLA, actions ------------------------------------------------------------------------------


def test_waiting_list_is_priority_then_age_with_sla_age(local_aws: LocalAws) -> None:
    queue = AgentQueue(table(local_aws, AGENT_QUEUE))
    now = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
    for buyer, reason, minutes_ago in [
        ("low-old", HandoffReason.LOW_CONFIDENCE, 30),
        ("ask-new", HandoffReason.EXPLICIT_REQUEST, 1),
        ("angry-new", HandoffReason.EMOTION, 0.5),
        ("aftersale", HandoffReason.AFTER_SALE, 2),
        ("ask-old", HandoffReason.EXPLICIT_REQUEST, 4),
        ("angry-old", HandoffReason.EMOTION, 6),
    ]:
        queue.enqueue(ticket(buyer, reason, now - timedelta(minutes=minutes_ago)))

    waiting = queue.list_waiting(SHOP, sla_minutes=3, now=now)

    assert [w.ticket.buyer_id for w in waiting] == [
        "angry-old", "angry-new", "aftersale", "ask-old", "ask-new", "low-old"
    ]
    ages = {w.ticket.buyer_id: w.age_s for w in waiting}
    assert ages["angry-old"] == 360.0 and ages["angry-new"] == 30.0
    assert {w.ticket.buyer_id for w in waiting if w.overdue} == {"angry-old", "ask-old", "low-old"}

    # Claimed and closed tickets leave the waiting list (the index keys move with the status).
    queue.claim(SHOP, "angry-old~m-angry-old", "a1")
    queue.give_back(SHOP, "low-old~m-low-old", "a2")
    assert [w.ticket.buyer_id for w in queue.list_waiting(SHOP, now=now)] == [
        "angry-new", "aftersale", "ask-old", "ask-new"
    ]
    assert [t.buyer_id for t in queue.list_status(SHOP, HandoffStatus.RETURNED)] == ["low-old"]


@pytest.mark.dynamodb_needs("old_item_on_condition_failure")  # AlreadyClaimed.claimed_by, NotYourTicket
def test_every_action_is_recorded_with_agent_and_time(local_aws: LocalAws) -> None:
    queue = AgentQueue(table(local_aws, AGENT_QUEUE))
    t0 = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
    t = ticket("u1", HandoffReason.AFTER_SALE, t0)
    assert queue.enqueue(t)
    assert not queue.enqueue(t)  # a retried message does not open a second ticket

    queue.claim(SHOP, t.handoff_id, "alice", now=t0 + timedelta(seconds=10))
    with pytest.raises(AlreadyClaimed) as taken:
        queue.claim(SHOP, t.handoff_id, "bob", now=t0 + timedelta(seconds=11))
    assert taken.value.claimed_by == "alice"
    with pytest.raises(NotYourTicket):
        queue.resolve(SHOP, t.handoff_id, "bob")
    with pytest.raises(NotYourTicket):
        queue.give_back(SHOP, t.handoff_id, "bob")
    queue.record_reply(SHOP, t.handoff_id, "alice", "ag-1", now=t0 + timedelta(seconds=20))
    done = queue.resolve(SHOP, t.handoff_id, "alice", now=t0 + timedelta(seconds=30))
    with pytest.raises(TicketClosed):
        queue.claim(SHOP, t.handoff_id, "bob")
    with pytest.raises(TicketNotFound):
        queue.claim(SHOP, "nobody~m", "bob")

    stored = queue.get(SHOP, t.handoff_id)
    assert stored == done
    assert stored.status == HandoffStatus.RESOLVED and stored.version == 3
    assert [(a.action, a.agent_id, a.at, a.status) for a in stored.actions] == [
        (ActionKind.ENQUEUE, "bot", t0, HandoffStatus.WAITING),
        (ActionKind.CLAIM, "alice", t0 + timedelta(seconds=10), HandoffStatus.CLAIMED),
        (ActionKind.REPLY, "alice", t0 + timedelta(seconds=20), HandoffStatus.CLAIMED),
        (ActionKind.RESOLVE, "alice", t0 + timedelta(seconds=30), HandoffStatus.RESOLVED),
    ]
    assert stored.actions[2].client_msg_id == "ag-1"
    raw = table(local_aws, AGENT_QUEUE).get_item(Key={"shop_id": SHOP, "handoff_id": t.handoff_id})["Item"]
    assert raw["shop_status"] == f"{SHOP}#resolved" and "expires_at" in raw


# --- conversation mode --------------------------------------------------------------------------------


def test_an_agents_mode_change_survives_a_stale_bot_save(local_aws: LocalAws) -> None:
    store = ConversationStore(table(local_aws, CONVERSATIONS))
    state = store.load_state(SHOP, "u2")
    state.mode = Mode.HUMAN  # the bot hands off
    store.save_state(state)
    assert store.load_state(SHOP, "u2").mode == Mode.HUMAN

    stale = store.load_state(SHOP, "u2")  # the bot starts deciding on a new buyer message ...
    store.set_mode(SHOP, "u2", Mode.BOT)  # ... while the agent resolves
    stale.last_query = "still saved"
    store.save_state(stale)

    after = store.load_state(SHOP, "u2")
    assert after.mode == Mode.BOT and after.last_query == "still saved"

    handoff = store.load_state(SHOP, "u2")  # a later handoff by the bot is written again
    handoff.mode = Mode.HUMAN
    store.save_state(handoff)
    assert store.load_state(SHOP, "u2").mode == Mode.HUMAN
    # set_mode touches nothing else, and creates the state item if needed.
    store.set_mode(SHOP, "fresh", Mode.HUMAN)
    fresh = ConversationState(shop_id=SHOP, buyer_id="fresh", mode=Mode.HUMAN, version=1)
    assert store.load_state(SHOP, "fresh") == fresh


def _service(local_aws: LocalAws, platform: RecordingPlatform, brain: ShopBrain,
             conversations: ConversationStore, queue: AgentQueue) -> ReceptionService:
    return ReceptionService(
        conversations=conversations,
        ledger=MessageLedger(table(local_aws, MESSAGE_LEDGER)),
        agent_queue=queue,
        platform=platform,
        brain_for=lambda shop_id: brain,
    )


@pytest.mark.dynamodb_needs("transactions", "old_item_on_condition_failure")
def test_handoff_claim_reply_resolve_and_no_bot_reply_while_human(local_aws: LocalAws,
                                                                   brain: ShopBrain) -> None:
    order = Order(order_sn="251001-000000001", buyer_id="u1001", goods_id="100001", status="已发货",
                  logistics=Logistics(company="中通快递", tracking_no="ZT100", events=[
                      LogisticsEvent(time="2025-10-01 10:00", desc="已揽收"),
                      LogisticsEvent(time="2025-10-02 08:00", desc="派送中")]))
    platform = RecordingPlatform(order)
    conversations = ConversationStore(table(local_aws, CONVERSATIONS))
    queue = AgentQueue(table(local_aws, AGENT_QUEUE))
    service = _service(local_aws, platform, brain, conversations, queue)
    workspace = Workspace(SHOP, queue, conversations, platform, knowledge=lambda: BrainKnowledge(brain))
    t0 = datetime.now(UTC) - timedelta(minutes=2)

    assert service.handle(text("u1001", "m1", "染发剂怎么用啊", t0)).action == Action.ANSWER
    handoff = service.handle(text("u1001", "m2", "转人工", t0 + timedelta(seconds=5)))
    assert handoff.action == Action.HANDOFF and handoff.handoff_reason == HandoffReason.EXPLICIT_REQUEST
    assert conversations.load_state(SHOP, "u1001").mode == Mode.HUMAN
    [waiting] = workspace.queue_view().waiting
    assert waiting.buyer_id == "u1001" and waiting.reason_label == "买家要求人工"

    # While waiting, a new buyer message is only recorded, and shows in the context package.
    silent = service.handle(text("u1001", "m3", "我想问下什么时候发货", t0 + timedelta(seconds=8)))
    assert silent.action == Action.HANDOFF and silent.reply is None
    claimed = workspace.claim(waiting.handoff_id, "alice")
    assert claimed.status == HandoffStatus.CLAIMED and claimed.claimed_by == "alice"
    assert workspace.claim(waiting.handoff_id, "alice").claimed_by == "alice"  # a double click is harmless
    with pytest.raises(AlreadyClaimed):
        workspace.claim(waiting.handoff_id, "bob")

    package = workspace.open(waiting.handoff_id)
    assert [t.text for t in package.transcript if t.role == Role.BUYER] == ["染发剂怎么用啊", "转人工",
                                                                            "我想问下什么时候发货"]
    assert package.order is not None and package.order.order_sn == order.order_sn
    assert package.logistics is not None and package.logistics.events[-1].desc == "派送中"
    assert package.ticket.reason == HandoffReason.EXPLICIT_REQUEST and package.mode == Mode.HUMAN
    assert package.bot_answers and "皮肤过敏测试" in package.bot_answers[0].text
    assert package.bot_answers[0].sources == ["rules/usage_safety.md#使用方法"]
    assert 2 <= len(package.suggestions) <= 3
    assert all(s.text.startswith("亲，") for s in package.suggestions)
    assert package.suggestions[0].source == "rules/shipping.md#发货时间"  # the newest need comes first

    # Zero bot replies after the human took over, whatever the buyer says.
    sent_before = len(platform.sent)
    for n, body in enumerate(["在吗", "染发剂怎么用", "什么时候发货", "你好", "[催促]快点回复"]):
        outcome = service.handle(text("u1001", f"h{n}", body, t0 + timedelta(seconds=20 + n)))
        assert outcome.reply is None and outcome.handoff_reason == HandoffReason.WITH_HUMAN
    assert platform.sent[sent_before:] == []

    result = workspace.reply(waiting.handoff_id, "alice", "亲，今天就给您发出哦~", client_ref="r1")
    again = workspace.reply(waiting.handoff_id, "alice", "亲，今天就给您发出哦~", client_ref="r1")
    assert again.client_msg_id == result.client_msg_id and again.duplicate
    assert platform.sent[-1] == {"buyer_id": "u1001", "text": "亲，今天就给您发出哦~",
                                 "client_msg_id": result.client_msg_id}
    with pytest.raises(NotYourTicket):
        workspace.reply(waiting.handoff_id, "bob", "抢答")
    agent_turns = [t for t in conversations.transcript(SHOP, "u1001") if t.role == Role.AGENT]
    assert [t.text for t in agent_turns] == ["亲，今天就给您发出哦~"]  # the retried send is not stored twice

    closed = workspace.resolve(waiting.handoff_id, "alice")
    assert closed.status == HandoffStatus.RESOLVED
    assert conversations.load_state(SHOP, "u1001").mode == Mode.BOT
    assert workspace.resolve(waiting.handoff_id, "alice").status == HandoffStatus.RESOLVED  # retry is safe
    actions = [(a.action, a.agent_id) for a in queue.get(SHOP, waiting.handoff_id).actions]
    assert actions == [(ActionKind.ENQUEUE, "bot"), (ActionKind.CLAIM, "alice"), (ActionKind.REPLY, "alice"),
                       (ActionKind.RESOLVE, "alice")]

    # Back with the bot: it answers again.
    answered = service.handle(text("u1001", "m9", "什么时候发货", t0 + timedelta(seconds=60)))
    assert answered.action == Action.ANSWER and answered.reply


@pytest.mark.dynamodb_needs("transactions")
def test_give_back_from_the_waiting_list_returns_the_conversation_to_the_bot(
    local_aws: LocalAws, brain: ShopBrain
) -> None:
    platform = RecordingPlatform()
    conversations = ConversationStore(table(local_aws, CONVERSATIONS))
    queue = AgentQueue(table(local_aws, AGENT_QUEUE))
    service = _service(local_aws, platform, brain, conversations, queue)
    workspace = Workspace(SHOP, queue, conversations, platform)  # no knowledge: template suggestions

    service.handle(text("u7", "m1", "我要找真人客服"))
    [waiting] = workspace.queue_view().waiting
    package = workspace.open(waiting.handoff_id)
    assert package.order is None and len(package.suggestions) == 2
    assert {s.source for s in package.suggestions} == {"template"}
    with pytest.raises(TicketClosed):  # replying needs a claim first
        workspace.reply(waiting.handoff_id, "carol", "你好")

    returned = workspace.give_back(waiting.handoff_id, "carol")
    assert returned.status == HandoffStatus.RETURNED
    assert conversations.load_state(SHOP, "u7").mode == Mode.BOT
    assert workspace.queue_view().waiting == []
    outcome = service.handle(text("u7", "m2", "染发剂怎么用"))
    assert outcome.action == Action.ANSWER and outcome.reply
    assert [a.action for a in queue.get(SHOP, waiting.handoff_id).actions] == [ActionKind.ENQUEUE,
                                                                              ActionKind.GIVE_BACK]


def test_turns_are_kept_in_order_for_the_console(local_aws: LocalAws) -> None:
    store = ConversationStore(table(local_aws, CONVERSATIONS))
    t0 = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
    for n, role in enumerate([Role.BUYER, Role.BOT, Role.BUYER, Role.AGENT]):
        store.append_turn(SHOP, "u9", Turn(role=role, text=f"t{n}", at=t0 + timedelta(seconds=n),
                                           message_id=f"x{n}"))
    assert [t.text for t in store.transcript(SHOP, "u9")] == ["t0", "t1", "t2", "t3"]
