"""PII finding and masking (kefu.privacy.pii)."""

from __future__ import annotations

import time

import pytest

from kefu.privacy.pii import (
    ADDRESS,
    EMAIL,
    ID_CARD,
    MOBILE,
    NAME,
    ORDER_NO,
    PHONE,
    TRACKING_NO,
    find_pii,
    mask_pii,
)


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("17700008812", "17700008812", MOBILE),
        ("电话 138 1234 5678 谢谢", "138 1234 5678", MOBILE),
        ("打我电话138-1234-5678", "138-1234-5678", MOBILE),
        ("+86 13912345678", "13912345678", MOBILE),
        ("座机 010-62345678", "010-62345678", PHONE),
        ("客服热线 400-123-4567", "400-123-4567", PHONE),
        ("身份证 110105199003071234", "110105199003071234", ID_CARD),
        ("251019-502837461 帮我看看到哪了", "251019-502837461", ORDER_NO),
        ("订单号251102-384756102", "251102-384756102", ORDER_NO),
        ("麻烦看下物流 单号4320917736280", "4320917736280", ORDER_NO),
        ("SF1234567890123 顺丰单号", "SF1234567890123", TRACKING_NO),
        ("邮箱 zhang.san@example.com", "zhang.san@example.com", EMAIL),
        ("四川省成都市武侯区桐梓林北路9号附2号 陈美玲 18800001934", "桐梓林北路9号附2号", ADDRESS),
        ("地址上海市闵行区春申路1288弄12号402 电话13600002419", "春申路1288弄12号402", ADDRESS),
        ("改好了 河南省周口市川汇区七一路富民小区8号楼2单元 王秀兰", "富民小区8号楼2单元", ADDRESS),
        ("收货地址：浙江省杭州市西湖区文三路100号", "文三路100号", ADDRESS),
        ("收件人：张三丰", "张三丰", NAME),
        ("我叫李小龙", "李小龙", NAME),
        ("13800004521 姓刘", "刘", NAME),
        ("好的刘姐 已经登记了", "刘姐", NAME),
        ("河南省周口市川汇区七一路富民小区8号楼2单元 王秀兰 15900007788", "王秀兰", NAME),
    ],
)
def test_masks_each_kind(text: str, secret: str, placeholder: str) -> None:
    masked = mask_pii(text)
    assert secret not in masked
    assert placeholder in masked
    assert any(secret in found or found in secret for found in find_pii(text))


@pytest.mark.parametrize(
    "text",
    [
        "亲 我们在广东广州发货哦",
        "亲 付款后48小时内发货哦，一般3-5天送达，2盒装69.9",
        "短发1盒就够，长发过肩2盒，停留20-30分钟，一瓶200ml",
        "店铺券满59减5，39.9+29.9=69.8",
        "新疆、西藏、青海偏远地区不包邮，需补10元运费",
        "姐妹们都说这个泡泡的好用",
        "一路顺风 马路上 到哪了 我在湖南",
        "亲 您的包裹已经到达广州转运中心，正在发往您所在的城市哦",
        "保质期3年，生产日期在盒子底部",
        "签收后48小时内联系客服，提供照片",
    ],
)
def test_leaves_ordinary_shop_text_alone(text: str) -> None:
    assert find_pii(text) == []
    assert mask_pii(text) == text


def test_masks_a_full_address_line() -> None:
    text = "拍了 地址是青海省西宁市城西区胜利路幸福小区3号楼501 马桂英 18700003366 没错吧"
    masked = mask_pii(text)
    for secret in ("胜利路", "501", "马桂英", "18700003366", "西宁市城西区"):
        assert secret not in masked
    assert masked.startswith("拍了") and masked.endswith("没错吧")


def test_masking_is_idempotent_and_empty_safe() -> None:
    text = "电话13600002419 地址上海市闵行区春申路1288弄12号402"
    once = mask_pii(text)
    assert mask_pii(once) == once
    assert find_pii(once) == []
    assert mask_pii("") == "" and find_pii("") == []


def test_fast_enough_for_logging() -> None:
    lines = ["亲 我地址写错了 河南省周口市川汇区七一路富民小区8号楼2单元 王秀兰 15900007788"] * 2000
    started = time.perf_counter()
    for line in lines:
        mask_pii(line)
    assert (time.perf_counter() - started) / len(lines) < 0.001  # < 1 ms a line
