"""Buyer messages as they arrive from the platform (the webhook's body)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Ids travel into DynamoDB keys and SQS group ids: keep them to a safe alphabet.
SAFE_ID = r"^[A-Za-z0-9_.:@~\-]{1,96}$"
MAX_TEXT_CHARS = 2000


class MessageType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    GOODS_CARD = "goods_card"
    ORDER_CARD = "order_card"


class _MessageBase(BaseModel):
    # hide_input_in_errors: a validation error names the field, never quotes the buyer's text into a log.
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    shop_id: str = Field(pattern=SAFE_ID)
    buyer_id: str = Field(pattern=SAFE_ID)
    message_id: str = Field(pattern=SAFE_ID, description="the platform's id, used for deduplication")
    sent_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    goods_id: str | None = Field(default=None, pattern=SAFE_ID, description="goods the chat was opened from")

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class TextMessage(_MessageBase):
    type: Literal[MessageType.TEXT] = MessageType.TEXT
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class ImageMessage(_MessageBase):
    type: Literal[MessageType.IMAGE] = MessageType.IMAGE
    media_url: str | None = Field(default=None, max_length=1024)
    text: str = "[图片]"


class VideoMessage(_MessageBase):
    type: Literal[MessageType.VIDEO] = MessageType.VIDEO
    media_url: str | None = Field(default=None, max_length=1024)
    text: str = "[视频]"


class GoodsCardMessage(_MessageBase):
    type: Literal[MessageType.GOODS_CARD] = MessageType.GOODS_CARD
    goods_id: str = Field(pattern=SAFE_ID)
    goods_name: str | None = Field(default=None, max_length=200)
    text: str = "[商品]"


class OrderCardMessage(_MessageBase):
    type: Literal[MessageType.ORDER_CARD] = MessageType.ORDER_CARD
    order_sn: str = Field(pattern=SAFE_ID)
    text: str = "[订单]"


BuyerMessage = Annotated[
    TextMessage | ImageMessage | VideoMessage | GoodsCardMessage | OrderCardMessage,
    Field(discriminator="type"),
]


class QueuedMessage(BaseModel):
    """What the webhook puts on the FIFO queue: the message plus when we accepted it."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    message: BuyerMessage
    received_at: datetime

    @property
    def conversation_key(self) -> str:
        return conversation_key(self.message.shop_id, self.message.buyer_id)


def conversation_key(shop_id: str, buyer_id: str) -> str:
    """One conversation per shop and buyer; also the FIFO message group id."""
    return f"{shop_id}#{buyer_id}"
