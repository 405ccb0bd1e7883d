"""Does the retrieved item fit the question: asked kinds of value, needs the shop never names, shared meaning,
and how the offline composer picks the sentences it quotes. Runs the real encoder and the trained models."""

from __future__ import annotations

import pytest

from kefu.answering.offline_composer import OfflineComposer
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot, Passage, SearchHit
from kefu.models.shop import ShopConfig
from kefu.retrieval.search import KnowledgeSearch
from kefu.understanding.features import ConceptTable, stated_answer_types

SHOP = ShopConfig.model_validate({"shop_id": "s1", "shop_name": "测试店"})


def _item(item_id: str, title: str, answer: str, questions: list[str] | None = None,
          kind: ItemKind = ItemKind.RULE_SECTION, source: str | None = None) -> KnowledgeItem:
    return KnowledgeItem(item_id=item_id, shop_id="s1", kind=kind, title=title, questions=questions or [],
                         answer=answer, source=source or f"rules/x.md#{item_id}")


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeSearch:
    items = [
        _item("freight", "运费", "偏远地区不包邮，需补5元运费；其他地区包邮。", ["运费多少", "包邮吗"]),
        _item("arrival", "送达时间", "一般2-4天送达，偏远地区4-7天。", ["几天能到"]),
        _item("case", "手机壳", "四角气囊设计，通过1.5米跌落测试。", ["防摔吗"]),
        _item("invoice", "发票", "确认收货后可以在订单详情里申请电子发票。提交申请后一般1-3个工作日开好。"),
    ]
    return KnowledgeSearch(KnowledgeSnapshot(shop_id="s1", version="v1", shop=SHOP, items=items))


def _search(knowledge: KnowledgeSearch, text: str) -> list[SearchHit]:
    return knowledge.search_text(text)


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


def test_the_item_that_states_the_asked_kind_of_value_wins(knowledge: KnowledgeSearch) -> None:
    assert _search(knowledge, "补完运费多久能到")[0].item.item_id == "arrival"


def test_an_answerable_paraphrase_clears_the_threshold(knowledge: KnowledgeSearch) -> None:
    hits = _search(knowledge, "发票啥时候能开出来")
    assert hits[0].item.item_id == "invoice" and hits[0].score >= knowledge.threshold


def test_an_object_the_shop_never_names_stays_below_the_threshold(knowledge: KnowledgeSearch) -> None:
    assert knowledge.unknown_needs(knowledge.normalizer.normalize("买壳送不送挂绳").text) == {"object:挂绳"}
    assert all(hit.score < knowledge.threshold for hit in _search(knowledge, "买壳送不送挂绳"))


def test_a_question_sharing_no_meaning_stays_below_the_threshold(knowledge: KnowledgeSearch) -> None:
    assert all(hit.score < knowledge.threshold for hit in _search(knowledge, "你们老板是谁"))


def test_every_hit_carries_its_sentences_best_first(knowledge: KnowledgeSearch) -> None:
    hit = _search(knowledge, "发票多久能开好")[0]
    assert hit.passages[0].text == "提交申请后一般1-3个工作日开好。"
    assert [p.score for p in hit.passages] == sorted((p.score for p in hit.passages), reverse=True)


def _hit(item: KnowledgeItem, score: float, passages: list[tuple[str, float]]) -> SearchHit:
    return SearchHit(item=item, score=score, passages=[Passage(text=t, score=s, position=i)
                                                       for i, (t, s) in enumerate(passages)])


def test_composer_quotes_the_answering_sentence_not_the_section() -> None:
    usage = _item("u", "使用方法", "1. 先做皮肤测试。\n2. 涂抹后停留20-30分钟。\n3. 用温水冲洗干净。")
    hit = _hit(usage, 0.9, [("涂抹后停留20-30分钟。", 0.95), ("先做皮肤测试。", 0.05), ("用温水冲洗干净。", 0.04)])
    hit.passages.sort(key=lambda p: -p.score)
    reply = OfflineComposer(extra_min=0.3).compose("涂上要等多久", [hit], {})
    assert reply is not None and reply.text == "亲，涂抹后停留20-30分钟。"


