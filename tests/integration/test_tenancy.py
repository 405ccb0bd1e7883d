"""Tenancy: two shops in one local AWS emulation. Each merchant gets a stack of its own, and inside the code
every store key and index is scoped by shop, so even tables shared by two shops keep them apart: neither can
read the other's knowledge, conversations, ledger or agent queue, and neither's webhook or responder takes
the other's messages."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from kefu_dev.local.dlq import diagnose
from kefu_dev.local.emulator import LocalAws, MotoServer, client, create_resources
from kefu_dev.local.gateway import proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler

from kefu.intake.queue import InboundQueue
from kefu.knowledge import snapshot as snapshots
from kefu.knowledge.learn import learn_bundle
from kefu.models.conversation import ConversationState, Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffStatus, HandoffTicket
from kefu.models.knowledge import KnowledgeSnapshot
from kefu.models.messages import QueuedMessage, TextMessage
from kefu.platform.pinduoduo.signing import pdd_sign
from kefu.reception.knowledge_cache import WrongShop, s3_brain_cache
from kefu.reception.service import ReceptionService
from kefu.resources import AGENT_QUEUE, CONVERSATIONS, INBOUND_QUEUE, KNOWLEDGE_BUCKET, MESSAGE_LEDGER, LocalNames
from kefu.store.agent_queue import AgentQueue, TicketNotFound
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import Effects, MessageLedger

SHOPS = Path(__file__).resolve().parents[2] / "examples" / "shops"
A, B = "hair-dye-demo", "phone-case-demo"
SECRET = "test-platform-secret"


@pytest.fixture(scope="module")
def learned() -> dict[str, KnowledgeSnapshot]:
    return {A: learn_bundle(SHOPS / "hair-dye").snapshot, B: learn_bundle(SHOPS / "phone-case").snapshot}


@pytest.fixture
def shared(local_aws: LocalAws, learned: dict[str, KnowledgeSnapshot]) -> LocalAws:
    """One set of tables and one bucket holding both shops (the strictest case for the key scoping)."""
    s3 = client("s3", local_aws.endpoint_url)
    for snapshot in learned.values():
        snapshots.save_s3(s3, local_aws.names.bucket(KNOWLEDGE_BUCKET), snapshot)
    return local_aws


def _dynamodb(local_aws: LocalAws) -> Any:
    return boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")


def test_knowledge_lives_under_per_shop_prefixes_and_a_shops_brain_refuses_the_other(
    shared: LocalAws, learned: dict[str, KnowledgeSnapshot]
) -> None:
    s3 = client("s3", shared.endpoint_url)
    bucket = shared.names.bucket(KNOWLEDGE_BUCKET)
    keys = [obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert {key.split("/")[1] for key in keys} == {A, B}
    for shop in (A, B):
        own = [key for key in keys if key.startswith(snapshots.knowledge_prefix(shop))]
        assert len(own) == 2  # the snapshot and its pointer, under the shop's own prefix
        pointer = snapshots.read_pointer(s3, bucket, shop)
        assert pointer is not None and pointer["key"].startswith(f"shops/{shop}/")
        loaded = snapshots.load_current(s3, bucket, shop)
        assert loaded is not None and loaded.shop_id == shop
        assert {item.shop_id for item in loaded.items} == {shop}
    brain_of_a = s3_brain_cache(s3, bucket, A, refresh_s=60, threshold=0.5)
    assert brain_of_a(A).shop.shop_id == A
    with pytest.raises(WrongShop):
        brain_of_a(B)
    # A's knowledge answers A's questions; nothing learned from B's bundle is in it.
    b_sources = {item.source for item in learned[B].items}
    hits = brain_of_a(A).knowledge.search_text("手机壳什么材质", None, k=5)
    assert not b_sources & {hit.item.source for hit in hits}


def test_conversations_and_the_ledger_are_keyed_by_shop(shared: LocalAws) -> None:
    dynamodb = _dynamodb(shared)
    conversations = ConversationStore(dynamodb.Table(shared.names.table(CONVERSATIONS)))
    ledger = MessageLedger(dynamodb.Table(shared.names.table(MESSAGE_LEDGER)))
    now = datetime.now(UTC)
    # The same buyer id and the same platform message id in both shops.
    for shop, text in ((A, "染发剂怎么用"), (B, "手机壳什么材质")):
        conversations.append_turn(shop, "u1001", Turn(role=Role.BUYER, text=text, at=now, message_id="m1"))
        state = ConversationState(shop_id=shop, buyer_id="u1001", last_query=text)
        conversations.save_state(state)
    assert [t.text for t in conversations.transcript(A, "u1001")] == ["染发剂怎么用"]
    assert [t.text for t in conversations.transcript(B, "u1001")] == ["手机壳什么材质"]
    assert conversations.load_state(A, "u1001").last_query == "染发剂怎么用"
    assert ledger.key(A, "m1") != ledger.key(B, "m1")
    from kefu.models.decision import Action, Outcome

    def effects(shop: str) -> Effects:
        outcome = Outcome(message_id="m1", conversation_key=f"{shop}#u1001", action=Action.ANSWER, reply=shop,
                          confidence=1.0, intent="x", emotion=0.0, knowledge_version="v")
        return Effects(outcome=outcome, state=ConversationState(shop_id=shop, buyer_id="u1001"), turns=[])

    assert ledger.record_decision(A, "m1", effects(A)).effects.outcome.reply == A
    assert ledger.record_decision(B, "m1", effects(B)).effects.outcome.reply == B  # not A's decision
    entry = ledger.get(A, "m1")
    assert entry is not None and entry.effects.outcome.reply == A


def test_a_shops_agent_queue_never_shows_the_others(shared: LocalAws, monkeypatch: pytest.MonkeyPatch,
                                                    function_env: dict[str, str]) -> None:
    queue = AgentQueue(_dynamodb(shared).Table(shared.names.table(AGENT_QUEUE)))
    for shop in (A, B):
        queue.enqueue(HandoffTicket.open(shop, "u1001", HandoffReason.EXPLICIT_REQUEST, "m1"))
    queue.enqueue(HandoffTicket.open(B, "u2002", HandoffReason.EMOTION, "m9"))
    assert [(t.shop_id, t.buyer_id) for t in queue.list_status(A, HandoffStatus.WAITING)] == [(A, "u1001")]
    assert {t.buyer_id for t in queue.list_status(B, HandoffStatus.WAITING)} == {"u1001", "u2002"}
    with pytest.raises(TicketNotFound):
        queue.get(A, "u2002~m9")
    queue.claim(A, "u1001~m1", "agent-a")
    assert queue.get(B, "u1001~m1").status == HandoffStatus.WAITING  # A's claim did not touch B's ticket

    # Through shop A's agent API (its console): B's handoffs are invisible and cannot be opened.
    token = "tenancy-token"
    monkeypatch.setenv("KEFU_AGENT_API_TOKEN", token)
    agent_api = load_handler("agent_api", {**function_env, "KEFU_AGENT_API_TOKEN": token})

    def call(method: str, path: str) -> tuple[int, Any]:
        event = proxy_event(method, path, [("Authorization", f"Bearer {token}"), ("X-Agent-Id", "agent-a")], b"",
                            "198.51.100.4", "/{proxy+}", {"proxy": path.lstrip("/")})
        response = agent_api.lambda_handler(event, LambdaContext("kefu-local-agent_api"))
        return int(response["statusCode"]), json.loads(response["body"])

    status, listing = call("GET", "/agent/handoffs")
    assert status == 200
    assert B not in json.dumps(listing) and "u2002" not in json.dumps(listing)
    assert call("GET", "/agent/handoffs/u2002~m9")[0] == 404
    assert call("POST", "/agent/handoffs/u2002~m9/claim")[0] == 404


def _signed_event(shop: str, message_id: str) -> dict[str, Any]:
    data = json.dumps({"shop_id": shop, "buyer_id": "u1001", "message_id": message_id, "type": "text",
                       "text": "在吗"}, ensure_ascii=False)
    form = {"client_id": "kefu-local", "timestamp": str(int(time.time())), "type": "pdd.chat.message.push",
            "data": data}
    form["sign"] = pdd_sign(form, SECRET)
    return proxy_event("POST", "/webhook/pdd", [("Content-Type", "application/x-www-form-urlencoded")],
                       urlencode(form).encode(), "203.0.113.7")


def test_one_stack_per_merchant_queues_and_webhooks_take_only_their_own_shop(
    moto_server: MotoServer, function_env: dict[str, str], learned: dict[str, KnowledgeSnapshot]
) -> None:
    stack_a = create_resources(moto_server.endpoint_url, LocalNames(prefix=f"ta{time.time_ns() % 10**9}"))
    stack_b = create_resources(moto_server.endpoint_url, LocalNames(prefix=f"tb{time.time_ns() % 10**9}"))
    assert stack_a.queue_urls != stack_b.queue_urls
    env_a = {**function_env, **stack_a.env(), "KEFU_SHOP_ID": A}
    webhook_a = load_handler("webhook", env_a)
    ok = webhook_a.lambda_handler(_signed_event(A, "t-1"), LambdaContext("kefu-local-webhook"))
    refused = webhook_a.lambda_handler(_signed_event(B, "t-2"), LambdaContext("kefu-local-webhook"))
    assert ok["statusCode"] == 200
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"] == "wrong_shop"
    sqs = client("sqs", moto_server.endpoint_url)

    def depth(stack: LocalAws) -> int:
        url = stack.queue_urls[INBOUND_QUEUE.logical_id]
        return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                   ["Attributes"]["ApproximateNumberOfMessages"])

    assert (depth(stack_a), depth(stack_b)) == (1, 0)

    # A message of B's that reached A's queue anyway (a misconfigured sender) is never answered by A's
    # responder, and A's dead-letter listing calls it poisoned.
    s3 = client("s3", moto_server.endpoint_url)
    snapshots.save_s3(s3, stack_a.names.bucket(KNOWLEDGE_BUCKET), learned[A])
    queued = QueuedMessage(message=TextMessage(shop_id=B, buyer_id="u1001", message_id="t-3", text="在吗"),
                           received_at=datetime.now(UTC))
    InboundQueue(sqs, stack_a.queue_urls[INBOUND_QUEUE.logical_id]).send(queued)
    dynamodb = _dynamodb(stack_a)

    class NoPlatform:
        def latest_order(self, shop_id: str, buyer_id: str) -> None:
            return None

        def send_message(self, *args: Any) -> None:
            raise AssertionError("nothing may be sent for another shop")

    service = ReceptionService(
        conversations=ConversationStore(dynamodb.Table(stack_a.names.table(CONVERSATIONS))),
        ledger=MessageLedger(dynamodb.Table(stack_a.names.table(MESSAGE_LEDGER))),
        agent_queue=AgentQueue(dynamodb.Table(stack_a.names.table(AGENT_QUEUE))),
        platform=NoPlatform(),  # type: ignore[arg-type]
        brain_for=s3_brain_cache(s3, stack_a.names.bucket(KNOWLEDGE_BUCKET), A, 60, 0.5),
    )
    with pytest.raises(WrongShop):
        service.handle(queued)
    assert MessageLedger(dynamodb.Table(stack_a.names.table(MESSAGE_LEDGER))).get(B, "t-3") is None
    redrivable, reason, _ = diagnose(queued.model_dump_json(), A)
    assert not redrivable and reason.startswith("poisoned: message for shop 'phone-case-demo'")
