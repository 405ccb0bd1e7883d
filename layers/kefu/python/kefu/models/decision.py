"""The outcome of one buyer message: an answer, a handoff, or silence while a human holds it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Action(StrEnum):
    ANSWER = "answer"
    HANDOFF = "handoff"


class HandoffReason(StrEnum):
    WITH_HUMAN = "with_human"
    MEDIA_RULE = "media_rule"
    EXPLICIT_REQUEST = "explicit_request"
    EMOTION = "emotion"
    AFTER_SALE = "after_sale"
    LOW_CONFIDENCE = "low_confidence"
    REPEATED_FAILURE = "repeated_failure"


# Emotion and after-sale wait less: lower number = served first.
HANDOFF_PRIORITY: dict[HandoffReason, int] = {
    HandoffReason.EMOTION: 0,
    HandoffReason.AFTER_SALE: 1,
    HandoffReason.EXPLICIT_REQUEST: 2,
    HandoffReason.MEDIA_RULE: 2,
    HandoffReason.REPEATED_FAILURE: 2,
    HandoffReason.LOW_CONFIDENCE: 3,
    HandoffReason.WITH_HUMAN: 3,
}


class Outcome(BaseModel):
    """What happened to one accepted message. Stored once per platform message id."""

    message_id: str
    conversation_key: str
    action: Action
    reply: str | None = Field(default=None, description="text sent to the buyer, None when silent")
    handoff_reason: HandoffReason | None = None
    confidence: float = 0.0
    sources: list[str] = Field(default_factory=list)
    intent: str | None = None
    emotion: float = 0.0
    knowledge_version: str | None = None
