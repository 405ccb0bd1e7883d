"""Does the retrieved item fit the question: asked kinds of value, needs the shop never names, shared meaning,
and how the offline composer picks and cuts what it quotes."""

from __future__ import annotations

import pytest

from kefu.answering.offline_composer import OfflineComposer
from kefu.knowledge.embedded import NO_MEANING_CAP, UNKNOWN_NEED_CAP, EmbeddedIndex
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot, SearchHit
from kefu.models.shop import ShopConfig
from kefu.understanding.features import ConceptTable, stated_answer_types

SHOP = ShopConfig.model_validate({"shop_id": "s1", "shop_name": "测试店"})


def _item(item_id: str, title: str, answer: str, questions: list[str] | None = None,
          kind: ItemKind = ItemKind.RULE_SECTION, source: str | None = None) -> KnowledgeItem:
    return KnowledgeItem(item_id=item_id, shop_id="s1", kind=kind, title=title, questions=questions or [],
                         answer=answer, source=source or f"rules/x.md#{item_id}")


@pytest.fixture(scope="module")
def index() -> EmbeddedIndex:
    items = [
        _item("freight", "运费", "偏远地区不包邮，需补5元运费；其他地区包邮。", ["运费多少", "包邮吗"]),
        _item("arrival", "送达时间", "一般2-4天送达，偏远地区4-7天。", ["几天能到"]),
        _item("case", "手机壳", "四角气囊设计，通过1.5米跌落测试。", ["防摔吗"]),
    ]
    return EmbeddedIndex(KnowledgeSnapshot(shop_id="s1", version="v1", shop=SHOP, items=items))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一般1-3个工作日开好", {"duration"}),
        ("保质期3年", {"duration"}),
        ("停留20-30分钟", {"duration"}),
        ("两到三天送达", {"duration"}),
        ("拼单价39.9元", {"price"}),
        ("2025年生产", set()),
        ("3月发货", set()),
    ],
)
def test_stated_answer_types(text: str, expected: set[str]) -> None:
    assert stated_answer_types(text) == expected


def test_a_duration_asked_inside_a_topic_form_still_counts() -> None:
    # 多久 is part of the arrival form 多久能到, and still asks for a duration.
    assert {"arrival", "duration"} <= ConceptTable.load().find("补完运费多久能到")


def test_price_complaints_are_bargaining_not_price_questions() -> None:
    found = ConceptTable.load().find("还是贵了 有点贵")
    assert "bargain" in found and "price" not in found


def test_an_item_stating_no_value_of_the_asked_kind_loses(index: EmbeddedIndex) -> None:
    hits = index.search("补完运费多久能到")
    assert hits[0].item.item_id == "arrival"


def test_an_object_the_shop_never_names_caps_the_confidence(index: EmbeddedIndex) -> None:
    assert index.unknown_needs(index.normalizer.normalize("买壳送不送挂绳").text) == {"object:挂绳"}
    assert all(hit.score <= UNKNOWN_NEED_CAP for hit in index.search("买壳送不送挂绳"))


def test_an_item_sharing_no_word_or_need_is_capped(index: EmbeddedIndex) -> None:
    assert all(hit.score <= NO_MEANING_CAP for hit in index.search("你们老板是谁"))


def _hit(item: KnowledgeItem, raw: float, score: float = 0.9) -> SearchHit:
    return SearchHit(item=item, score=score, lexical=0.0, vector=0.0, raw=raw)


def test_composer_skips_a_second_item_that_repeats_the_first() -> None:
    first = _item("a", "配方", "配方：低氨配方，含对苯二胺。", source="products/1.html#配方")
    same = _item("b", "配方", "配方：低氨配方（含对苯二胺）。", source="products/1.json#attr/配方")
    fuller = _item("c", "配方", "配方：低氨配方；添加何首乌、侧柏叶等植物提取物。",
                   source="products/1.json#detail/配方")
    reply = OfflineComposer().compose("加了哪些植物", [_hit(first, 0.3), _hit(same, 0.3), _hit(fuller, 0.28)], {})
    assert reply is not None and "何首乌" in reply.text


def test_composer_adds_an_item_for_a_kind_of_value_the_first_lacks() -> None:
    volume = _item("v", "净含量", "净含量：300ml。", source="products/3.json#attr/净含量")
    price = _item("p", "规格价格", "规格价格：300ml，29.9元。", source="products/3.json#detail/规格价格")
    reply = OfflineComposer().compose("容量多大 价钱多少", [_hit(volume, 0.3), _hit(price, 0.27)], {})
    assert reply is not None and "29.9" in reply.text


def test_composer_cuts_a_long_list_to_the_asked_entries_under_their_heading() -> None:
    models = [f"型号{n} 高清 2片装 15.9元" for n in range(1, 20)]
    answer = "拼单价：" + "，".join([*models, "小米14 防窥 2片装 19.9元"]) + "。\n单独购买：" + "，".join(
        [*models, "小米14 防窥 2片装 23.9元"]) + "。"
    price = _item("price", "钢化膜 价格", answer, kind=ItemKind.PRODUCT_FACT, source="products/3.json#price")
    reply = OfflineComposer().compose("小米14防窥膜多少钱", [_hit(price, 0.4)], {})
    assert reply is not None
    assert "小米14 防窥 2片装 19.9元" in reply.text and "单独购买" in reply.text
    assert reply.text.index("单独购买") < reply.text.index("23.9")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("iPhone15Pro黑色", "iphone 15 pro黑色"), ("mate60pro有吗", "mate 60 pro有吗"), ("15ProMax", "15 pro max")],
)
def test_model_names_read_alike_run_together_or_spaced(raw: str, expected: str) -> None:
    from kefu.understanding.normalize import Normalizer

    assert Normalizer().normalize(raw).text == expected


def test_a_guessed_follow_up_must_share_a_word_of_its_own() -> None:
    from kefu.models.conversation import ConversationState
    from kefu.reception.knowledge_cache import brain_from_snapshot

    items = [
        _item("invoice", "发票多久开好", "提交申请后一般1-3个工作日开好。", ["发票多久能开好"]),
        _item("ship", "发货时间", "付款后48小时内发货。", ["什么时候发货"]),
    ]
    brain = brain_from_snapshot(KnowledgeSnapshot(shop_id="s1", version="v1", shop=SHOP, items=items))
    state = ConversationState(shop_id="s1", buyer_id="b1", last_query="能开发票吗")
    asks_value = brain.understander.understand("申请完多久能拿到", state)
    assert asks_value.is_followup and asks_value.implicit_followup
    off_topic = brain.understander.understand("你们店开了几年了", state)
    assert off_topic.implicit_followup
    hits = brain.index.search_normalized(off_topic.text, context=state.last_query, own_meaning=True)
    assert all(hit.score <= NO_MEANING_CAP for hit in hits)
    assert not brain.understander.understand("你们老板是谁", state).is_followup


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("我长期吃药 能用吗", "medical_condition"),
        ("这壳几毫米厚", "physical_spec"),
        ("防不防蓝光", "blue_light"),
        ("能带上高铁吗", "air_travel"),
    ],
)
def test_needs_this_shop_never_mentions(index: EmbeddedIndex, text: str, need: str) -> None:
    assert need in index.unknown_needs(index.normalizer.normalize(text).text)
