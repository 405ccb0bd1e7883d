"""The store's single-item conditional writes, raced, on each DynamoDB engine (moto, dynalite); TTL; the gaps.

Each race starts its writers at once on a barrier, each writer with its own connection: the engine, not the
client, must let exactly one through. The transactions built on the same conditions are in
test_exactly_once.py and tests/faults/test_emulated_transactions.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from kefu_dev.local.dynalite import OLD_ITEM_ON_CONDITION_FAILURE, TRANSACTIONS, TTL, DynamoEngine
from kefu_dev.local.emulator import LocalAws, client
from together import run_together

from kefu import resources
from kefu.models.conversation import ConversationState
from kefu.models.decision import Action, HandoffReason, Outcome
from kefu.models.handoff import ActionKind, HandoffStatus, HandoffTicket
from kefu.models.learning import Candidate, CandidateStatus
from kefu.store.agent_queue import AgentQueue, QueueError
from kefu.store.learning import CandidateChanged, LearningStore
from kefu.store.ledger import Effects, MessageLedger

pytestmark = pytest.mark.dynamodb_engines

SHOP = "s-race"
WRITERS = 8


def _table(local_aws: LocalAws, spec: resources.TableSpec) -> Any:
    # One resource per writer: boto3 resources are not thread-safe.
    return boto3.session.Session().resource(
        "dynamodb", endpoint_url=local_aws.dynamodb_url, region_name="cn-north-1",
        config=Config(retries={"max_attempts": 2}),
    ).Table(local_aws.names.table(spec))


def _race(local_aws: LocalAws, spec: resources.TableSpec, write: Callable[[Any, int], Any]) -> list[Any]:
    """``write(table, n)`` by WRITERS threads at once; returns what each returned or raised, by writer."""
    tables = [_table(local_aws, spec) for _ in range(WRITERS)]
    results: list[Any] = [None] * WRITERS
    barrier = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        barrier.wait()
        try:
            results[n] = write(tables[n], n)
        except Exception as error:
            results[n] = error

    run_together(writer, WRITERS, timeout=60)
    return results


def _effects(reply: str) -> Effects:
    outcome = Outcome(message_id="m1", conversation_key=f"{SHOP}#b1", action=Action.ANSWER, reply=reply,
                      confidence=1.0, intent="x", emotion=0.0, knowledge_version="v")
    return Effects(outcome=outcome, state=ConversationState(shop_id=SHOP, buyer_id="b1"), turns=[])


def test_of_racing_decisions_on_one_message_the_first_stored_wins_for_all(local_aws: LocalAws) -> None:
    entries = _race(local_aws, resources.MESSAGE_LEDGER,
                    lambda table, n: MessageLedger(table).record_decision(SHOP, "m1", _effects(f"w{n}")))
    assert not [e for e in entries if isinstance(e, Exception)], entries
    leased = [e for e in entries if e.leased]
    assert len(leased) == 1, "exactly one worker's decision is stored, with the lease to apply it"
    winner = leased[0].effects.outcome.reply
    assert {e.effects.outcome.reply for e in entries} == {winner}, "the losers get the stored decision"
    stored = MessageLedger(_table(local_aws, resources.MESSAGE_LEDGER)).get(SHOP, "m1")
    assert stored is not None and stored.effects.outcome.reply == winner and not stored.sent


def test_a_lease_goes_to_one_worker_and_none_once_the_reply_is_sent(local_aws: LocalAws) -> None:
    ledger = MessageLedger(_table(local_aws, resources.MESSAGE_LEDGER))
    ledger.record_decision(SHOP, "m2", _effects("x"), lease_s=0.0)  # the deciding worker died at once
    taken = _race(local_aws, resources.MESSAGE_LEDGER,
                  lambda table, n: MessageLedger(table).try_lease(SHOP, "m2", lease_s=30.0))
    assert taken.count(True) == 1 and taken.count(False) == WRITERS - 1, taken
    assert not ledger.try_lease(SHOP, "m2", lease_s=30.0), "a held lease is not taken again"
    ledger.mark_sent(SHOP, "m2")
    entry = ledger.get(SHOP, "m2")
    assert entry is not None and entry.sent
    assert not ledger.try_lease(SHOP, "m2", lease_s=0.0), "a sent message is never applied again"


def test_a_handoff_ticket_is_opened_once_however_often_the_message_is_retried(local_aws: LocalAws) -> None:
    ticket = HandoffTicket.open(SHOP, "b1", HandoffReason.EXPLICIT_REQUEST, "m1")
    opened = _race(local_aws, resources.AGENT_QUEUE, lambda table, n: AgentQueue(table).enqueue(ticket))
    assert opened.count(True) == 1 and opened.count(False) == WRITERS - 1, opened
    queue = AgentQueue(_table(local_aws, resources.AGENT_QUEUE))
    assert [t.handoff_id for t in queue.list_status(SHOP, HandoffStatus.WAITING)] == [ticket.handoff_id]


def test_of_agents_claiming_one_ticket_at_once_exactly_one_holds_it(local_aws: LocalAws) -> None:
    """The claim's condition alone (no old item needed): one claim returns, every other one is refused."""
    ticket = HandoffTicket.open(SHOP, "b2", HandoffReason.EMOTION, "m1")
    assert AgentQueue(_table(local_aws, resources.AGENT_QUEUE)).enqueue(ticket)
    claims = _race(local_aws, resources.AGENT_QUEUE,
                   lambda table, n: AgentQueue(table).claim(SHOP, ticket.handoff_id, f"agent-{n}"))
    won = [c for c in claims if isinstance(c, HandoffTicket)]
    assert len(won) == 1, claims
    assert all(isinstance(c, QueueError) for c in claims if c is not won[0]), claims
    stored = AgentQueue(_table(local_aws, resources.AGENT_QUEUE)).get(SHOP, ticket.handoff_id)
    assert stored.status == HandoffStatus.CLAIMED and stored.claimed_by == won[0].claimed_by
    assert [a.action for a in stored.actions] == [ActionKind.ENQUEUE, ActionKind.CLAIM] and stored.version == 1


