"""The decision logic for one message: handoff rules in order, then answer from knowledge."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.models.conversation import ConversationState, Mode
from kefu.models.decision import Action, HandoffReason
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.messages import ImageMessage, TextMessage, VideoMessage
from kefu.models.shop import Order, ShopConfig
from kefu.reception.brain import ShopBrain
from kefu.reception.knowledge_cache import brain_from_snapshot

SHOP = ShopConfig.model_validate(
    {
        "shop_id": "s1",
        "shop_name": "测试店",
        "agent_hours": {"start": "09:00", "end": "23:00"},
        "handoff_message": "转人工啦",
        "offline_message": "下班啦",
        "media_to_human": {"image": ["已发货"], "video": ["交易成功"]},
        "handoff_keywords": ["人工"],
    }
)
NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
MIDNIGHT = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 01:00 in Asia/Shanghai


def _item(item_id: str, title: str, answer: str, questions: list[str] | None = None) -> KnowledgeItem:
    return KnowledgeItem(item_id=item_id, shop_id="s1", kind=ItemKind.RULE_SECTION, title=title,
                         questions=questions or [], answer=answer, source=f"rules/x.md#{item_id}")


@pytest.fixture(scope="module")
def brain() -> ShopBrain:
    items = [
        _item("ship", "发货时间", "付款后48小时内发货。", ["什么时候发货", "多久发货"]),
        _item("freight", "运费", "新疆、西藏偏远地区不包邮，需补10元运费；其他地区包邮。", ["包邮吗", "运费多少"]),
        _item("invoice", "发票", "确认收货后可以在订单详情里申请电子发票。", ["能开发票吗"]),
    ]
    return brain_from_snapshot(KnowledgeSnapshot(shop_id="s1", version="v1", shop=SHOP, items=items))


def _text(text: str, message_id: str = "m1") -> TextMessage:
    return TextMessage(shop_id="s1", buyer_id="b1", message_id=message_id, text=text)


def _state(**fields: object) -> ConversationState:
    return ConversationState(shop_id="s1", buyer_id="b1", **fields)  # type: ignore[arg-type]


def _order(status: str) -> Order:
    return Order(order_sn="o1", buyer_id="b1", status=status)  # type: ignore[arg-type]


def test_answers_a_paraphrase_from_knowledge(brain: ShopBrain) -> None:
    reply = brain.respond(_text("亲 啥时候能发或呀"), _state(), None, NOON)
    assert reply.outcome.action == Action.ANSWER
    assert "48小时" in (reply.outcome.reply or "")
    assert reply.outcome.sources == ["rules/x.md#ship"]
    assert reply.outcome.knowledge_version == "v1"


def test_human_holds_conversation_bot_stays_silent(brain: ShopBrain) -> None:
    reply = brain.respond(_text("什么时候发货"), _state(mode=Mode.HUMAN), None, NOON)
    assert reply.outcome.action == Action.HANDOFF
    assert reply.outcome.handoff_reason == HandoffReason.WITH_HUMAN
    assert reply.outcome.reply is None
    assert reply.ticket is None


@pytest.mark.parametrize(
    ("message", "order", "handoff"),
    [
        (ImageMessage(shop_id="s1", buyer_id="b1", message_id="m1"), "已发货", True),
        (ImageMessage(shop_id="s1", buyer_id="b1", message_id="m1"), None, False),  # 未下单 not in the image list
        (VideoMessage(shop_id="s1", buyer_id="b1", message_id="m1"), "交易成功", True),
        (VideoMessage(shop_id="s1", buyer_id="b1", message_id="m1"), "已发货", False),
    ],
)
def test_media_rule_follows_the_shop_lists(brain: ShopBrain, message, order, handoff) -> None:  # type: ignore[no-untyped-def]
    reply = brain.respond(message, _state(), _order(order) if order else None, NOON)
    if handoff:
        assert reply.outcome.handoff_reason == HandoffReason.MEDIA_RULE
        assert reply.ticket is not None
    else:
        assert reply.outcome.action == Action.ANSWER
        assert "收到" in (reply.outcome.reply or "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("给我转人工", HandoffReason.EXPLICIT_REQUEST),
        ("什么破店 骗子 我要投诉", HandoffReason.EMOTION),
        ("我要退货 退货地址发我", HandoffReason.AFTER_SALE),
        ("你们招代理吗 想批发", HandoffReason.LOW_CONFIDENCE),
    ],
)
def test_handoff_reasons(brain: ShopBrain, text: str, reason: HandoffReason) -> None:
    reply = brain.respond(_text(text), _state(), _order("交易成功"), NOON)
    assert reply.outcome.action == Action.HANDOFF
    assert reply.outcome.handoff_reason == reason
    assert reply.outcome.reply == "转人工啦"
    assert reply.state.mode == Mode.HUMAN
    assert reply.ticket is not None and reply.ticket.reason == reason


def test_a_buyer_without_an_order_is_not_in_after_sale(brain: ShopBrain) -> None:
    with_order = brain.respond(_text("我要退货 退货地址发我"), _state(), _order("交易成功"), NOON)
    without = brain.respond(_text("我要退货 退货地址发我"), _state(), None, NOON)
    assert with_order.outcome.handoff_reason == HandoffReason.AFTER_SALE
    assert without.outcome.handoff_reason != HandoffReason.AFTER_SALE


def test_emotion_and_after_sale_are_served_first(brain: ShopBrain) -> None:
    angry = brain.respond(_text("骗子店 我要投诉"), _state(), None, NOON).ticket
    unsure = brain.respond(_text("你们招代理吗"), _state(), None, NOON).ticket
    assert angry is not None and unsure is not None
    assert angry.priority < unsure.priority


def test_outside_agent_hours_gets_offline_message_and_stays_queued(brain: ShopBrain) -> None:
    reply = brain.respond(_text("转人工"), _state(), None, MIDNIGHT)
    assert reply.outcome.reply == "下班啦"
    assert reply.ticket is not None and reply.ticket.outside_hours


def test_repeated_failure_after_two_answers_on_the_same_need(brain: ShopBrain) -> None:
    state = _state()
    for message_id in ("m1", "m2"):
        reply = brain.respond(_text("什么时候发货", message_id), state, None, NOON)
        assert reply.outcome.action == Action.ANSWER
        state = reply.state
    third = brain.respond(_text("到底什么时候发货", "m3"), state, None, NOON)
    assert third.outcome.handoff_reason == HandoffReason.REPEATED_FAILURE


def test_followup_is_resolved_against_the_previous_need(brain: ShopBrain) -> None:
    first = brain.respond(_text("寄新疆包邮吗"), _state(), None, NOON)
    assert "10元" in (first.outcome.reply or "")
    second = brain.respond(_text("那西藏呢", "m2"), first.state, None, NOON)
    assert second.outcome.action == Action.ANSWER
    assert "10元" in (second.outcome.reply or "")


def test_entities_use_the_shops_own_catalogue() -> None:
    facts = [
        KnowledgeItem(item_id="c", shop_id="s1", kind=ItemKind.PRODUCT_FACT, title="染发剂 颜色",
                      answer="染发剂 颜色：自然黑/深棕色/奶茶色。", source="products/1.json#attr/颜色", goods_id="1"),
        KnowledgeItem(item_id="m", shop_id="s1", kind=ItemKind.PRODUCT_FACT, title="手机壳 适配机型",
                      answer="手机壳 适配机型：iPhone 15/iPhone 15 Pro。", source="products/2.json#attr/适配机型",
                      goods_id="2"),
    ]
    brain = brain_from_snapshot(KnowledgeSnapshot(shop_id="s1", version="v1", shop=SHOP, items=facts))
    u = brain.understander.understand("奶茶色还有货吗 iphone 15 pro能用吗 要2盒")
    assert u.entities.colours == ["奶茶色"]
    assert "iphone 15 pro" in u.entities.sizes
    assert u.entities.quantities == ["2盒"]


def test_each_question_of_a_message_gets_its_answer(brain: ShopBrain) -> None:
    reply = brain.respond(_text("什么时候发货 能开发票吗"), _state(), None, NOON).outcome
    assert reply.action == Action.ANSWER and reply.reply is not None
    assert "48小时" in reply.reply and "电子发票" in reply.reply
    assert sorted(reply.sources) == ["rules/x.md#invoice", "rules/x.md#ship"]


def test_a_second_question_without_a_sure_answer_adds_nothing(brain: ShopBrain) -> None:
    reply = brain.respond(_text("什么时候发货 你们老板是哪里人啊"), _state(), None, NOON).outcome
    assert reply.action == Action.ANSWER and reply.reply is not None
    assert reply.sources == ["rules/x.md#ship"]
