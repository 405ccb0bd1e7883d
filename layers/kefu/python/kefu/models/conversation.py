"""Conversation state kept between messages (DynamoDB)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from kefu.models.sizing import Measure


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
    # Size advice (sizing/): the buyer's measures in canonical units, kept for follow-ups on any product.
    measures: dict[Measure, float] = Field(default_factory=dict)
    usual_size: str | None = None
    size_goods_id: str | None = Field(default=None, description="the product the last size advice was for")
    size_pending: bool = Field(default=False, description="the agent asked for a measure and waits for it")
    size_advised: bool = Field(default=False, description="the last answer named a size")
    size_variant: str | None = Field(default=None, description="male / female / child, when the buyer said whom for")
    size_traits: list[str] = Field(default_factory=list, description="what the buyer said of their body or wish "
                                   "(脚胖, 喜欢宽松), kept like the measures")
    version: int = 0
