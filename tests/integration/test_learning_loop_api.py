"""The learning loop through functions/agent_api, over the local AWS emulation and the learned demo shop.

An agent answers a question the bot handed over → a masked candidate → the merchant approves it → a new
snapshot version in S3 that answers the same need asked in other words, citing agent_reply#; rejections and
rule conflicts; unanswered questions clustered; the dashboard; one shop never sees another's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from kefu_dev.local.emulator import LocalAws
from test_agent_api import SHOP, Api, RecordingPlatform, restore_environment  # noqa: F401 - a fixture

from kefu.knowledge import snapshot as snapshots
from kefu.learning.activity import agent_reply_activity
from kefu.models.conversation import ConversationState, Mode, Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.models.knowledge import ItemKind, KnowledgeSnapshot
from kefu.models.learning import ActivityKind, ActivityRecord
from kefu.models.messages import TextMessage
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.resources import ACTIVITY, KNOWLEDGE_BUCKET
from kefu.settings import get_settings
from kefu.store.activity import ActivityStore
from kefu.wiring import build_agent_services

# load_handler leaves its environment in os.environ: restore_environment undoes it after each test.
pytestmark = [pytest.mark.usefixtures("restore_environment"), pytest.mark.dynamodb_engines]

STORE_QUESTION = "你们有实体店吗"
STORE_ANSWER = "亲，我们是网店，没有线下实体店哦~ 商品都在本店铺下单，有问题随时问客服"


class LearningApi(Api):
    def __init__(self, local_aws: LocalAws, snapshot: KnowledgeSnapshot, shop_id: str = SHOP) -> None:
        super().__init__(local_aws, "local-test-token")
        self.local_aws = local_aws
        self.s3 = boto3.client("s3", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")
        self.bucket = local_aws.names.bucket(KNOWLEDGE_BUCKET)
        snapshots.save_s3(self.s3, self.bucket, snapshot.model_copy(update={"shop_id": shop_id}))
        settings = get_settings().model_copy(update={"shop_id": shop_id, "snapshot_refresh_s": 0})
        self.platform = RecordingPlatform()
        self.services = build_agent_services(settings, self.platform)
        self.module.set_workspace(None)
        self.module.set_services(self.services)
        self.shop_id = shop_id

    def handed_over(self, buyer: str, text: str, reason: HandoffReason = HandoffReason.LOW_CONFIDENCE,
                    minutes_ago: float = 1.0) -> str:
        at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        message_id = f"m-{buyer}"
        ticket = HandoffTicket.open(self.shop_id, buyer, reason, message_id, enqueued_at=at)
        self.queue.enqueue(ticket)
        self.conversations.append_turn(self.shop_id, buyer, Turn(role=Role.BUYER, text=text, at=at,
                                                                 message_id=message_id))
        self.conversations.save_state(ConversationState(shop_id=self.shop_id, buyer_id=buyer, mode=Mode.HUMAN))
        return ticket.handoff_id

    def answer(self, handoff_id: str, text: str, agent: str = "alice") -> None:
        assert self.call("POST", f"/agent/handoffs/{handoff_id}/claim", agent=agent)[0] == 200
        status, body, _ = self.call("POST", f"/agent/handoffs/{handoff_id}/reply", {"text": text}, agent=agent)
        assert status == 200, body

    def pending(self) -> list[dict[str, Any]]:
        status, body, _ = self.call("GET", "/agent/knowledge/candidates")
        assert status == 200
        return list(body["candidates"])

    def current(self) -> KnowledgeSnapshot:
        snapshot = snapshots.load_current(self.s3, self.bucket, self.shop_id)
        assert snapshot is not None
        return snapshot


@pytest.fixture
def learning_api(local_aws: LocalAws, demo_snapshot: KnowledgeSnapshot) -> LearningApi:
    return LearningApi(local_aws, demo_snapshot)


def _bot_reply(snapshot: KnowledgeSnapshot, text: str) -> Any:
    brain = brain_from_snapshot(snapshot)
    message = TextMessage(shop_id=snapshot.shop_id, buyer_id="b-other", message_id="q1", text=text)
    return brain.respond(message, ConversationState(shop_id=snapshot.shop_id, buyer_id="b-other"), None,
                         datetime.now(UTC)).outcome


def test_an_approved_answer_reaches_other_buyers_in_other_words(learning_api: LearningApi) -> None:
    before = learning_api.current()
    assert _bot_reply(before, "线下门店在哪里").action == "handoff"  # the bundle does not answer it
    handoff_id = learning_api.handed_over("u2001", STORE_QUESTION)
    learning_api.answer(handoff_id, STORE_ANSWER + "，急事打13812345678")

    [candidate] = learning_api.pending()
    assert candidate["handoff_id"] == handoff_id and candidate["questions"] == [STORE_QUESTION]
    assert "13812345678" not in candidate["answer"] and "[手机号]" in candidate["answer"]  # stored masked
    assert candidate["conflict"] is None
    assert all(similar["score"] >= 0.1 for similar in candidate["similar"])  # nothing the bundle has comes close

    status, approved, _ = learning_api.call(
        "POST", f"/agent/knowledge/candidates/{candidate['candidate_id']}/approve",
        {"answer": STORE_ANSWER, "questions": [STORE_QUESTION, "有线下店吗"]}, agent="boss")
    assert status == 200 and approved["status"] == "approved"
    assert [d["action"] for d in approved["decisions"]] == ["create", "approve"]
    assert approved["decisions"][-1]["by"] == "boss"

    after = learning_api.current()
    assert after.version != before.version and len(after.items) == len(before.items) + 1
    [taught] = [item for item in after.items if item.kind == ItemKind.TAUGHT_QA]
    assert taught.source == f"agent_reply#{handoff_id}" and taught.answer == STORE_ANSWER
    outcome = _bot_reply(after, "线下门店在哪里")
    assert outcome.action == "answer" and f"agent_reply#{handoff_id}" in outcome.sources
    assert "实体店" in (outcome.reply or "")
    assert learning_api.pending() == []
    # A second decision on the same candidate is refused: it was decided once.
    again = learning_api.call("POST", f"/agent/knowledge/candidates/{candidate['candidate_id']}/reject", {})
    assert again[0] == 409


def test_rejected_and_conflicting_candidates_never_reach_buyers(learning_api: LearningApi) -> None:
    before = learning_api.current()
    first = learning_api.handed_over("u2002", STORE_QUESTION)
    learning_api.answer(first, STORE_ANSWER)
    second = learning_api.handed_over("u2003", "可以寄到国外吗")
    # The demo shop's rules give 7 days and 中通/韵达: this reply contradicts both.
    learning_api.answer(second, "可以的亲，发顺丰国际，支持15天无理由退货")
    by_handoff = {c["handoff_id"]: c for c in learning_api.pending()}
    assert by_handoff[first]["conflict"] is None
    conflict = by_handoff[second]["conflict"]
    assert conflict == {"kind": "courier", "said": "快递：顺丰", "rule": "快递：中通、韵达",
                        "source": "rules/shipping.md#快递公司"}

    for handoff_id in (first, second):
        status, body, _ = learning_api.call(
            "POST", f"/agent/knowledge/candidates/{by_handoff[handoff_id]['candidate_id']}/reject",
            {"note": "不对"})
        assert status == 200 and body["status"] == "rejected"
    assert learning_api.current().version == before.version  # nothing learned
    assert _bot_reply(learning_api.current(), "线下门店在哪里").action == "handoff"
    status, everything, _ = learning_api.call("GET", "/agent/knowledge/candidates?status=all")
    assert status == 200 and {c["status"] for c in everything["candidates"]} == {"rejected"}


def test_emotion_and_after_sale_answers_are_never_candidates(learning_api: LearningApi) -> None:
    for buyer, reason in (("u2004", HandoffReason.EMOTION), ("u2005", HandoffReason.AFTER_SALE),
                          ("u2006", HandoffReason.MEDIA_RULE)):
        learning_api.answer(learning_api.handed_over(buyer, "怎么还没到", reason), "亲，马上帮您查")
    status, body, _ = learning_api.call("GET", "/agent/knowledge/candidates?status=all")
    assert status == 200 and body["candidates"] == []


def test_gaps_cluster_by_meaning_and_an_answer_becomes_knowledge(learning_api: LearningApi) -> None:
    for buyer, text in (("u3001", "你们有实体店吗"), ("u3002", "有实体店吗"), ("u3003", "可以寄到国外吗"),
                        ("u3004", "能寄到国外不")):
        learning_api.handed_over(buyer, text)
    learning_api.handed_over("u3005", "气死了", HandoffReason.EMOTION)  # not a gap: not a knowledge miss
    status, body, _ = learning_api.call("GET", "/agent/knowledge/gaps")
    assert status == 200
    gaps = body["gaps"]
    assert sorted(g["count"] for g in gaps) == [2, 2], gaps
    store = next(g for g in gaps if any("实体店" in q for q in g["questions"]))
    assert not store["answered"] and store["example_handoff_id"].startswith("u300")

    before = learning_api.current().version
    status, answered, _ = learning_api.call("POST", f"/agent/knowledge/gaps/{store['gap_id']}/answer",
                                            {"answer": STORE_ANSWER})
    assert status == 200 and answered["version"] != before
    snapshot = learning_api.current()
    assert any(item.item_id == answered["item_id"] and item.source.startswith("merchant#")
               for item in snapshot.items)
    status, body, _ = learning_api.call("GET", "/agent/knowledge/gaps")
    assert [g["answered"] for g in body["gaps"] if g["gap_id"] == store["gap_id"]] == [True]
    assert learning_api.call("POST", "/agent/knowledge/gaps/g-nope/answer", {"answer": "x"})[0] == 404


def test_dashboard_counts_from_the_activity_records(learning_api: LearningApi) -> None:
    resource = boto3.resource("dynamodb", endpoint_url=learning_api.local_aws.dynamodb_url,
                              region_name="cn-north-1")
    activity = ActivityStore(resource.Table(learning_api.local_aws.names.table(ACTIVITY)))
    now = datetime.now(UTC)

    def message(buyer: str, message_id: str, action: str, reason: HandoffReason | None = None,
                latency: int = 50) -> None:
        activity.put(ActivityRecord(shop_id=SHOP, kind=ActivityKind.BUYER_MESSAGE, at=now, message_id=message_id,
                                    buyer_key=buyer, action=action, handoff_reason=reason, topic="shipping",
                                    sources=["rules/shipping.md#发货时间"] if action == "answer" else [],
                                    latency_ms=latency,
                                    handoff_id=f"{buyer}~{message_id}" if reason else None))

    message("a", "1", "answer")
    message("a", "2", "answer", latency=150)
    message("b", "3", "answer")
    message("b", "4", "handoff", HandoffReason.LOW_CONFIDENCE)
    message("c", "5", "handoff", HandoffReason.EMOTION)
    activity.put(agent_reply_activity(SHOP, "b", "b~4", "ag-1", now + timedelta(seconds=60)))
    activity.put(agent_reply_activity(SHOP, "c", "c~5", "ag-2", now + timedelta(minutes=5)))

    status, board, _ = learning_api.call("GET", "/agent/dashboard?days=7")
    assert status == 200 and board["from"] and board["to"]
    totals = board["totals"]
    assert (totals["conversations"], totals["auto_received"], totals["messages"]) == (3, 1, 5)
    assert totals["handoffs"] == {"emotion": 1, "low_confidence": 1}
    assert (totals["handed_over_in_hours"], totals["human_replied_3min"]) == (2, 1)
    assert totals["human_reply_3min_rate"] == 0.5
    assert board["item_hits"][0]["count"] == 3 and board["top_topics"][0]["topic"] == "shipping"
    assert len(board["days"]) == 7 and len(board["hours"]) == 24
    status, csv_text, headers = learning_api.call("GET", "/agent/dashboard.csv?days=2")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert csv_text.splitlines()[0].startswith("date,conversations") and len(csv_text.splitlines()) == 3
    assert learning_api.call("GET", "/agent/dashboard?days=abc")[0] == 400


def test_one_shop_never_sees_another_shops_learning(local_aws: LocalAws, demo_snapshot: KnowledgeSnapshot) -> None:
    shop_a = LearningApi(local_aws, demo_snapshot)
    shop_a.answer(shop_a.handed_over("u4001", STORE_QUESTION), STORE_ANSWER)
    assert len(shop_a.pending()) == 1
    shop_b = LearningApi(local_aws, demo_snapshot, shop_id="other-shop")
    assert shop_b.pending() == []
    assert shop_b.call("GET", "/agent/knowledge/gaps")[1]["gaps"] == []
    assert shop_b.call("GET", "/agent/dashboard")[1]["totals"]["messages"] == 0
    candidate_id = shop_a.pending()[0]["candidate_id"]
    assert shop_b.call("POST", f"/agent/knowledge/candidates/{candidate_id}/approve", {})[0] == 404


def test_kefu_knowledge_gaps_lists_them_through_the_agent_api(learning_api: LearningApi,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kefu_dev.cli.main import main
    from kefu_dev.local.gateway import LocalGateway
    from kefu_dev.local.handlers import LambdaContext

    for buyer, text in (("u5001", "可以寄到国外吗"), ("u5002", "能寄到国外不")):
        learning_api.handed_over(buyer, text)
    handler = learning_api.module.lambda_handler
    gateway = LocalGateway({"agent_api": lambda event: handler(event, LambdaContext("kefu-agent-api"))}).start()
    try:
        assert main(["knowledge", "gaps", "--api", gateway.url, "--token", "local-test-token"]) == 0
        out = capsys.readouterr().out
        assert "1 unanswered questions" in out and "2x  open" in out and "能寄到国外不" in out
        assert main(["knowledge", "gaps", "--api", gateway.url, "--token", "wrong"]) != 0
        assert "HTTP 401" in capsys.readouterr().err
    finally:
        gateway.stop()
