"""The learning loop's records: candidates from agents' replies, taught items, activity, the dashboard.

docs/learning-loop.md is the contract of these shapes with the console.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from kefu.models.decision import HandoffReason

AGENT_REPLY_SOURCE = "agent_reply#"
# Answers to these handoffs are about one buyer's order or mood, not the shop: never candidates.
LEARNABLE_REASONS = frozenset({HandoffReason.LOW_CONFIDENCE, HandoffReason.REPEATED_FAILURE})


class CandidateStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    MERGED = "merged"
    REJECTED = "rejected"


class Decision(BaseModel):
    """Who did what to a candidate, when (the audit trail)."""

    action: str = Field(description="create, approve, merge, reject, answer_gap")
    by: str
    at: datetime
    item_id: str | None = None
    note: str | None = None


class SimilarItem(BaseModel):
    item_id: str
    title: str
    score: float
    answer: str
    source: str


class RuleConflict(BaseModel):
    """The reply states a fact the store rules state otherwise (another return window, another courier)."""

    kind: str
    said: str
    rule: str
    source: str


class Candidate(BaseModel):
    candidate_id: str
    shop_id: str
    handoff_id: str
    status: CandidateStatus = CandidateStatus.PENDING
    reason: HandoffReason
    questions: list[str] = Field(description="the buyer's question(s), personal data masked")
    answer: str = Field(description="the agent's reply, personal data masked")
    goods_id: str | None = None
    created_at: datetime
    updated_at: datetime
    similar: list[SimilarItem] = Field(default_factory=list)
    duplicate_of: str | None = Field(default=None, description="a pending candidate asking the same")
    conflict: RuleConflict | None = None
    decisions: list[Decision] = Field(default_factory=list)
    item_id: str | None = Field(default=None, description="the knowledge item it became or was merged into")


class TaughtRecord(BaseModel):
    """Knowledge the shop's people added: a new item, or questions (and maybe an answer) for a learned one.

    Kept apart from the bundle so that every re-learning of the bundle applies them again.
    """

    item_id: str
    shop_id: str
    questions: list[str]
    answer: str | None = Field(default=None, description="None: the merged item keeps its own answer")
    title: str = ""
    merge_into: str | None = Field(default=None, description="a learned item's id; None for a new item")
    source: str = Field(description="agent_reply#<handoff id> or merchant#<gap id>")
    goods_id: str | None = None
    approved_by: str
    approved_at: datetime


class ActivityKind(StrEnum):
    BUYER_MESSAGE = "msg"
    AGENT_REPLY = "agent"


class ActivityRecord(BaseModel):
    """One decided buyer message or one agent reply. Ids, reasons and timings only: never text."""

    shop_id: str
    kind: ActivityKind
    at: datetime
    message_id: str
    buyer_key: str = Field(description="a keyed hash of the buyer id: counts buyers without naming them")
    action: str | None = None
    handoff_reason: HandoffReason | None = None
    topic: str | None = None
    sources: list[str] = Field(default_factory=list)
    latency_ms: int | None = None
    handoff_id: str | None = None
    outside_hours: bool = False


class Gap(BaseModel):
    """Questions handed over for low confidence, clustered by meaning."""

    gap_id: str
    questions: list[str]
    count: int
    last_seen: datetime
    example_handoff_id: str
    answered: bool = False


class DayFigures(BaseModel):
    date: str
    conversations: int = 0
    auto_received: int = 0
    auto_reception_rate: float | None = None
    messages: int = 0
    handoffs: dict[str, int] = Field(default_factory=dict)
    handed_over_in_hours: int = 0
    human_replied_3min: int = 0
    human_reply_3min_rate: float | None = None
    bot_latency_p50_ms: int | None = None
    bot_latency_p95_ms: int | None = None
    candidates_approved: int = 0


class HourFigures(BaseModel):
    hour: int
    conversations: int = 0
    messages: int = 0
    handoffs: int = 0


class TopicCount(BaseModel):
    topic: str
    count: int


class ItemHit(BaseModel):
    item_id: str = Field(description="the item's source, as replies cite it")
    title: str = ""
    count: int


class Dashboard(BaseModel):
    shop_id: str
    timezone: str
    from_date: str = Field(serialization_alias="from")
    to_date: str = Field(serialization_alias="to")
    days: list[DayFigures]
    hours: list[HourFigures]
    totals: DayFigures
    top_topics: list[TopicCount]
    item_hits: list[ItemHit]
