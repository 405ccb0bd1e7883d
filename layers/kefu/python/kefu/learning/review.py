"""The merchant's review of candidate knowledge, and the unanswered questions: what the console's views do.

Candidates come from agents' replies to handoffs the bot could not answer (``take_reply``, called by the
workspace after a reply went out). Approving, merging or answering a gap writes a taught record and
publishes a new snapshot version at once. Every decision is recorded with who and when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from kefu.learning.candidates import candidate_id, taught_from
from kefu.learning.conflicts import rule_conflict
from kefu.learning.gaps import AskedQuestion, cluster_gaps
from kefu.models.conversation import Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffStatus, HandoffTicket
from kefu.models.knowledge import KnowledgeItem, SearchHit
from kefu.models.learning import (
    AGENT_REPLY_SOURCE,
    Candidate,
    CandidateStatus,
    Decision,
    Gap,
    SimilarItem,
    TaughtRecord,
)
from kefu.privacy.pii import find_pii, mask_pii
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.learning import CandidateChanged, LearningStore

logger = logging.getLogger(__name__)
SIMILAR_SHOWN = 3
# Below this ranker confidence an item is not "similar" in any sense a reviewer could use (merge target).
SIMILAR_MIN_SCORE = 0.1
# Cosine of two candidates' questions above which the later one is marked a duplicate of the earlier.
DUPLICATE = 0.85
MAX_TEXT_CHARS = 1000


class LearningIndex(Protocol):
    """What the review needs of the shop's knowledge (KnowledgeSearch)."""

    def search_text(self, text: str, goods_id: str | None = None, k: int = 5) -> list[SearchHit]: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def items(self) -> list[KnowledgeItem]: ...


class ReviewError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _clean(text: str, what: str) -> str:
    """Reviewers' text is taught to every buyer: no personal data, ever."""
    cleaned = mask_pii(text.strip())
    if not cleaned or len(cleaned) > MAX_TEXT_CHARS:
        raise ReviewError(400, "invalid_request", f"{what} must be 1..{MAX_TEXT_CHARS} characters")
    if find_pii(cleaned):
        raise ReviewError(400, "personal_data", f"{what} still contains personal data")
    return cleaned


