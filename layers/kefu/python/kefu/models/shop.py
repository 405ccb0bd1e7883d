"""The shop bundle's settings and records (shared/formats.md §1)."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ORDER_STATUSES = ("未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消")
NO_ORDER = "未下单"
OrderStatus = Literal["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]


class AgentHours(BaseModel):
    start: time = time(9, 0)
    end: time = time(23, 0)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # a shift across midnight


class MediaToHuman(BaseModel):
    image: list[OrderStatus] = Field(default_factory=lambda: list(ORDER_STATUSES))  # type: ignore[arg-type]
    video: list[OrderStatus] = Field(default_factory=list)


class CannedReplyTemplate(BaseModel):
    """A reply the shop's agents send often, as written in shop.json.

    The text may hold order placeholders ({物流公司}, {单号}, {订单号}, {订单状态}, {商品}); the handover
    package fills them from the buyer's order (kefu.handoff.canned).
    """

    # Generous bounds: a bad entry fails the whole bundle at learn time, so only nonsense is refused.
    title: str = Field(min_length=1, max_length=60, description="the button label in the agent console")
    text: str = Field(min_length=1, max_length=2000, description="one chat message")


class ShopConfig(BaseModel):
    model_config = ConfigDict(extra="allow")

    shop_id: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    shop_name: str
    platform: str = "pdd"
    timezone: str = "Asia/Shanghai"
    agent_hours: AgentHours = Field(default_factory=AgentHours)
    greeting: str = "亲，在的~ 有什么可以帮您？"
    handoff_message: str = "亲，已为您转接人工客服，请稍等哦~"
    offline_message: str = "亲，人工客服暂时不在线，已为您登记，客服上线后第一时间回复您~"
    media_to_human: MediaToHuman = Field(default_factory=MediaToHuman)
    handoff_keywords: list[str] = Field(default_factory=list)
    after_sale_to_human: bool = True
    # Optional extensions (formats.md allows optional fields).
    forbidden_words: list[str] = Field(default_factory=list, description="extra words never sent to buyers")
    lexicon: dict[str, str] = Field(default_factory=dict, description="shop-specific colloquial → standard words")
    sla_minutes: int = Field(default=3, ge=1, le=24 * 60)
    canned_replies: list[CannedReplyTemplate] = Field(
        default_factory=list, description="the agents' canned replies, offered in the handover package"
    )


class Sku(BaseModel):
    model_config = ConfigDict(extra="allow")

    sku_id: str
    spec: str
    price_yuan: float
    stock: int = 0
    single_price_yuan: float | None = None
    on_sale: bool = True  # the platform's is_onsale; an off-sale spec can't be bought


class Product(BaseModel):
    model_config = ConfigDict(extra="allow")

    goods_id: str
    goods_name: str
    category: str = ""
    price_yuan: float
    skus: list[Sku] = Field(default_factory=list)
    detail: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)


class LogisticsEvent(BaseModel):
    time: str
    desc: str
    action: str | None = Field(default=None, description="the carrier's node code: GOT, SEND, SIGN, ...")


class Logistics(BaseModel):
    company: str
    tracking_no: str = ""
    company_code: str | None = Field(default=None, description="the platform's carrier code, e.g. ZTO")
    events: list[LogisticsEvent] = Field(default_factory=list)


class Order(BaseModel):
    model_config = ConfigDict(extra="allow")

    order_sn: str
    buyer_id: str
    goods_id: str | None = None
    status: OrderStatus
    created_at: str = ""
    spec: str | None = None
    quantity: int = 1
    logistics: Logistics | None = None
