"""The context package: everything an agent needs to take over a conversation without asking again.

Pure: the caller loads the ticket, the transcript, the order and the shop's index; this module shapes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from kefu.handoff.canned import CannedReply, canned_replies
from kefu.handoff.summary import HANDOFF_WORDS, REASON_LABELS, summarize
from kefu.models.conversation import Mode, Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import ActionRecord, HandoffStatus, HandoffTicket
from kefu.models.knowledge import SearchHit
from kefu.models.shop import CannedReplyTemplate, Logistics, Order

STATUS_LABELS: dict[HandoffStatus, str] = {
    HandoffStatus.WAITING: "待接待",
    HandoffStatus.CLAIMED: "接待中",
    HandoffStatus.RESOLVED: "已结束",
    HandoffStatus.RETURNED: "已交还机器人",
}

MAX_SUGGESTIONS = 3
MIN_SUGGESTIONS = 2
SUGGESTION_MIN_SCORE = 0.35
SUGGESTION_MAX_CHARS = 90
BUYER_TURNS_SEARCHED = 3
RECENCY_WEIGHTS = (1.0, 0.75, 0.5)  # the newest need first, unless an older one is matched far better
_FILLER = re.compile(r"[\s，,。.！!？?~～、]+")
# Used only when the knowledge has fewer than MIN_SUGGESTIONS relevant answers: an opener is always useful.
FALLBACK_SUGGESTIONS = (
    "亲，您好，我是人工客服，您的问题我来为您处理，请问具体是什么情况呢？",
    "亲，麻烦您提供一下订单号或者截图，我马上为您核实哦~",
)
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_MARKUP = re.compile(r"[#*>`|]+")
_SPACES = re.compile(r"\s+")


class Searchable(Protocol):
    def search_text(self, text: str, goods_id: str | None = None, k: int = 5) -> list[SearchHit]: ...


class TicketView(BaseModel):
    """A ticket as the console shows it (list rows and the detail header)."""

    handoff_id: str
    buyer_id: str
    reason: HandoffReason
    reason_label: str
    emotion: float
    priority: int
    status: HandoffStatus
    status_label: str
    enqueued_at: datetime
    age_s: float
    sla_s: float
    overdue: bool
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    goods_id: str | None = None
    order_status: str | None = None
    outside_hours: bool = False

    @classmethod
    def of(cls, ticket: HandoffTicket, now: datetime, sla_minutes: int) -> TicketView:
        age = ticket.age_seconds(now)
        sla_s = sla_minutes * 60.0
        return cls(
            handoff_id=ticket.handoff_id,
            buyer_id=ticket.buyer_id,
            reason=ticket.reason,
            reason_label=REASON_LABELS.get(ticket.reason, ticket.reason.value),
            emotion=round(ticket.emotion, 2),
            priority=ticket.priority,
            status=ticket.status,
            status_label=STATUS_LABELS[ticket.status],
            enqueued_at=ticket.enqueued_at,
            age_s=round(age, 1),
            sla_s=sla_s,
            overdue=ticket.status == HandoffStatus.WAITING and age > sla_s,
            claimed_by=ticket.claimed_by,
            claimed_at=ticket.claimed_at,
            goods_id=ticket.goods_id,
            order_status=ticket.order_status,
            outside_hours=ticket.outside_hours,
        )


class BotAnswer(BaseModel):
    text: str
    at: datetime
    sources: list[str] = Field(default_factory=list)


class SuggestedReply(BaseModel):
    text: str
    source: str = Field(description="the knowledge item's source, or 'template' for a generic opener")
    title: str = ""
    score: float = 0.0


class ContextPackage(BaseModel):
    ticket: TicketView
    summary: str = Field(description="two lines: 买家想要：… and 机器人已答：… (or 机器人未作答)")
    mode: Mode
    transcript: list[Turn]
    order: Order | None = None
    logistics: Logistics | None = None
    bot_answers: list[BotAnswer]
    suggestions: list[SuggestedReply]
    actions: list[ActionRecord]
    canned_replies: list[CannedReply] = Field(default_factory=list, description="the shop's, order filled in")


def build_context(
    ticket: HandoffTicket,
    transcript: list[Turn],
    mode: Mode,
    order: Order | None,
    index: Searchable | None,
    now: datetime,
    sla_minutes: int = 3,
    handoff_keywords: tuple[str, ...] | list[str] = (),
    *,
    canned: Sequence[CannedReplyTemplate] = (),
) -> ContextPackage:
    bot_answers = [
        BotAnswer(text=t.text, at=t.at, sources=t.sources) for t in transcript if t.role == Role.BOT
    ]
    return ContextPackage(
        ticket=TicketView.of(ticket, now, sla_minutes),
        summary=summarize(ticket, transcript, order, handoff_keywords),
        mode=mode,
        transcript=transcript,
        order=order,
        logistics=order.logistics if order else None,
        bot_answers=bot_answers,
        suggestions=suggest_replies(transcript, index, ticket.goods_id, handoff_keywords),
        actions=ticket.actions,
        canned_replies=canned_replies(canned, order),
    )


def suggest_replies(transcript: list[Turn], index: Searchable | None, goods_id: str | None,
                    handoff_keywords: tuple[str, ...] | list[str] = ()) -> list[SuggestedReply]:
    """Two or three replies from the shop's knowledge for the buyer's latest texts (newest need first)."""
    words = sorted({*HANDOFF_WORDS, *handoff_keywords}, key=len, reverse=True)
    queries = []
    for turn in reversed(transcript):
        if turn.role != Role.BUYER or turn.message_type != "text":
            continue
        query = turn.text
        for word in words:
            query = query.replace(word, " ")
        if len(_FILLER.sub("", query)) >= 2:
            queries.append(query.strip())
    best: dict[str, SuggestedReply] = {}
    if index is not None:
        for weight, query in zip(RECENCY_WEIGHTS, queries[:BUYER_TURNS_SEARCHED], strict=False):
            for hit in index.search_text(query, goods_id, k=MAX_SUGGESTIONS):
                score = hit.score * weight
                if score < SUGGESTION_MIN_SCORE:
                    continue
                known = best.get(hit.item.item_id)
                if known is None or known.score < score:
                    best[hit.item.item_id] = SuggestedReply(
                        text=shorten(hit.item.answer), source=hit.item.source, title=hit.item.title,
                        score=round(score, 3),
                    )
    suggestions: list[SuggestedReply] = []
    for suggestion in sorted(best.values(), key=lambda s: -s.score):
        if len(suggestions) < MAX_SUGGESTIONS and all(s.text != suggestion.text for s in suggestions):
            suggestions.append(suggestion)
    for text in FALLBACK_SUGGESTIONS[: max(0, MIN_SUGGESTIONS - len(suggestions))]:
        suggestions.append(SuggestedReply(text=text, source="template"))
    return suggestions


def shorten(answer: str, limit: int = SUGGESTION_MAX_CHARS) -> str:
    """A knowledge answer as a chat line: markup stripped, whole sentences up to ``limit``, prefixed 亲，."""
    text = _SPACES.sub(" ", _MARKUP.sub(" ", answer)).strip()
    for lead in ("亲，", "亲,", "亲~", "亲 ", "亲"):
        if text.startswith(lead):
            text = text[len(lead):].lstrip()
            break
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        if out and len(out) + len(sentence) > limit:
            break
        out += sentence
    if len(out) > limit:
        out = out[: limit - 1].rstrip("，,、 ") + "…"
    return "亲，" + out.strip()