def test_composer_adds_another_sentence_the_picker_is_sure_of_in_answer_order() -> None:
    rule = _item("r", "刻字", "刻字免费。最多刻10个汉字。刻字商品不支持无理由退货。")
    hit = _hit(rule, 0.9, [("刻字免费。", 0.9), ("最多刻10个汉字。", 0.8), ("刻字商品不支持无理由退货。", 0.1)])
    hit.passages.sort(key=lambda p: -p.score)  # best first, as the picker returns them
    reply = OfflineComposer(extra_min=0.3).compose("刻字收钱吗 能刻几个字", [hit], {})
    assert reply is not None and reply.text == "亲，刻字免费。最多刻10个汉字。"


def test_the_sentence_with_the_asked_value_leads() -> None:
    usage = _item("u", "使用方法", "先做皮肤过敏测试。涂抹后停留20-30分钟。")
    hit = _hit(usage, 0.9, [("先做皮肤过敏测试。", 0.6), ("涂抹后停留20-30分钟。", 0.95)])
    hit.passages.sort(key=lambda p: -p.score)
    reply = OfflineComposer(extra_min=0.3).compose("涂上去要捂多久", [hit], {"asked_types": "duration"})
    assert reply is not None and reply.text == "亲，涂抹后停留20-30分钟。先做皮肤过敏测试。"


def test_steps_stay_in_their_order_for_a_how_to_question() -> None:
    usage = _item("u", "使用方法", "戴好手套。两剂混合摇匀。涂抹在干发上。温水冲洗干净。")
    hit = _hit(usage, 0.9, [("戴好手套。", 0.35), ("两剂混合摇匀。", 0.4), ("涂抹在干发上。", 0.45),
                            ("温水冲洗干净。", 0.5)])
    hit.passages.sort(key=lambda p: -p.score)
    reply = OfflineComposer(extra_min=0.3).compose("怎么用", [hit], {"asked_types": ""})
    assert reply is not None and reply.text == "亲，戴好手套。两剂混合摇匀。涂抹在干发上。温水冲洗干净。"


def test_composer_skips_a_second_item_that_repeats_the_first() -> None:
    first = _item("a", "配方", "配方：低氨配方，含对苯二胺。", source="products/1.html#配方")
    same = _item("b", "配方", "配方：低氨配方（含对苯二胺）。", source="products/1.json#attr/配方")
    reply = OfflineComposer(extra_min=0.3).compose(
        "什么配方", [_hit(first, 0.9, [("配方：低氨配方，含对苯二胺。", 0.9)]),
                     _hit(same, 0.9, [("配方：低氨配方（含对苯二胺）。", 0.95)])], {})
    assert reply is not None and reply.text.count("低氨配方") == 1 and len(reply.sources) == 1


def test_composer_adds_an_item_for_a_kind_of_value_the_first_lacks() -> None:
    volume = _item("v", "净含量", "净含量：300ml。", source="products/3.json#attr/净含量")
    price = _item("p", "规格价格", "规格价格：300ml，29.9元。", source="products/3.json#detail/规格价格")
    reply = OfflineComposer(extra_min=0.3).compose(
        "容量多大 价钱多少", [_hit(volume, 0.9, [("净含量：300ml。", 0.9)]),
                             _hit(price, 0.85, [("规格价格：300ml，29.9元。", 0.4)])], {"asked_types": "price"})
    assert reply is not None and "29.9" in reply.text


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
    query = brain.knowledge.query(off_topic.text, context=state.last_query, own_meaning=True)
    assert all(hit.score < brain.threshold for hit in brain.knowledge.search(query))
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
def test_needs_this_shop_never_mentions(knowledge: KnowledgeSearch, text: str, need: str) -> None:
    assert need in knowledge.unknown_needs(knowledge.normalizer.normalize(text).text)