class KnowledgeReview:
    def __init__(
        self,
        shop_id: str,
        store: LearningStore,
        queue: AgentQueue,
        conversations: ConversationStore,
        index: Callable[[], LearningIndex | None],
        publish: Callable[[], str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.shop_id = shop_id
        self._store = store
        self._queue = queue
        self._conversations = conversations
        self._index = index
        self._publish = publish
        self._clock = clock

    # --- candidates from agents' replies ----------------------------------------------------------------

    def take_reply(self, ticket: HandoffTicket, transcript: list[Turn], agent_id: str) -> Candidate | None:
        """A new or updated candidate from the agent's replies so far; None when the handoff teaches nothing."""
        taught = taught_from(ticket, transcript)
        if taught is None:
            return None
        now = self._clock()
        existing = self._store.get_candidate(self.shop_id, candidate_id(ticket.handoff_id))
        if existing is not None and existing.status != CandidateStatus.PENDING:
            return existing  # decided: a later reply of the same handoff changes nothing
        index = self._knowledge()
        similar = self._similar(index, taught.questions[0], ticket.goods_id)
        conflict = rule_conflict(taught.answer, index.items() if index else [])
        if existing is not None:
            updated = existing.model_copy(update={
                "answer": taught.answer, "questions": taught.questions, "similar": similar,
                "conflict": conflict, "updated_at": now,
            })
            self._store.put_candidate(updated, existing.updated_at.isoformat())
            return updated
        candidate = Candidate(
            candidate_id=candidate_id(ticket.handoff_id),
            shop_id=self.shop_id,
            handoff_id=ticket.handoff_id,
            reason=ticket.reason,
            questions=taught.questions,
            answer=taught.answer,
            goods_id=ticket.goods_id,
            created_at=now,
            updated_at=now,
            similar=similar,
            duplicate_of=self._duplicate_of(index, taught.questions[0]),
            conflict=conflict,
            decisions=[Decision(action="create", by=agent_id, at=now)],
        )
        self._store.put_candidate(candidate)
        return candidate

    def candidates(self, status: str = CandidateStatus.PENDING.value) -> list[Candidate]:
        found = self._store.candidates(self.shop_id)
        if status != "all":
            found = [c for c in found if c.status.value == status]
        return sorted(found, key=lambda c: c.updated_at, reverse=True)

    def approve(self, candidate_id: str, agent_id: str, answer: str | None = None,
                questions: list[str] | None = None) -> Candidate:
        candidate = self._pending(candidate_id)
        final_answer = _clean(answer, "answer") if answer is not None else candidate.answer
        final_questions = [_clean(q, "question") for q in questions] if questions else candidate.questions
        item_id = f"taught-{candidate.candidate_id.removeprefix('c-')}"
        record = TaughtRecord(item_id=item_id, shop_id=self.shop_id, questions=final_questions,
                              answer=final_answer, title=final_questions[0][:30],
                              source=f"{AGENT_REPLY_SOURCE}{candidate.handoff_id}", goods_id=candidate.goods_id,
                              approved_by=agent_id, approved_at=self._clock())
        return self._decide(candidate, CandidateStatus.APPROVED, "approve", agent_id, record,
                            {"answer": final_answer, "questions": final_questions})

    def merge(self, candidate_id: str, agent_id: str, item_id: str) -> Candidate:
        candidate = self._pending(candidate_id)
        index = self._knowledge()
        if index is None or item_id not in {item.item_id for item in index.items()}:
            raise ReviewError(404, "not_found", f"no knowledge item {item_id!r}")
        record = TaughtRecord(item_id=f"merge-{candidate.candidate_id.removeprefix('c-')}", shop_id=self.shop_id,
                              questions=candidate.questions, merge_into=item_id,
                              source=f"{AGENT_REPLY_SOURCE}{candidate.handoff_id}", goods_id=candidate.goods_id,
                              approved_by=agent_id, approved_at=self._clock())
        return self._decide(candidate, CandidateStatus.MERGED, "merge", agent_id, record, {}, item_id)

    def reject(self, candidate_id: str, agent_id: str, note: str | None = None) -> Candidate:
        candidate = self._pending(candidate_id)
        return self._decide(candidate, CandidateStatus.REJECTED, "reject", agent_id, None, {},
                            note=mask_pii(note)[:200] if note else None)

    # --- unanswered questions -----------------------------------------------------------------------------

    def gaps(self) -> list[Gap]:
        asked = self._asked()
        index = self._knowledge()
        if not asked or index is None:
            return []
        taught = [q for record in self._store.taught(self.shop_id) for q in record.questions]
        return cluster_gaps(asked, index.encode, taught)

    def answer_gap(self, gap_id: str, agent_id: str, answer: str, questions: list[str] | None = None) -> str:
        """The merchant writes the answer to a gap: a reviewed item at once. Returns the new version."""
        gap = next((g for g in self.gaps() if g.gap_id == gap_id), None)
        if gap is None:
            raise ReviewError(404, "not_found", f"no unanswered question {gap_id!r}")
        final_questions = [_clean(q, "question") for q in questions] if questions else gap.questions
        record = TaughtRecord(
            item_id=f"taught-{gap_id.removeprefix('g-')}", shop_id=self.shop_id, questions=final_questions,
            answer=_clean(answer, "answer"), title=final_questions[0][:30], source=f"merchant#{gap_id}",
            approved_by=agent_id, approved_at=self._clock())
        self._store.put_taught(record)
        return self._publish()

    # --- internals -----------------------------------------------------------------------------------

    def _asked(self) -> list[AskedQuestion]:
        """The trigger questions of every low-confidence handoff still on record, masked."""
        asked: list[AskedQuestion] = []
        for status in HandoffStatus:
            for ticket in self._queue.list_status(self.shop_id, status, limit=500):
                if ticket.reason != HandoffReason.LOW_CONFIDENCE:
                    continue
                transcript = self._conversations.transcript(self.shop_id, ticket.buyer_id)
                turn = next((t for t in transcript if t.role == Role.BUYER
                             and t.message_id == ticket.trigger_message_id and t.message_type == "text"), None)
                if turn is not None:
                    asked.append(AskedQuestion(ticket.handoff_id, mask_pii(turn.text), ticket.enqueued_at))
        return asked

    def _pending(self, candidate_id: str) -> Candidate:
        candidate = self._store.get_candidate(self.shop_id, candidate_id)
        if candidate is None:
            raise ReviewError(404, "not_found", f"no candidate {candidate_id!r}")
        if candidate.status != CandidateStatus.PENDING:
            raise ReviewError(409, "already_decided", f"candidate is {candidate.status.value}")
        return candidate

    def _decide(self, candidate: Candidate, status: CandidateStatus, action: str, agent_id: str,
                record: TaughtRecord | None, changes: dict[str, object], item_id: str | None = None,
                note: str | None = None) -> Candidate:
        now = self._clock()
        item_id = item_id or (record.item_id if record else None)
        decided = candidate.model_copy(update={
            **changes, "status": status, "updated_at": now, "item_id": item_id,
            "decisions": [*candidate.decisions, Decision(action=action, by=agent_id, at=now, item_id=item_id,
                                                         note=note)],
        })
        try:
            self._store.put_candidate(decided, candidate.updated_at.isoformat())
        except CandidateChanged:
            raise ReviewError(409, "already_decided", "another reviewer decided on this candidate") from None
        if record is not None:
            self._store.put_taught(record)
            self._publish()
        return decided

    def _knowledge(self) -> LearningIndex | None:
        try:
            return self._index()
        except Exception:  # no learned snapshot yet: candidates are still kept, without comparisons
            logger.warning("shop knowledge unavailable for review", exc_info=True)
            return None

    @staticmethod
    def _similar(index: LearningIndex | None, question: str, goods_id: str | None) -> list[SimilarItem]:
        if index is None:
            return []
        return [SimilarItem(item_id=hit.item.item_id, title=hit.item.title, score=round(hit.score, 3),
                            answer=hit.item.answer[:300], source=hit.item.source)
                for hit in index.search_text(question, goods_id, k=SIMILAR_SHOWN) if hit.score >= SIMILAR_MIN_SCORE]

    def _duplicate_of(self, index: LearningIndex | None, question: str) -> str | None:
        pending = [c for c in self._store.candidates(self.shop_id) if c.status == CandidateStatus.PENDING]
        if index is None or not pending:
            return None
        vectors = index.encode([question] + [c.questions[0] for c in pending])
        scores = vectors[1:] @ vectors[0]
        best = int(np.argmax(scores))
        return pending[best].candidate_id if float(scores[best]) >= DUPLICATE else None