def _candidate(now: datetime, status: CandidateStatus = CandidateStatus.PENDING, by: str = "") -> Candidate:
    return Candidate(candidate_id="c1", shop_id=SHOP, handoff_id="b1~m1", reason=HandoffReason.LOW_CONFIDENCE,
                     questions=["有实体店吗"], answer="没有哦", created_at=now, updated_at=now, status=status,
                     item_id=by or None)


def test_of_two_reviewers_deciding_one_candidate_only_one_decision_lands(local_aws: LocalAws) -> None:
    store = LearningStore(_table(local_aws, resources.LEARNING))
    created = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    store.put_candidate(_candidate(created))
    with pytest.raises(CandidateChanged):
        store.put_candidate(_candidate(created))  # "only if new": the agent's reply is not made a candidate twice

    def decide(table: Any, n: int) -> None:
        status = CandidateStatus.APPROVED if n % 2 else CandidateStatus.REJECTED
        decided = _candidate(created + timedelta(seconds=n + 1), status, by=f"reviewer-{n}")
        LearningStore(table).put_candidate(decided, expected_updated_at=created.isoformat())

    decisions = _race(local_aws, resources.LEARNING, decide)
    refused = [d for d in decisions if isinstance(d, CandidateChanged)]
    assert len(refused) == WRITERS - 1 and decisions.count(None) == 1, decisions
    winner = f"reviewer-{decisions.index(None)}"
    stored = store.get_candidate(SHOP, "c1")
    assert stored is not None and stored.item_id == winner and stored.status != CandidateStatus.PENDING


@pytest.mark.dynamodb_needs(TTL)
def test_the_stacks_tables_expire_items_by_their_ttl_attribute(local_aws: LocalAws) -> None:
    ddb = client("dynamodb", local_aws.dynamodb_url)
    with_ttl = [spec for spec in resources.TABLES if spec.ttl_attribute]
    assert with_ttl, "kefu's tables use TTL"
    for spec in with_ttl:
        described = ddb.describe_time_to_live(TableName=local_aws.names.table(spec))["TimeToLiveDescription"]
        assert described["TimeToLiveStatus"] in ("ENABLED", "ENABLING"), spec.logical_id
        assert described["AttributeName"] == spec.ttl_attribute, spec.logical_id


DYNALITE_GAPS = {TRANSACTIONS, TTL, OLD_ITEM_ON_CONDITION_FAILURE}  # dynalite 4.0.0; README "Local engines"


def test_what_each_engine_lacks_is_what_the_readme_says(dynamodb_engine: DynamoEngine) -> None:
    """moto lacks nothing kefu uses (so its run skips nothing); dynalite exactly what the README lists."""
    expected = set() if dynamodb_engine.name == "moto" else DYNALITE_GAPS
    assert set(dynamodb_engine.gaps) == expected, dynamodb_engine.gaps
