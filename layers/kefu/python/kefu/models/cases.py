"""Evaluation cases and replay output (shared/formats.md §2 and §3)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.models.decision import Action, HandoffReason


class Expectation(BaseModel):
    action: Action
    facts: list[list[str]] = Field(default_factory=list)
    reason: HandoffReason | None = None
    # Optional extension for size turns: the exact sizes a right reply recommends ([] = it must name none).
    sizes: list[str] | None = None


class CaseTurn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["text", "image", "video"] = "text"
    text: str = ""
    expect: Expectation


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    buyer_id: str
    order_status: str | None = None
    goods_id: str | None = None
    category: str | None = None
    turns: list[CaseTurn]


class ReplayRecord(BaseModel):
    case_id: str
    turn: int
    action: Action
    reply: str | None
    handoff_reason: HandoffReason | None = None
    confidence: float
    sources: list[str] = Field(default_factory=list)
    latency_ms: float
    knowledge_version: str | None = None  # optional extension: which learned version answered
