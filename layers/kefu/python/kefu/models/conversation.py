"""Conversation state kept between messages (DynamoDB)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Mode(StrEnum):
    BOT = "bot"
    HUMAN = "human"


class Role(StrEnum):
    BUYER = "buyer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Turn(BaseModel):
    role: Role
    text: str
    at: datetime
    message_id: str | None = None
    message_type: str = "text"
    intent: str | None = None
    sources: list[str] = Field(default_factory=list)


class ConversationState(BaseModel):
    shop_id: str
    buyer_id: str
    mode: Mode = Mode.BOT
    order_status: str | None = Field(default=None, description="cached result of the platform's order look-up")
    order_sn: str | None = None
    goods_id: str | None = None
    last_topic: str | None = Field(default=None, description="topic of the last answered need, for follow-ups")
    last_query: str | None = Field(default=None, description="normalised text of the last answered need")
    last_item_ids: list[str] = Field(default_factory=list)
    bot_answers_on_topic: int = 0
    version: int = 0
