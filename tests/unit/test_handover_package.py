"""The handover package's summary and canned replies (docs/learning-loop.md, "The handover package adds")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kefu.handoff.canned import CannedReply, canned_replies, fill, order_values
from kefu.handoff.context import build_context
from kefu.handoff.summary import NO_ANSWER, summarize
from kefu.models.conversation import Mode, Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.models.shop import CannedReplyTemplate, Logistics, Order, ShopConfig

DEMO_SHOP = Path(__file__).resolve().parents[2] / "examples" / "shops" / "hair-dye"
T0 = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
HANDOFF_NOTICE = "亲，已为您转接人工客服，请稍等哦~"
PHONE = "13812345678"
ADDRESS = "浙江省杭州市余杭区良渚街道玉鸟路88号3栋201室"


def turn(role: Role, text: str, message_id: str, second: int, message_type: str = "text") -> Turn:
    return Turn(role=role, text=text, at=T0 + timedelta(seconds=second), message_id=message_id,
                message_type=message_type)


def ticket(reason: HandoffReason, trigger: str, **fields: object) -> HandoffTicket:
    return HandoffTicket.open("hair-dye-demo", "u1001", reason, trigger, enqueued_at=T0, **fields)


def shipped_order(**fields: object) -> Order:
    record = {
        "order_sn": "251121-604218735", "buyer_id": "u1001", "goods_id": "100001", "status": "已发货",
        "spec": "栗棕色 2盒装", "logistics": {"company": "中通快递", "tracking_no": "78316402851937"},
    }
    return Order.model_validate({**record, **fields})


# --- summary -------------------------------------------------------------------------------------------


def test_summary_of_a_typical_transcript() -> None:
    transcript = [
        turn(Role.BUYER, "这个染发剂会过敏吗", "m1", 0),
        turn(Role.BOT, "亲，每次染发前48小时，在耳后做皮肤过敏测试。48小时内没有红肿、瘙痒、刺痛再使用。", "m1", 1),
        turn(Role.BUYER, "我已经用了，头皮又红又痒", "m2", 2),
        turn(Role.BUYER, "怎么办啊", "m3", 3),
        turn(Role.BOT, HANDOFF_NOTICE, "m3", 4),
    ]
    wants, answered = summarize(ticket(HandoffReason.AFTER_SALE, "m3", goods_id="100001", order_status="已发货"),
                                transcript, shipped_order()).split("\n")
    assert wants == "买家想要：我已经用了，头皮又红又痒；怎么办啊（售后问题；商品：栗棕色 2盒装；订单：已发货）"
    # The bot's answer before the trigger, not the handoff notice it sent in reply to it.
    assert answered.startswith("机器人已答：每次染发前48小时，在耳后做皮肤过敏测试。")
    assert HANDOFF_NOTICE not in answered


def test_summary_is_short_and_cuts_long_texts() -> None:
    long_question = "你好我想问一下" + "这个颜色染出来到底是偏红还是偏黄，" * 5 + "能不能给我看看"
    long_answer = "亲，" + "栗棕色在自然光下偏暖，黑发基础上染出来会比色卡深一些，" * 4
    transcript = [turn(Role.BUYER, long_question, "m1", 0), turn(Role.BOT, long_answer, "m1", 1),
                  turn(Role.BUYER, "？？", "m2", 2)]
    wants, answered = summarize(ticket(HandoffReason.REPEATED_FAILURE, "m2"), transcript).split("\n")
    need = wants.removeprefix("买家想要：").split("（")[0]
    assert len(need) <= 40 and need.endswith("…")
    assert len(answered.removeprefix("机器人已答：")) <= 40 and not answered.startswith("机器人已答：亲")


def test_summary_without_a_bot_answer() -> None:
    transcript = [turn(Role.BUYER, "转人工", "m1", 0), turn(Role.BOT, HANDOFF_NOTICE, "m1", 1)]
    wants, answered = summarize(ticket(HandoffReason.EXPLICIT_REQUEST, "m1"), transcript).split("\n")
    assert answered == NO_ANSWER == "机器人未作答"
    assert wants == "买家想要：未说明（买家要求人工）"


@pytest.mark.parametrize("request_text", ["我要找人工", "麻烦帮我转一下人工好吗", "真人客服在吗"])
def test_a_bare_request_for_a_human_points_back_to_the_need(request_text: str) -> None:
    transcript = [
        turn(Role.BUYER, "能开发票吗", "m1", 0),
        turn(Role.BOT, "亲，可以的，下单后在订单详情里申请开票。", "m1", 1),
        turn(Role.BUYER, request_text, "m2", 2),
        turn(Role.BOT, HANDOFF_NOTICE, "m2", 3),
    ]
    wants, answered = summarize(ticket(HandoffReason.EXPLICIT_REQUEST, "m2"), transcript).split("\n")
    assert wants == "买家想要：能开发票吗（买家要求人工）"
    assert answered == "机器人已答：可以的，下单后在订单详情里申请开票。"


def test_a_media_handoff_says_what_was_sent() -> None:
    transcript = [turn(Role.BUYER, "[图片]", "m1", 0, "image"), turn(Role.BOT, HANDOFF_NOTICE, "m1", 1)]
    summary = summarize(ticket(HandoffReason.MEDIA_RULE, "m1", goods_id="100002"), transcript)
    assert summary == "买家想要：发来图片（图片/视频需人工查看；商品ID：100002）\n机器人未作答"


@pytest.mark.parametrize("text", [
    f"地址改一下：{ADDRESS}，电话{PHONE}",
    f"收件人张伟 {PHONE} {ADDRESS}",
    f"我的手机号是{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}，快递送到{ADDRESS}",
])
def test_buyer_phone_numbers_and_addresses_stay_out_of_the_summary(text: str) -> None:
    transcript = [turn(Role.BUYER, text, "m1", 0), turn(Role.BOT, HANDOFF_NOTICE, "m1", 1)]
    summary = summarize(ticket(HandoffReason.LOW_CONFIDENCE, "m1"), transcript)
    digits = "".join(ch for ch in summary if ch.isdigit())
    assert PHONE not in digits and "88" not in digits and "201" not in digits
    for private in ("玉鸟路", "良渚", "张伟"):
        assert private not in summary
    assert "[手机号]" in summary and "[地址]" in summary


def test_a_bot_answer_echoing_private_data_is_masked_too() -> None:
    transcript = [
        turn(Role.BUYER, "帮我看看寄到哪了", "m1", 0),
        turn(Role.BOT, f"亲，您的包裹寄往{ADDRESS}，联系电话{PHONE}。", "m1", 1),
        turn(Role.BUYER, "不对", "m2", 2),
    ]
    summary = summarize(ticket(HandoffReason.REPEATED_FAILURE, "m2"), transcript)
    assert PHONE not in summary and "玉鸟路" not in summary


def test_build_context_carries_the_summary_and_canned_replies() -> None:
    transcript = [turn(Role.BUYER, "到哪了", "m1", 0), turn(Role.BOT, HANDOFF_NOTICE, "m1", 1)]
    handoff = ticket(HandoffReason.LOW_CONFIDENCE, "m1", order_status="已发货")
    templates = [CannedReplyTemplate(title="物流", text="亲，{物流公司}单号{单号}")]
    package = build_context(handoff, transcript, Mode.HUMAN, shipped_order(), None, T0, canned=templates)
    assert package.summary.startswith("买家想要：到哪了（机器人没有把握；")
    assert package.canned_replies == [CannedReply(title="物流", text="亲，中通快递单号78316402851937")]
    # Existing callers pass no canned replies.
    assert build_context(handoff, transcript, Mode.HUMAN, None, None, T0).canned_replies == []


# --- canned replies ------------------------------------------------------------------------------------


def test_placeholders_are_filled_from_the_order() -> None:
    order = shipped_order(goods_name="植物染发膏")
    text = "亲，{商品}（订单{订单号}，{订单状态}）已由{物流公司}发出，单号{单号}"
    assert fill(text, order_values(order)) == (
        "亲，植物染发膏 栗棕色 2盒装（订单251121-604218735，已发货）已由中通快递发出，单号78316402851937"
    )
    # A Chinese input method types full-width braces for the same keys.
    assert fill("单号｛单号｝", order_values(order)) == "单号78316402851937"


def test_missing_values_keep_their_placeholder() -> None:
    unshipped = shipped_order(status="待发货", logistics=None, spec=None)
    text = "亲，订单{订单号}{订单状态}，发出后单号是{单号}（{物流公司}），商品{商品}"
    assert fill(text, order_values(unshipped)) == (
        "亲，订单251121-604218735待发货，发出后单号是{单号}（{物流公司}），商品{商品}"
    )
    assert fill(text, order_values(None)) == text
    no_waybill = shipped_order(logistics=Logistics(company="中通快递", tracking_no=""))
    assert fill("{物流公司}{单号}", order_values(no_waybill)) == "中通快递{单号}"


@pytest.mark.parametrize("text", ["亲{^_^}我们{优惠券}满59减5", "{ 单号 }", "{单号", "{{单号}}x", "{}{0}{订单}"])
def test_unknown_braces_are_left_untouched(text: str) -> None:
    filled = fill(text, order_values(shipped_order()))
    if "{{单号}}" in text:  # the inner key is a placeholder; the outer braces are the merchant's
        assert filled == "{78316402851937}x"
    else:
        assert filled == text


def test_canned_replies_keep_titles_and_order() -> None:
    templates = [CannedReplyTemplate(title="催发货", text="亲，{订单状态}的订单48小时内发出"),
                 CannedReplyTemplate(title="问候", text="亲，在的~")]
    assert canned_replies(templates, shipped_order(status="待发货")) == [
        CannedReply(title="催发货", text="亲，待发货的订单48小时内发出"),
        CannedReply(title="问候", text="亲，在的~"),
    ]


# --- shop.json -----------------------------------------------------------------------------------------


def test_shop_config_without_canned_replies() -> None:
    shop = ShopConfig.model_validate({"shop_id": "s1", "shop_name": "小店"})
    assert shop.canned_replies == []


def test_shop_config_with_canned_replies() -> None:
    shop = ShopConfig.model_validate({
        "shop_id": "s1", "shop_name": "小店",
        "canned_replies": [{"title": "物流", "text": "亲，{物流公司}{单号}"}],
    })
    assert shop.canned_replies == [CannedReplyTemplate(title="物流", text="亲，{物流公司}{单号}")]
    with pytest.raises(ValueError):
        ShopConfig.model_validate({"shop_id": "s1", "shop_name": "小店", "canned_replies": [{"title": "物流"}]})


def test_the_demo_shop_canned_replies_load() -> None:
    shop = ShopConfig.model_validate(json.loads((DEMO_SHOP / "shop.json").read_text("utf-8")))
    assert 3 <= len(shop.canned_replies) <= 4
    assert len({reply.title for reply in shop.canned_replies}) == len(shop.canned_replies)
    filled = canned_replies(shop.canned_replies, shipped_order())
    assert any("78316402851937" in reply.text for reply in filled)
    assert not any(key in reply.text for reply in filled for key in ("{物流公司}", "{单号}", "{订单号}", "{订单状态}"))
