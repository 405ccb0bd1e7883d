"""Size charts as the merchant writes them, the buyer's measures as the buyer writes them, and the advice."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kefu_dev.evaluation.grade import named_sizes

from kefu.models.conversation import ConversationState
from kefu.models.sizing import Measure, ProductSizing, SizeChart, SizeGuide, SizeRow, Span, TieRule
from kefu.sizing.advise import AdviceKind, advise, reply
from kefu.sizing.charts import _listed_products, learn_size_guide
from kefu.sizing.conversation import SizeAdvisor, asks_size
from kefu.sizing.measures import extract
from kefu.sizing.notes import (
    boundary_measure,
    boundary_rule,
    conflict_rule,
    fallback_measure,
    fit_notes,
    limits,
    smallest_stays,
    traits_in,
    usual_shift,
)
from kefu.sizing.numbers import arabic
from kefu.sizing.tables import read_lines, read_table


def spans(rows: list[SizeRow]) -> list[tuple[str, dict[str, tuple[float, float]]]]:
    return [(row.label, {m.value: (s.low, s.high) for m, s in row.spans.items()}) for row in rows]


def markdown(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.strip().splitlines() if not set(line.strip()) <= set("|-: ")]


@pytest.mark.parametrize("dash", ["-", "~", "到", "—", "～"])
def test_ranges_in_every_notation(dash: str) -> None:
    table = [["尺码", "身高(cm)", "体重(斤)"], ["S", f"150{dash}155", f"80{dash}90"], ["M", f"155{dash}160", f"90{dash}100"]]  # noqa: E501 (patterns read as one line)
    reading = read_table(table)
    assert reading is not None and reading.problem is None
    assert spans(reading.rows) == [("S", {"height": (150, 155), "weight": (80, 90)}),
                                   ("M", {"height": (155, 160), "weight": (90, 100)})]


def test_merged_headings_and_garment_columns() -> None:
    table = markdown("""
| 尺码 | 适穿建议 |  | 成衣尺寸(cm) |  |
|---|---|---|---|---|
|  | 身高(cm) | 体重(斤) | 衣长 | 胸围 |
| S | 150-155 | 80-90 | 64 | 104 |
| M | 155-160 | 90-100 | 66 | 108 |
""")
    reading = read_table(table)
    assert reading is not None
    # 胸围 under 成衣尺寸 is the garment's, not the buyer's: not a measure of the chart.
    assert spans(reading.rows) == [("S", {"height": (150, 155), "weight": (80, 90)}),
                                   ("M", {"height": (155, 160), "weight": (90, 100)})]


def test_units_in_the_cells_and_kilograms() -> None:
    table = [["尺码", "身高", "体重"], ["S", "155-160cm", "42-47kg"], ["M", "160-165cm", "47-52kg"]]
    reading = read_table(table)
    assert reading is not None
    assert spans(reading.rows) == [("S", {"height": (155, 160), "weight": (84, 94)}),
                                   ("M", {"height": (160, 165), "weight": (94, 104)})]


def test_transposed_table_and_open_ends() -> None:
    table = [["尺码", "S", "M", "L"], ["身高", "155以下", "155-165", "165cm以上"], ["衣长", "60", "62", "64"]]
    reading = read_table(table)
    assert reading is not None
    assert spans(reading.rows)[0] == ("S", {"height": (0, 155)})
    assert spans(reading.rows)[2][1]["height"][0] == 165


def test_shoe_chart_in_centimetres_and_unreadable_chart_reported() -> None:
    reading = read_table([["码数", "脚长(cm)"], ["36", "23"], ["37", "23.5"]])
    assert reading is not None and spans(reading.rows) == [("36", {"foot": (230, 230)}), ("37", {"foot": (235, 235)})]
    unreadable = read_table([["尺码", "身高"], ["S", "看详情"], ["M", "看详情"]])
    assert unreadable is not None and unreadable.problem and not unreadable.rows
    assert read_table([["颜色", "价格"], ["红", "39"]]) is None  # not a size chart at all


def test_chart_lines() -> None:
    rows = read_lines("S码：身高155-160 体重85-95斤；M码：身高160~165cm 体重95-105斤\nL码 身高165到170 体重105—115斤")
    assert spans(rows) == [("S", {"height": (155, 160), "weight": (85, 95)}),
                           ("M", {"height": (160, 165), "weight": (95, 105)}),
                           ("L", {"height": (165, 170), "weight": (105, 115)})]
    assert spans(read_lines("35码=脚长225mm，36码=脚长230mm")) == [("35", {"foot": (225, 225)}),
                                                                 ("36", {"foot": (230, 230)})]
    assert read_lines("M码偏大，建议拍小一码") == []  # one size in a sentence is not a chart


@pytest.mark.parametrize(("text", "values", "usual"), [
    ("一米六 九十八斤", {"height": 160, "weight": 98}, None),
    ("160cm 49kg", {"height": 160, "weight": 98}, None),
    ("1.6米 52公斤", {"height": 160, "weight": 104}, None),
    ("1米65 一百斤", {"height": 165, "weight": 100}, None),
    ("個子163 體重一百斤", {"height": 163, "weight": 100}, None),
    ("155的个子 85斤", {"height": 155, "weight": 85}, None),
    ("脚长23.5", {"foot": 235}, None),
    ("脚长235mm", {"foot": 235}, None),
    ("平时穿38的鞋", {}, "38"),
    ("平时牛仔裤穿27的", {}, "27"),
    ("腰围2尺1", {"waist": 70}, None),
    ("宝宝两岁半", {"age": 2.5}, None),
])
def test_measures_in_any_unit(text: str, values: dict[str, float], usual: str | None) -> None:
    heard = extract(text)
    assert {m.value: v for m, v in heard.values.items()} == values
    assert heard.usual == usual


def test_numbers() -> None:
    assert arabic("一百零五斤 一米六五 二十三点五") == "105斤 1米65 23.5"
    assert arabic("一般一下") == "一般一下"


def test_notes_rules_and_traits() -> None:
    [note] = fit_notes("这款是宽松版型；喜欢穿合身一点的，建议拍小一码。")
    assert (note.shift, note.condition) == (-1, "fitted")
    [note] = fit_notes("脚背高、脚宽的亲建议选大一码")
    assert note.shift == 1 and set(note.condition.split(",")) == {"instep", "wide_foot"}
    [note] = fit_notes("宽松版型建议拍小一码")
    assert (note.shift, note.condition) == (-1, None)  # about the garment: applies to everyone
    assert fit_notes("喜欢宽松选大码，喜欢合身选小码") == []  # a preference between two, not a shift
    assert usual_shift("版型偏大一码：按平时穿的尺码选的话建议拍小一码") == -1
    assert usual_shift("这款是正码") == 0
    assert conflict_rule("身高和体重对应的不是同一个码时，以体重为准") == TieRule.BY_WEIGHT
    assert boundary_rule("体重正好卡在两个码的分界上，选大的那个码") == TieRule.LARGER
    assert limits("按体重选码，适合身高155~170cm")[Measure.HEIGHT] == Span(low=155, high=170)
    assert traits_in("我喜欢穿合身点的 不要太宽松") == {"fitted"}
    assert "loose" not in traits_in("不喜欢宽松的")


def _chart() -> tuple[SizeChart, ProductSizing]:
    rows = [SizeRow(label=label, spans={Measure.HEIGHT: Span(low=h, high=h + 5), Measure.WEIGHT: Span(low=w, high=w + 10)})  # noqa: E501 (patterns read as one line)
            for label, h, w in [("S", 150, 80), ("M", 155, 90), ("L", 160, 100), ("XL", 165, 110)]]
    chart = SizeChart(chart_id="c", source="rules/size.md#t", rows=rows)
    return chart, ProductSizing(goods_id="g1", chart_id="c")


def test_advice_one_size_two_sizes_ask_and_human() -> None:
    chart, sizing = _chart()
    one = advise(chart, sizing, extract("157 95斤"), set())
    assert one.kind == AdviceKind.SIZE and one.sizes == ["M"]
    two = advise(chart, sizing, extract("157 105斤"), set())  # height M, weight L, no rule: both
    assert two.sizes == ["M", "L"] and named_sizes(reply(two)) == {"M", "L"}
    assert advise(chart, sizing, extract("157 105斤"), {"loose"}).sizes == ["L"]
    ask = advise(chart, sizing, extract("身高157"), set())
    assert ask.kind == AdviceKind.ASK and ask.missing == [Measure.WEIGHT] and named_sizes(reply(ask)) == set()
    assert advise(chart, sizing, extract("180 150斤"), set()).kind == AdviceKind.HUMAN
    far = advise(chart, sizing, extract("152 115斤"), set())  # S by height, XL by weight: a person looks
    assert far.kind == AdviceKind.HUMAN
    by_weight = sizing.model_copy(update={"conflict": TieRule.BY_WEIGHT})
    assert advise(chart, by_weight, extract("152 115斤"), set()).sizes == ["XL"]
    assert advise(chart, by_weight, extract("身高152"), set()).missing == [Measure.WEIGHT]


def test_reply_names_exactly_the_advised_size() -> None:
    chart, sizing = _chart()
    shifted = sizing.model_copy(update={"notes": fit_notes("喜欢合身的建议拍小一码")})
    advice = advise(chart, shifted, extract("157 95斤"), {"fitted"})
    assert advice.sizes == ["S"] and named_sizes(reply(advice)) == {"S"}


def test_conversation_asks_keeps_measures_and_follows_up() -> None:
    chart, sizing = _chart()
    guide = SizeGuide(charts=[chart], products={"g1": sizing, "g2": ProductSizing(goods_id="g2")},
                      names={"g1": ["T恤"], "g2": ["贝雷帽"]})
    advisor = SizeAdvisor(guide)
    state = ConversationState(shop_id="s", buyer_id="b", goods_id="g1")
    first = advisor.consider("这件穿什么码", state)
    assert first is not None and first.asked and state.size_pending
    second = advisor.consider("157", state)
    assert second is not None and second.asked  # still the weight
    third = advisor.consider("95斤", state)
    assert third is not None and third.answer is not None and named_sizes(third.answer) == {"M"}
    assert advisor.consider("今天下单什么时候发货", state) is None
    hat = advisor.consider("我头围58 这个贝雷帽戴得下吗", state)
    assert hat is not None and hat.answer is None  # no chart: a person answers


@pytest.mark.parametrize(("text", "asks"), [
    ("穿啥码", True), ("拍几码合适", True), ("S还是M", True), ("码数咋选", True), ("尺码帮我推荐一下", True),
    ("戴得下吗", True), ("几号发货", False), ("拍几件有优惠", False), ("M码适合多高", False),
    ("今天下单啥时候能发货呀", False),
])
def test_size_questions(text: str, asks: bool) -> None:
    assert asks_size(text) is asks


def test_bundle_charts_found_where_the_merchant_put_them() -> None:
    guide = learn_size_guide(Path(__file__).resolve().parents[2] / "examples/shops/clothing")
    sources = {chart.source.split("#")[0] for chart in guide.charts}
    assert {"rules/size_guide.md", "products/200102.html", "products/200103.json", "products/200104.json"} <= sources
    sized = {gid for gid, sizing in guide.products.items() if sizing.chart_id}
    unsized = {gid for gid, sizing in guide.products.items() if not sizing.chart_id}
    assert sized and unsized  # the shop's accessory has no chart


def test_knowledge_charts_and_show_print_what_was_learned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kefu_dev.cli.main import main

    from kefu.knowledge.learn import learn_bundle
    from kefu.knowledge.snapshot import save_file

    shop = Path(__file__).resolve().parents[2] / "examples/shops/clothing"
    snapshot = learn_bundle(shop).snapshot
    path = save_file(snapshot, tmp_path / "clothing.json.gz")
    assert main(["knowledge", "charts", "--snapshot", str(path)]) == 0
    listing = capsys.readouterr().out
    assert f"# {len(snapshot.sizing.charts)} size charts" in listing and "no chart" in listing
    chart = snapshot.sizing.charts[0]
    assert main(["knowledge", "show", chart.chart_id, "--snapshot", str(path)]) == 0
    shown = capsys.readouterr().out
    assert chart.source in shown and all(row.label in shown for row in chart.rows)


def test_usual_size_with_a_brand_and_measures_not_read() -> None:
    assert extract("平时穿安踏41码的").usual == "41"
    assert extract("平时都是100斤").values == {Measure.WEIGHT: 100} and extract("平时都是100斤").usual is None
    head = extract("我头围58")
    assert head.values == {} and head.unread == ["头围"]
    assert extract("脚宽有100毫米左右").values == {}  # a width is not a length


def test_a_bare_number_is_read_as_the_awaited_measure_only() -> None:
    assert extract("量了下 二十五公分整", [Measure.FOOT]).values == {Measure.FOOT: 250}
    assert extract("量了下 二十五公分整").values == {}


def test_notes_in_other_wordings() -> None:
    [note] = fit_notes("脚背高、脚宽或冬天要穿厚袜子的，在选好的码数上再大一码")
    assert note.shift == 1 and {"instep", "wide_foot", "layered"} <= set(note.condition.split(","))
    [note] = fit_notes("帆布鞋偏大一码，建议拍小一码（平时穿38的拍37），按表选不用再减")
    assert (note.shift, note.condition) == (-1, "usual")
    assert fit_notes("身高正好在两个码交界的，建议拍大一码") == []  # a tie rule, read by boundary_rule
    assert boundary_rule("身高正好在两个码交界的，建议拍大一码") == TieRule.LARGER


def test_labels_with_a_second_name_and_two_size_systems() -> None:
    from kefu.sizing.tables import size_label

    assert [size_label(x) for x in ["S/36", "M(38)", "165/88A", "XXXL", "4XL"]] == ["S", "M", "165/88A", "XXXL", "4XL"]
    both = read_table([["中国码", "欧码", "脚长(mm)"], ["225", "35", "225"], ["230", "36", "230"]])
    assert both is not None and [row.label for row in both.rows] == ["35", "36"]  # the size buyers order by
    assert [row.label for row in read_lines("110：身高100-110cm；120：身高110-120cm")] == ["110", "120"]


def _random_chart(data: st.DataObject) -> tuple[SizeChart, ProductSizing]:
    count = data.draw(st.integers(2, 6))
    start_h, step_h = data.draw(st.integers(140, 170)), data.draw(st.integers(3, 8))
    start_w, step_w = data.draw(st.integers(70, 110)), data.draw(st.integers(5, 20))
    labels = ["S", "M", "L", "XL", "2XL", "3XL"][:count]
    rows = [SizeRow(label=label, spans={
        Measure.HEIGHT: Span(low=start_h + i * step_h, high=start_h + (i + 1) * step_h),
        Measure.WEIGHT: Span(low=start_w + i * step_w, high=start_w + (i + 1) * step_w),
    }) for i, label in enumerate(labels)]
    sizing = ProductSizing(
        goods_id="g", chart_id="c",
        conflict=data.draw(st.sampled_from([None, TieRule.BY_WEIGHT, TieRule.LARGER])),
        boundary=data.draw(st.sampled_from([None, TieRule.LARGER, TieRule.SMALLER])),
        notes=data.draw(st.sampled_from([[], fit_notes("喜欢合身的建议拍小一码"),
                                         fit_notes("此款偏小，建议拍大一码")])),
    )
    return SizeChart(chart_id="c", source="s", rows=rows), sizing


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_advice_never_names_a_size_the_chart_does_not_give_for_the_measures(data: st.DataObject) -> None:
    """Property: a size advice names only chart sizes; without a fit note, each named size's row holds the
    decisive measure (or a neighbour of the sizes that hold it); outside the chart it hands over."""
    chart, sizing = _random_chart(data)
    height = data.draw(st.integers(100, 220))
    weight = data.draw(st.integers(40, 300))
    traits = data.draw(st.sampled_from([set(), {"fitted"}, {"loose"}]))
    advice = advise(chart, sizing, extract(f"身高{height} 体重{weight}斤"), traits)
    labels = [row.label for row in chart.rows]
    lowest_h, highest_h = chart.rows[0].spans[Measure.HEIGHT].low, chart.rows[-1].spans[Measure.HEIGHT].high
    lowest_w, highest_w = chart.rows[0].spans[Measure.WEIGHT].low, chart.rows[-1].spans[Measure.WEIGHT].high
    outside = not (lowest_w <= weight <= highest_w) or (
        sizing.conflict != TieRule.BY_WEIGHT and not (lowest_h <= height <= highest_h))
    if outside:
        assert advice.kind == AdviceKind.HUMAN
        return
    if advice.kind != AdviceKind.SIZE:
        return
    assert advice.sizes and set(advice.sizes) <= set(labels) and len(advice.sizes) <= 2
    assert named_sizes(reply(advice)) == set(advice.sizes)
    if not sizing.notes:
        holding = {i for i, row in enumerate(chart.rows) if row.spans[Measure.WEIGHT].contains(weight)}
        chosen = {labels.index(size) for size in advice.sizes}
        if sizing.conflict == TieRule.BY_WEIGHT:
            assert chosen <= holding


def test_men_and_women_tables_and_decisive_measures(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    (shop / "rules").mkdir(parents=True)
    (shop / "products").mkdir()
    (shop / "shop.json").write_text('{"shop_id": "t", "shop_name": "t"}', encoding="utf-8")
    (shop / "products" / "1.json").write_text(
        '{"goods_id": "1", "goods_name": "纯棉睡衣套装", "price_yuan": 1,'
        ' "skus": [{"sku_id": "1", "spec": "L", "price_yuan": 1, "stock": 1}]}',
        encoding="utf-8")
    (shop / "rules" / "size.md").write_text(
        "## 纯棉睡衣套装\n\n身高、体重对应的不是同一个码，都选大的那个码。\n\n女款：\n\n"
        "| 尺码 | 身高(cm) | 体重(kg) |\n|---|---|---|\n| M | 155-162 | 45-52 |\n| L | 163-168 | 53-60 |\n\n男款：\n\n"
        "| 尺码 | 身高(cm) | 体重(kg) |\n|---|---|---|\n| L | 165-172 | 55-65 |\n| XL | 173-178 | 66-75 |\n",
        encoding="utf-8")
    guide = learn_size_guide(shop)
    assert set(guide.products["1"].variants) == {"female", "male"}
    assert guide.products["1"].conflict == TieRule.LARGER  # 不是同一个码 survives the numeral folding
    advisor = SizeAdvisor(guide)
    state = ConversationState(shop_id="t", buyer_id="b", goods_id="1")
    asked = advisor.consider("170 62公斤 穿什么码", state)
    assert asked is not None and asked.asked and "男款" in (asked.answer or "")  # the tables disagree: whom for?
    answered = advisor.consider("男的", state)
    assert answered is not None and named_sizes(answered.answer) == {"L"}
    assert conflict_rule("腰围和臀围对应的不是同一个码时，以臀围为准") == TieRule.BY_HIP
    [note] = fit_notes("臀围100cm以上的亲，裤子容易紧，建议在上面对应的码基础上拍大一码")
    assert note.condition == "hip>=100"


def test_from_to_columns_aliases_and_the_longer_foot() -> None:
    table = markdown("""
| 尺码 | 适合脚长（mm） |  |
|:---:|:---:|:---:|
| 欧码 | 从 | 到 |
| 35 | 220 | 225 |
| 36 | 225 | 230 |
""")
    reading = read_table(table)
    assert reading is not None and spans(reading.rows) == [("35", {"foot": (220, 225)}), ("36", {"foot": (225, 230)})]
    rows = read_lines("22.5码：脚长220—225mm（平时穿35码）\n23码：脚长225—230mm（平时穿36码）")
    assert [(row.label, row.aliases) for row in rows] == [("22.5", ["35"]), ("23", ["36"])]
    assert extract("左脚23.9 右脚24.1").values == {Measure.FOOT: 241}
    assert traits_in("脚背特别高") == {"instep"} and traits_in("瘦脚") == {"narrow_foot"}
    [note] = fit_notes("脚背特别高的，往上拍一个码")
    assert (note.shift, note.condition) == (1, "instep")
    assert fit_notes("瘦得很的，建议拍小一码") == []  # a condition it cannot read is never applied to everyone


@pytest.mark.parametrize(("text", "asks"), [
    ("这件外套怎么选码", True), ("凉鞋咋挑尺码呀", True), ("尺码我不知道怎么选", True), ("码数拿不准", True),
    ("怎么选颜色", False), ("尺码表在哪看", False), ("戒指戴哪个圈号", True), ("被套要哪个规格", True),
])
def test_size_questions_by_their_structure(text: str, asks: bool) -> None:
    assert asks_size(text) is asks


def test_colloquial_degree_words_suffixes_and_layering() -> None:
    assert "instep" in traits_in("我脚面子高")
    assert "instep" in traits_in("脚背贼厚")
    assert {"wide_foot", "instep"} <= traits_in("脚又肥又厚")
    assert "heavier" in traits_in("孩子有点小壮")
    assert "layered" in traits_in("里头要套件毛衣")
    assert extract("一直穿39码").usual == "39"


def _shoe_chart(labels: list[str], aliases: list[list[str]] | None = None) -> SizeChart:
    rows = [SizeRow(label=label, spans={Measure.FOOT: Span(low=200 + 5 * i, high=204 + 5 * i)},
                    aliases=(aliases[i] if aliases else [])) for i, label in enumerate(labels)]
    return SizeChart(chart_id="shoe", source="rules/x.md", rows=rows)


def test_half_size_notes() -> None:
    whole = _shoe_chart(["35", "36", "37", "38"])
    halves = _shoe_chart(["36", "36.5", "37", "37.5"])
    from kefu.sizing.charts import has_half_sizes

    assert not has_half_sizes(whole.rows) and has_half_sizes(halves.rows)
    # Half a size small on whole sizes: the next size up; half large without an instruction: unknown.
    assert usual_shift("这款鞋偏小半码") == 1
    assert usual_shift("这款鞋偏大半码") is None
    assert usual_shift("这款鞋偏大半码", half_sizes=True) == -1
    assert fit_notes("脚背高的拍大半码") == []
    assert [n.shift for n in fit_notes("脚背高的拍大半码", half_sizes=True)] == [1]
    sizing = ProductSizing(goods_id="g", chart_id="shoe", usual_shift=usual_shift("偏小半码"))
    from kefu.sizing.measures import BuyerMeasures

    advice = advise(whole, sizing, BuyerMeasures(usual="36"), set())
    assert advice.kind == AdviceKind.SIZE and advice.sizes == ["37"]


def test_a_usual_size_past_the_chart_goes_to_a_person() -> None:
    from kefu.sizing.measures import BuyerMeasures

    by_alias = _shoe_chart(["22", "23", "24"], [["35"], ["36"], ["37"]])
    sizing = ProductSizing(goods_id="g", chart_id="shoe", usual_shift=0)
    assert advise(by_alias, sizing, BuyerMeasures(usual="40"), set()).kind == AdviceKind.HUMAN
    assert advise(by_alias, sizing, BuyerMeasures(usual="36"), set()).sizes == ["23"]
    labelled = _shoe_chart(["35", "36", "37"])
    assert advise(labelled, sizing, BuyerMeasures(usual="41"), set()).kind == AdviceKind.HUMAN


def test_a_count_of_rounds_is_not_a_measure_and_layering_wants_room() -> None:
    assert extract("腰围量一圈70 臀围一周92").values == {Measure.WAIST: 70.0, Measure.HIP: 92.0}
    from kefu.models.sizing import FitNote
    from kefu.sizing.advise import _applies

    assert _applies(FitNote(text="怕紧的拍大一码", shift=1, condition="tight_averse"), {"layered"})


def _advice_for(table: list[list[str]], text: str) -> tuple[AdviceKind, list[str], str]:
    reading = read_table(table)
    assert reading is not None and reading.problem is None
    chart = SizeChart(chart_id="spec", source="rules/spec.md", rows=reading.rows)
    advice = advise(chart, ProductSizing(goods_id="g", chart_id="spec"), extract(text), set())
    return advice.kind, advice.sizes, reply(advice) if advice.kind != AdviceKind.HUMAN else ""


def test_rings_by_finger_circumference_or_inner_diameter() -> None:
    table = markdown("""
| 圈号 | 指围(mm) |
|---|---|
| 8号 | 48 |
| 10号 | 50 |
| 12号 | 52 |
| 14号 | 54 |
""")
    assert _advice_for(table, "我无名指量了一圈5.2厘米")[:2] == (AdviceKind.SIZE, ["12"])
    assert _advice_for(table, "指围50mm")[:2] == (AdviceKind.SIZE, ["10"])
    # 内径16.2mm: 16.2 × π = 50.9mm, between 10号 and 12号; 16.5mm is 51.8mm, within a quarter step of 12号.
    assert extract("旧戒指内径16.2mm").values == {Measure.FINGER: 50.9}
    assert _advice_for(table, "旧戒指内径16.2mm")[:2] == (AdviceKind.SIZE, ["10", "12"])
    assert _advice_for(table, "旧戒指内径16.5mm")[:2] == (AdviceKind.SIZE, ["12"])
    assert _advice_for(table, "指围60mm")[0] == AdviceKind.HUMAN
    assert _advice_for(table, "哪个圈号合适")[0] == AdviceKind.ASK


def test_bracelets_by_wrist() -> None:
    table = [["手镯尺寸", "适合手腕围"], ["S", "13-14cm"], ["M", "14-15.5cm"], ["L", "15.5-17cm"]]
    assert _advice_for(table, "手腕一圈14.5")[:2] == (AdviceKind.SIZE, ["M"])
    assert _advice_for(table, "手腕围150mm")[:2] == (AdviceKind.SIZE, ["M"])


def test_bedding_by_bed_width() -> None:
    table = markdown("""
| 被套规格 | 适用床 |
|---|---|
| 150x200 | 1.2m |
| 200x230 | 1.5m |
| 220x240 | 1.8m |
""")
    kind, sizes, text = _advice_for(table, "我家是1.8米的床")
    assert (kind, sizes) == (AdviceKind.SIZE, ["220x240"]) and "220x240的规格" in text
    assert _advice_for(table, "床是1米5的")[:2] == (AdviceKind.SIZE, ["200x230"])
    assert _advice_for(table, "1.6米的床用哪个")[0] == AdviceKind.HUMAN  # between the listed widths
    assert extract("身高1.8米").values == {Measure.HEIGHT: 180.0}


def test_spec_labels_written_one_way() -> None:
    from kefu.sizing.tables import size_label

    assert [size_label(c) for c in ["200×230", "200*230", "200 x 230", "8号", "M"]] == ["200x230"] * 3 + ["8", "M"]


def test_bra_charts_band_by_cup() -> None:
    table = markdown("""
| 下胸围(cm) | A杯 上胸围 | B杯 上胸围 | C杯 上胸围 |
|---|---|---|---|
| 63-67 (65) | 75-77 | 77-79 | 79-81 |
| 68-72 (70) | 80-82 | 82-84 | - |
| 73-77 | 85-87 | 87-89 | 89-91 |
""")
    reading = read_table(table)
    assert reading is not None and reading.problem is None
    assert [row.label for row in reading.rows] == ["65A", "65B", "65C", "70A", "70B", "75A", "75B", "75C"]
    assert spans(reading.rows)[3] == ("70A", {"underbust": (68.0, 72.0), "chest": (80.0, 82.0)})
    kind, sizes, text = _advice_for(table, "底围74 上胸围88")
    assert (kind, sizes) == (AdviceKind.SIZE, ["75B"]) and "75B" in text and "75B码" not in text
    assert extract("下胸七十 上胸八十三").values == {Measure.UNDERBUST: 70.0, Measure.CHEST: 83.0}
    assert _advice_for(table, "下胸围70")[0] == AdviceKind.ASK
    assert _advice_for(table, "下胸围90 上胸围100")[0] == AdviceKind.HUMAN


def _pants_sizing(tmp_path: Path, note: str) -> SizeAdvisor:
    shop = tmp_path / "pants"
    (shop / "products").mkdir(parents=True)
    (shop / "products" / "p1.json").write_text(
        '{"goods_id": "p1", "goods_name": "直筒休闲西裤", "category": "西裤", "price_yuan": 59,'
        ' "skus": [{"sku_id": "p1-1", "spec": "黑色 27", "price_yuan": 59, "stock": 3}]}', encoding="utf-8")
    (shop / "products" / "p1.html").write_text(
        f"<p>{note}</p><table><tr><th rowspan='2'>码数</th><th colspan='2'>对应身材</th></tr>"
        "<tr><th>腰围cm</th><th>臀围cm</th></tr>"
        "<tr><td>27</td><td>66-69</td><td>88-92</td></tr><tr><td>28</td><td>69-72</td><td>91-95</td></tr>"
        "<tr><td>29</td><td>72-75</td><td>94-98</td></tr><tr><td>30</td><td>75-78</td><td>97-101</td></tr></table>",
        encoding="utf-8")
    return SizeAdvisor(learn_size_guide(shop))


def test_a_primary_measure_and_a_note_for_the_other_one_past_the_size(tmp_path: Path) -> None:
    advisor = _pants_sizing(tmp_path, "选码按腰围为主；臀围超过所选码数范围、或者胯骨比较宽的朋友请拍大一码")
    sizing = advisor.guide.products["p1"]
    assert sizing.conflict == TieRule.BY_WAIST
    assert [(n.shift, n.condition) for n in sizing.notes] == [(1, "over:hip,wide_hip")]

    def ask(*texts: str) -> str | None:
        state = ConversationState(shop_id="s", buyer_id="b", goods_id="p1")
        turn = None
        for text in texts:
            turn = advisor.consider(text, state)
        return turn.answer if turn else None

    assert "28码" in (ask("腰围70 臀围93 穿几码") or "")
    assert "29码" in (ask("腰围70 臀围97 穿几码") or "")  # the hip is past 28's range: one size up
    assert "28码" in (ask("腰围七十 拍哪个码") or "")  # the primary measure alone is enough: nothing asked
    assert "29码" in (ask("腰70 我胯部有点宽 穿啥码") or "")


def test_limits_that_send_to_a_person(tmp_path: Path) -> None:
    found = limits("本款适合身高1.5m-1.7m的宝贝穿着。体重超过140斤或身高165以上的亲请联系在线客服哦")
    assert found == {Measure.HEIGHT: Span(low=150.0, high=165.0), Measure.WEIGHT: Span(low=0.0, high=140.0)}
    assert limits("XL码：身高170以上") == {}


def test_usual_size_rules_in_words_on_a_product_without_a_chart(tmp_path: Path) -> None:
    assert usual_shift("这双鞋偏大半码，没有半码的话按您平时的码数拍就行") == 0
    assert usual_shift("直接拍平时穿的鞋码") == 0
    assert usual_shift("偏大半码") is None
    shop = tmp_path / "slippers"
    (shop / "products").mkdir(parents=True)
    skus = ",".join(f'{{"sku_id": "s{n}", "spec": "灰色 {n}码", "price_yuan": 19, "stock": 5}}'
                    for n in (38, 36, 37, 39))
    (shop / "products" / "s1.json").write_text(
        '{"goods_id": "s1", "goods_name": "居家棉拖鞋", "category": "拖鞋", "price_yuan": 19,'
        f' "detail": "尺码标准，按平时的码数选；脚背偏高的亲拍大一码", "skus": [{skus}]}}', encoding="utf-8")
    advisor = SizeAdvisor(learn_size_guide(shop))
    state = ConversationState(shop_id="s", buyer_id="b", goods_id="s1")
    asked = advisor.consider("拖鞋穿多大码", state)
    assert asked is not None and asked.asked
    answered = advisor.consider("37", state)
    assert answered is not None and answered.answer is not None and named_sizes(answered.answer) == {"37"}
    state = ConversationState(shop_id="s", buyer_id="b", goods_id="s1")
    shifted = advisor.consider("我脚背高 平常穿37码 拍几码", state)
    assert shifted is not None and named_sizes(shifted.answer) == {"38"}
    past = advisor.consider("平时穿41码的呢", ConversationState(shop_id="s", buyer_id="b", goods_id="s1"))
    assert past is not None and past.answer is None  # past the sizes on sale: a person answers


def test_preferences_in_colloquial_words_and_measures_named_after_their_number() -> None:
    assert traits_in("想穿得松快点") >= {"loose"}
    assert traits_in("宽松一点的好") >= {"loose"}
    assert traits_in("不想太宽松") >= {"fitted"} and "loose" not in traits_in("不想太宽松")
    assert traits_in("穿着利落些") >= {"fitted"}
    assert traits_in("我胸部比较丰满") >= {"full_chest"} and traits_in("肩膀有点宽") >= {"broad_shoulder"}
    assert extract("我是242的脚").values == {Measure.FOOT: 242.0}
    assert extract("二十四点五的脚长").values == {Measure.FOOT: 245.0}


def test_shirts_by_collar_size(tmp_path: Path) -> None:
    table = markdown("""
| 尺码 | 领围 | 适合身高 | 适合体重 | 肩宽 |
|---|---|---|---|---|
| 37 | 37 | 155-160 | 90-105 | 42 |
| 38 | 38 | 160-165 | 105-120 | 43 |
| 39 | 39 | 165-170 | 120-135 | 44 |
| 40 | 40 | 170-175 | 135-150 | 45 |
""")
    reading = read_table(table)
    assert reading is not None
    # The sizes are named by the collar: 领围 is the wearer's neck here, not a garment measure.
    assert spans(reading.rows)[1] == ("38", {"neck": (38, 38), "height": (160, 165), "weight": (105, 120)})
    assert extract("脖子量了一圈38.5").values == {Measure.NECK: 38.5}
    assert extract("颈围39").values == {Measure.NECK: 39.0}
    note = "按颈围选码；颈围在两个码之间的选大一码。不知道颈围的按体重参考"
    assert conflict_rule(note) == TieRule.BY_NECK and boundary_rule(note) == TieRule.LARGER
    assert boundary_measure(note) == Measure.NECK and fallback_measure(note) == Measure.WEIGHT
    assert boundary_measure("身高或体重正好在两个码中间的选大一码") is None  # two measures: the rule is for both
    chart = SizeChart(chart_id="shirt", source="rules/shirt.md", rows=reading.rows)
    sizing = ProductSizing(goods_id="g", chart_id="shirt", conflict=TieRule.BY_NECK, boundary=TieRule.LARGER,
                           boundary_measure=Measure.NECK, fallback=Measure.WEIGHT)
    assert advise(chart, sizing, extract("颈围38.5"), set()).sizes == ["39"]
    asked = advise(chart, sizing, extract("衬衫拍几码"), set())
    assert asked.kind == AdviceKind.ASK and Measure.NECK in asked.missing
    # Height on the line between 38 and 39 is not the neck: the boundary rule leaves it, the weight decides.
    assert advise(chart, sizing, extract("身高165 体重110"), set()).sizes == ["38"]
    # The usual size of a chart named by the collar is the collar itself.
    assert advise(chart, sizing, extract("平时衬衫穿39的"), set()).sizes == ["39"]


def test_waists_in_chi_and_a_measure_word_said_once_for_a_line() -> None:
    assert extract("腰二尺五").values == {Measure.WAIST: 83.3}
    rows = read_lines("27码 腰围2尺1 / 28码 2尺2 / 29码 2尺3（约77cm） / 30码 2尺4-2尺5")
    assert spans(rows) == [("27", {"waist": (70, 70)}), ("28", {"waist": (73.3, 73.3)}),
                           ("29", {"waist": (76.7, 76.7)}), ("30", {"waist": (80, 83.3)})]
    # A value said again in brackets in another unit is one value; a bracket in the same unit is a range.
    rows = read_lines("S码：体重90-100斤(45-50kg)，身高150-155\nM码：体重100-110斤(50-55kg)，身高155-160")
    assert spans(rows)[0] == ("S", {"weight": (90, 100), "height": (150, 155)})
    assert limits("腰围超过3尺或者小于2尺，请联系客服") == {Measure.WAIST: Span(low=66.7, high=100.0)}


def _shop(tmp_path: Path, detail: str, html: str = "", name: str = "休闲长裤", goods: str = "p1") -> SizeAdvisor:
    shop = tmp_path / "shop"
    (shop / "products").mkdir(parents=True, exist_ok=True)
    (shop / "products" / f"{goods}.json").write_text(
        f'{{"goods_id": "{goods}", "goods_name": "{name}", "category": "服饰", "price_yuan": 59, "detail": "{detail}",'
        ' "skus": [{"sku_id": "s1", "spec": "黑色", "price_yuan": 59, "stock": 3}]}', encoding="utf-8")
    if html:
        (shop / "products" / f"{goods}.html").write_text(html, encoding="utf-8")
    return SizeAdvisor(learn_size_guide(shop))


def _ask(advisor: SizeAdvisor, *texts: str, goods: str = "p1") -> str:
    state = ConversationState(shop_id="s", buyer_id="b", goods_id=goods)
    turn = None
    for text in texts:
        turn = advisor.consider(text, state)
    return (turn.answer or "(person)") if turn else "(none)"


def test_grade_lines_carry_their_height_and_examples_in_the_text_are_not_rows(tmp_path: Path) -> None:
    advisor = _shop(tmp_path, "号型说明：160/70A 表示适合身高160cm左右。以腰围为准\\n"
                    "155/66A 腰围64-67cm 体重90-100斤\\n160/70A 腰围68-71cm 体重101-112斤\\n"
                    "165/74A 腰围72-75cm 体重113-125斤")
    chart, _ = advisor.guide.chart_for("p1") or (None, None)
    assert chart is not None and [row.label for row in chart.rows] == ["155/66A", "160/70A", "165/74A"]
    assert chart.rows[1].spans[Measure.HEIGHT] == Span(low=157.5, high=162.5)
    # The decisive waist unknown, two measures that agree read the chart; one height alone does not.
    labels = ["155/66A", "160/70A", "165/74A"]
    assert named_sizes(_ask(advisor, "身高161 体重105斤 拍哪个"), labels) == {"160/70A"}
    assert "腰围" in _ask(advisor, "身高161 穿哪个")


def test_garment_waist_read_when_the_shop_sizes_by_it_and_points_read_to_a_quarter_step(tmp_path: Path) -> None:
    table = ("<table><tr><th>尺码</th><th>腰围(cm)</th><th>裤长(cm)</th><th>建议体重(斤)</th></tr>"
             "<tr><td>26</td><td>64</td><td>98</td><td>88-95</td></tr><tr><td>27</td><td>66</td><td>99</td>"
             "<td>96-102</td></tr><tr><td>28</td><td>68</td><td>100</td><td>103-110</td></tr></table>")
    sized_by_waist = _shop(tmp_path / "a", "腰围和体重对不上时以腰围为准", table)
    assert named_sizes(_ask(sized_by_waist, "腰围66.4 穿几码")) == {"27"}  # within a quarter step of 66
    assert named_sizes(_ask(sized_by_waist, "腰围67 穿几码")) == {"27", "28"}
    assert named_sizes(_ask(sized_by_waist, "98斤 穿几码")) == {"27"}  # the weight alone, not a reference
    other = _shop(tmp_path / "b", "版型直筒", table)
    chart, _ = other.guide.chart_for("p1") or (None, None)
    assert chart is not None and chart.measures == [Measure.WEIGHT]  # the garment's own waist otherwise


def test_rules_for_some_buyers_and_measures_that_are_only_a_reference(tmp_path: Path) -> None:
    text = "以体重为主，身高作参考；肚子大的以腰围为准。腰围只作参考。"
    assert conflict_rule(text) == TieRule.BY_WEIGHT
    from kefu.sizing.notes import reference_measures, trait_conflicts

    assert trait_conflicts(text) == {"heavier": TieRule.BY_WAIST}
    assert reference_measures(text) == [Measure.HEIGHT, Measure.WAIST]
    assert reference_measures("不知道领围可以按身高体重参考") == []


def test_shoes_by_inner_length_with_the_room_the_shop_states(tmp_path: Path) -> None:
    html = ("<table><tr><th rowspan='2'>尺码</th><th colspan='2'>鞋内长</th></tr><tr><th>mm</th><th>cm</th></tr>"
            "<tr><td>30码</td><td>185</td><td>18.5</td></tr><tr><td>31码</td><td>190</td><td>19.0</td></tr>"
            "<tr><td>32码</td><td>195</td><td>19.5</td></tr></table>")
    advisor = _shop(tmp_path, "内长=脚长+1cm左右，在两个码中间选大的。穿厚袜子的再大一码", html, name="儿童板鞋")
    assert advisor.guide.products["p1"].allowance == 10.0
    assert named_sizes(_ask(advisor, "脚长18.2 拍几码")) == {"32"}  # 192: between 190 and 195, the larger
    assert named_sizes(_ask(advisor, "旧鞋的鞋垫量了19cm 拍几码")) == {"31"}  # an insole is an inner length
    assert _ask(advisor, "脚长19cm 穿几码") == "(person)"  # 200: past the chart


def test_notes_that_exempt_a_trait_and_a_build_that_picks_one_of_two(tmp_path: Path) -> None:
    notes = fit_notes("宝宝脚胖、脚背高的选大一码（本款魔术贴可以调，脚背高不用拍大）")
    assert {(n.shift, n.condition, n.exempt) for n in notes} == {(1, "instep,wide_foot", False), (0, "instep", True)}
    table = [["尺码", "脚长(cm)"], ["23", "14.0"], ["24", "14.5"], ["25", "15.0"]]
    reading = read_table(table)
    assert reading is not None
    chart = SizeChart(chart_id="c", source="rules/c.md", rows=reading.rows)
    sizing = ProductSizing(goods_id="g", chart_id="c", notes=notes)
    assert advise(chart, sizing, extract("脚长14.5 脚背高"), traits_in("脚背高")).sizes == ["24"]
    assert advise(chart, sizing, extract("脚长14.5 脚丫子有点胖"), traits_in("脚丫子有点胖")).sizes == ["25"]
    # Between 14.0 and 14.5 a build that wants room picks the larger of the two, not a third size.
    assert advise(chart, sizing, extract("脚长14.2 脚胖"), traits_in("脚胖")).sizes == ["24"]
    between = advise(chart, sizing, extract("脚长14.2"), set())
    assert between.sizes == ["23", "24"] and "余量" in reply(between) and "跟脚" in reply(between)
    assert traits_in("想买大点能多穿一年") >= {"loose"}


def test_socks_by_the_shoe_size_and_a_rowspan_in_the_last_column(tmp_path: Path) -> None:
    advisor = _shop(tmp_path, "S码：1-3岁，适合鞋码19-23码\\nM码：3-5岁，适合鞋码24-28码\\n"
                    "年龄和鞋码对不上时以鞋码为准", name="儿童中筒袜")
    answer = _ask(advisor, "孩子穿26码的鞋 袜子买哪个")
    assert named_sizes(answer) == {"M"}
    from kefu.sizing.charts import _TableParser

    parser = _TableParser()
    parser.feed("<table><tr><td>26</td><td rowspan='2'>4-5岁</td></tr><tr><td>27</td></tr></table>")
    assert parser.tables == [[["26", "4-5岁"], ["27", "4-5岁"]]]


def test_what_the_buyer_said_of_their_build_is_kept_across_turns(tmp_path: Path) -> None:
    table = [["尺码", "脚长(mm)"], ["28", "166-170"], ["29", "171-175"], ["30", "176-180"]]
    reading = read_table(table)
    assert reading is not None
    guide = SizeGuide(charts=[SizeChart(chart_id="c", source="p1.html", rows=reading.rows)],
                      products={"p1": ProductSizing(goods_id="p1", chart_id="c", notes=fit_notes("脚胖的选大一码"))})
    advisor = SizeAdvisor(guide)
    assert named_sizes(_ask(advisor, "我家孩子脚胖 穿哪个码", "16.8公分")) == {"29"}


def test_usual_sizes_the_shop_maps_limits_listed_and_notes_past_a_bracketed_measure() -> None:
    from kefu.sizing.notes import usual_sizes

    assert usual_sizes("常规尺码对应：65A/65B/70A穿S，70B/70C/75A穿M") == {
        "65A": "S", "65B": "S", "70A": "S", "70B": "M", "70C": "M", "75A": "M"}
    assert usual_sizes("身高160-165穿M") == {}
    # Several measures after one 适合; the same range said twice (detail and attributes) is one limit.
    assert limits("均码，适合身高150-168cm、体重80-125斤。适合身高：150~168cm") == {
        Measure.HEIGHT: Span(low=150.0, high=168.0), Measure.WEIGHT: Span(low=80.0, high=125.0)}
    notes = fit_notes("胸围(上胸围)超过所选尺码的胸围上限的，建议拍大一码")
    assert [(n.shift, n.condition) for n in notes] == [(1, "over:chest")]


def test_lines_under_a_heading_that_names_a_product_and_fit_questions_without_a_chart(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    (shop / "products").mkdir(parents=True)
    (shop / "rules").mkdir()
    for goods, name in (("p1", "速干防晒外套"), ("p2", "运动腰包")):
        (shop / "products" / f"{goods}.json").write_text(
            f'{{"goods_id": "{goods}", "goods_name": "{name}", "category": "运动", "price_yuan": 59,'
            ' "skus": [{"sku_id": "s1", "spec": "黑色", "price_yuan": 59, "stock": 3}]}', encoding="utf-8")
    (shop / "rules" / "size_guide.md").write_text("## 防晒外套\n均码，适合身高150-168cm、体重80-125斤。\n",
                                                 encoding="utf-8")
    advisor = SizeAdvisor(learn_size_guide(shop))
    assert named_sizes(_ask(advisor, "160 100斤能穿吗"), ["均码"]) == {"均码"}
    assert _ask(advisor, "身高172 能穿吗") == "(person)"
    assert _ask(advisor, "腰围110的能系上吗", goods="p2") == "(person)"  # no chart: a person says whether it fits


_ORDER_TABLE = """
| 平时穿的鞋码 | 建议拍 欧码 | 对应脚长(mm) |
|---|---|---|
| 38 | 37 | 236~240 |
| 39 | 38 | 241~245 |
| 40 | 39 | 246~250 |
"""


def test_order_columns_cm_labels_two_usual_sizes_and_sizes_already_adjusted() -> None:
    # The usual size's column is a second name; the column of what to order (建议拍) is the label.
    table = markdown(_ORDER_TABLE)
    reading = read_table(table)
    assert reading is not None and reading.adjusted
    assert [(row.label, row.aliases) for row in reading.rows] == [("37", ["38"]), ("38", ["39"]), ("39", ["40"])]
    chart = SizeChart(chart_id="c", source="p.html", rows=reading.rows, adjusted=True)
    sizing = ProductSizing(goods_id="g", chart_id="c", notes=fit_notes("偏大1码，建议拍小1码"))
    assert advise(chart, sizing, extract("平时穿39的"), set()).sizes == ["38"]
    assert advise(chart, sizing, extract("脚长243mm"), set()).sizes == ["38"]  # the table has the shift in it
    slippers = read_table([["规格", "适合平时鞋码", "适合脚长"], ["36-37", "36码、37码", "225-235mm"],
                           ["38-39", "38码、39码", "235-245mm"]])
    assert slippers is not None and slippers.rows[1].aliases == ["38", "39"]
    assert extract("平时37、38都能穿").usual == "38"
    assert extract("110的身高 36斤").values == {Measure.HEIGHT: 110.0, Measure.WEIGHT: 36.0}
    rows = read_lines("110cm：身高105-115 体重34-42斤\n120cm：身高115-125 体重42-50斤")
    assert [row.label for row in rows] == ["110cm", "120cm"]
    assert traits_in("不喜欢穿太宽松的") >= {"fitted"} and traits_in("宝宝长得快") >= {"loose"}
    from kefu.sizing.notes import single_shift

    assert single_shift("脚宽、穿厚袜的也是拍大1码就够了") and not single_shift("两种情况都有也只加一码")


def test_the_usual_size_on_a_table_of_what_to_order_and_asking_for_either() -> None:
    table = markdown(_ORDER_TABLE)
    reading = read_table(table)
    assert reading is not None
    chart = SizeChart(chart_id="c", source="p.html", rows=reading.rows, adjusted=True)
    notes = fit_notes("脚背高的拍正码（平时穿几码就拍几码）")
    sizing = ProductSizing(goods_id="g", chart_id="c", notes=notes, usual_shift=-1)
    # 脚背高: the usual size the row stands for (39), not the one to order for others (38).
    assert advise(chart, sizing, extract("脚长243mm 脚背高"), traits_in("脚背高")).sizes == ["39"]
    assert advise(chart, sizing, extract("平时穿39 脚背高"), traits_in("脚背高")).sizes == ["39"]
    asked = advise(chart, sizing, extract("拍几码"), set())
    assert asked.kind == AdviceKind.ASK and "平时穿几码" in reply(asked)
    two = advise(chart, sizing, extract("平时38、39都能穿"), set())
    assert two.sizes == ["38"] and "选大的" in reply(two)


def test_a_chart_that_carries_the_shift_one_size_restated_and_the_shops_tie_rule_on_points(tmp_path: Path) -> None:
    advisor = _shop(tmp_path, "本款偏小半码，建议拍大半码。\\n下表脚长已按版型换算好，对照脚长直接拍，不用再加码。\\n"
                    "36码 脚长230mm\\n36.5码 脚长232.5mm\\n37码 脚长235mm\\n37.5码 脚长237.5mm\\n38码 脚长240mm\\n"
                    "脚长卡在两个码之间的往大选。36码适合脚长228-230mm。脚长小于228mm或大于240mm请联系客服。",
                    name="轻便跑步鞋")
    sizing = advisor.guide.products["p1"]
    assert sizing.shift_in_chart and sizing.limits[Measure.FOOT] == Span(low=228.0, high=240.0)
    assert sizing.boundary == TieRule.LARGER
    assert named_sizes(_ask(advisor, "脚长233 拍几码")) == {"37"}  # between two points, the larger; no shift
    assert named_sizes(_ask(advisor, "脚长23.6厘米 穿多大")) == {"37.5"}
    assert named_sizes(_ask(advisor, "平时穿37 拍几码")) == {"37.5"}  # the usual size does take the shift
    assert _ask(advisor, "脚长245 拍几码") == "(person)"


def test_notes_for_a_foot_between_two_sizes_pick_one_of_them_in_the_shops_own_words(tmp_path: Path) -> None:
    advisor = _shop(tmp_path, "37码 脚长23.0-23.5cm\\n38码 脚长23.5-24.0cm\\n39码 脚长24.0-24.5cm\\n"
                    "正码，平时穿几码拍几码。脚长刚好在两个码交界的：脚肥、喜欢松快的选大一码；脚窄、喜欢贴脚的选小一码。",
                    name="帆布休闲鞋")
    assert advisor.guide.wishes == {"松快": "loose", "贴脚": "fitted"}
    both = _ask(advisor, "脚长23.5 拍几码")
    assert named_sizes(both) == {"37", "38"} and "脚肥" in both and "脚窄" in both
    assert named_sizes(_ask(advisor, "脚长23.5 脚有点肥")) == {"38"}
    assert named_sizes(_ask(advisor, "脚长23.5 想要贴脚一点")) == {"37"}  # the shop's word for the wish
    assert named_sizes(_ask(advisor, "脚长23.2 脚窄")) == {"37"}  # one size: the between notes move nothing
    assert named_sizes(_ask(advisor, "平时穿37.5 拍几码")) == {"37", "38"}  # a half size on whole sizes
    assert named_sizes(_ask(advisor, "平时穿37.5 脚肥")) == {"38"}


def test_a_kind_that_says_what_a_product_is_for_does_not_name_it(tmp_path: Path) -> None:
    import json

    shop = tmp_path / "shop"
    (shop / "products").mkdir(parents=True)
    products = [("p1", "百搭小白板鞋 男女款", "板鞋", "36码 脚长225-230mm\n37码 脚长230-235mm"),
                ("p2", "小白鞋清洁剂 免洗泡沫", "鞋类护理", "一瓶200ml")]
    for goods, name, category, detail in products:
        (shop / "products" / f"{goods}.json").write_text(json.dumps(
            {"goods_id": goods, "goods_name": name, "category": category, "price_yuan": 39, "detail": detail,
             "skus": [{"sku_id": f"{goods}-1", "spec": "白色", "price_yuan": 39, "stock": 3}]}, ensure_ascii=False),
            encoding="utf-8")
    advisor = SizeAdvisor(learn_size_guide(shop))
    assert named_sizes(_ask(advisor, "小白鞋 脚长23.2 拍几码", goods="p2")) == {"37"}


def test_bare_values_under_a_measure_heading_and_a_measure_word_said_once_for_a_block() -> None:
    rows = read_lines("33码=21.5 34码=22.0 35码=22.5", heading="适合脚长(cm)")
    assert [(row.label, row.spans[Measure.FOOT].low) for row in rows] == [("33", 215.0), ("34", 220.0), ("35", 225.0)]
    assert read_lines("S 98 / M 102 / L 106", heading="胸围(cm)") == []  # a girth beside bare numbers: the garment's
    rows = read_lines("尺码（单位mm）：\n35码：脚长226-229mm\n35.5码：230~231\n36码 232到234")
    assert [(row.label, row.spans[Measure.FOOT].high) for row in rows] == [("35", 229.0), ("35.5", 231.0),
                                                                           ("36", 234.0)]


def test_notes_from_a_table_of_products_read_under_their_columns_and_for_whom(tmp_path: Path) -> None:
    from kefu.models.sizing import FitNote

    def kinds(notes: list[FitNote]) -> set[tuple[int, str | None, bool, bool]]:
        return {(n.shift, n.condition, n.to_usual, n.exempt) for n in notes}

    # 也一样: the product's own shift said for these buyers too, not one more.
    assert kinds(fit_notes("偏大一码，建议拍小一码。脚窄的也一样拍小一码")) == {(-1, None, False, False)}
    assert (0, "instep", True, False) in kinds(fit_notes("脚背高的亲不用拍小，按平时的码数拍"))
    assert kinds(fit_notes("脚背高的把鞋带放松就行，按表选码")) == {(0, "instep", False, True)}
    shop = tmp_path / "shop"
    (shop / "rules").mkdir(parents=True)
    (shop / "rules" / "size.md").write_text(
        "| 款式 | 版型 | 脚背高/脚肥 | 脚瘦 |\n|---|---|---|---|\n| 牛津皮鞋 | 标准码 | 拍大一码 | 拍正常码 |\n",
        encoding="utf-8")
    advisor = _shop(tmp_path, "38码 脚长235-240mm\\n39码 脚长240-245mm\\n40码 脚长245-250mm", name="牛津皮鞋")
    notes = advisor.guide.products["p1"].notes
    assert (1, "instep,wide_foot", False, False) in kinds(notes) and all(n.condition for n in notes if n.shift)
    assert named_sizes(_ask(advisor, "脚长237 脚背高 拍几码")) == {"39"}
    assert named_sizes(_ask(advisor, "脚长237 拍几码")) == {"38"}


def test_a_boots_shaft_girth_is_the_most_calf_a_size_takes(tmp_path: Path) -> None:
    table = ("<table><tr><th>码数</th><th>脚长(cm)</th><th>靴筒围(cm)</th></tr>"
             "<tr><td>36</td><td>22.6-23.0</td><td>32</td></tr><tr><td>37</td><td>23.1-23.5</td><td>33</td></tr>"
             "<tr><td>38</td><td>23.6-24.0</td><td>34</td></tr></table>")
    advisor = _shop(tmp_path, "标准码，按脚长选码。小腿围比靴筒围大的拍大一码，大一码还不够的请联系客服。", table,
                    name="弹力短靴")
    chart, _ = advisor.guide.chart_for("p1") or (None, None)
    assert chart is not None and chart.rows[0].spans[Measure.CALF] == Span(low=0.0, high=32.0)
    assert "小腿围" in _ask(advisor, "脚长23 拍几码")  # the shaft must take the calf: asked for
    assert named_sizes(_ask(advisor, "脚长23 小腿围31.5")) == {"36"}
    assert named_sizes(_ask(advisor, "脚长23 小腿围33")) == {"37"}  # one size up, by the shop's note
    assert _ask(advisor, "脚长23 小腿围33.5") == "(person)"  # one size up is not enough
    assert _ask(advisor, "平时穿37 拍几码", "小腿围33") != "(person)"
    assert _ask(advisor, "平时穿37 拍几码", "小腿围34.5") == "(person)"


def test_a_column_of_whom_each_row_is_for_splits_the_table_and_one_scale_needs_no_question(tmp_path: Path) -> None:
    table = ("<table><tr><th>款式</th><th>码数</th><th>脚长(mm)</th><th>参考</th></tr>"
             "<tr><td rowspan='2'>女款</td><td>36</td><td>226-230</td><td>常用</td></tr>"
             "<tr><td>37</td><td>231-235</td><td>常用</td></tr>"
             "<tr><td rowspan='2'>男款</td><td>37</td><td>231-235</td><td>少</td></tr>"
             "<tr><td>38</td><td>236-240</td><td>常用</td></tr></table>")
    advisor = _shop(tmp_path, "标准码", table, name="厚底休闲鞋")
    assert set(advisor.guide.products["p1"].variants) == {"female", "male"}
    # One scale split by whom: 228mm is read by the women's sizes alone, 238mm by the men's.
    assert named_sizes(_ask(advisor, "脚长228 拍几码")) == {"36"}
    assert named_sizes(_ask(advisor, "脚长238 拍几码")) == {"38"}


def test_one_attribute_per_size_a_wish_said_twice_over_and_an_exact_figure_after_a_rough_one(tmp_path: Path) -> None:
    import json

    shop = tmp_path / "shop"
    (shop / "products").mkdir(parents=True)
    attributes = {"面料": "棉", "S码": "身高150-158cm 体重80-95斤", "M码": "身高158-165cm 体重95-110斤",
                  "L码": "身高165-172cm 体重110-125斤", "版型": "宽松版型，建议拍小一码；喜欢松垮的直接按表拍"}
    (shop / "products" / "p1.json").write_text(json.dumps(
        {"goods_id": "p1", "goods_name": "纯棉家居服", "category": "家居服", "price_yuan": 59, "detail": "",
         "attributes": attributes, "skus": [{"sku_id": "s1", "spec": "M", "price_yuan": 59, "stock": 3}]},
        ensure_ascii=False), encoding="utf-8")
    advisor = SizeAdvisor(learn_size_guide(shop))
    assert named_sizes(_ask(advisor, "身高168 体重115斤 穿几码")) == {"M"}  # L, one smaller: 宽松版型
    assert named_sizes(_ask(advisor, "身高168 体重115斤 我喜欢松松垮垮的")) == {"L"}  # 按表拍 for them
    assert extract("一百斤出头 103斤").values == {Measure.WEIGHT: 103.0}
    assert extract("身高160左右 体重100斤").values == {Measure.HEIGHT: 160.0, Measure.WEIGHT: 100.0}


def test_what_not_to_do_the_room_a_shop_gives_and_the_product_in_the_question(tmp_path: Path) -> None:
    assert [(n.shift, n.condition) for n in fit_notes("想多穿一段时间可以拍大一码，不要大两码")] == [(1, "loose")]
    assert fit_notes("鞋太大容易摔，不建议买大两码") == []
    picks = fit_notes("脚长卡在两个码中间：脚瘦的选小的那个码，脚胖的选大的那个码")
    assert {(n.shift, n.condition, n.between) for n in picks} == {(-1, "narrow_foot", True), (1, "wide_foot", True)}
    from kefu.sizing.notes import allowance_span

    assert allowance_span("内长比脚长长0.5-1cm") == Span(low=5.0, high=10.0)
    assert extract("上回买的31码刚刚好").usual == "31"
    advisor = _shop(tmp_path, "内长比脚长长0.5-1cm，脚胖的选大一码。", name="儿童板鞋",
                    html="<table><tr><th>码数</th><th>内长(cm)</th><th>参考年龄</th></tr>"
                    "<tr><td>28</td><td>18.0</td><td>5岁</td></tr><tr><td>29</td><td>18.6</td><td>5-6岁</td></tr>"
                    "<tr><td>30</td><td>19.2</td><td>6岁</td></tr></table>")
    # 174mm leaves 6mm in a 28 (18.0cm) and 12mm in a 29: the 28. No age asked for beside a foot length.
    assert named_sizes(_ask(advisor, "脚长17.4 拍几码")) == {"28"}
    assert named_sizes(_ask(advisor, "脚长17.4 脚胖 拍几码")) == {"29"}
    assert "年龄" not in _ask(advisor, "拍几码")


def test_the_products_own_cut_a_measure_put_first_and_girths_beside_a_garment_length(tmp_path: Path) -> None:
    assert [(n.shift, n.condition) for n in fit_notes("本款是oversize宽松版，建议拍小一码")] == [(-1, None)]
    assert conflict_rule("胸围和体重对应不同尺码时，优先按胸围") == TieRule.BY_CHEST
    assert limits("体重90斤以下、220斤以上请联系客服") == {Measure.WEIGHT: Span(low=90.0, high=220.0)}
    rows = read_lines("4XL：体重180~210斤，衣长76，胸围132\n5XL：体重210到240斤，衣长78，胸围138\n7XL：体重270-300斤")
    assert [(row.label, set(row.spans)) for row in rows] == [("4XL", {Measure.WEIGHT}), ("5XL", {Measure.WEIGHT}),
                                                             ("7XL", {Measure.WEIGHT})]
    assert extract("臀围一米二 选哪个码").values == {Measure.HIP: 120.0}
    advisor = _shop(tmp_path, "2XL：体重120-150斤\\n3XL：体重150-180斤\\n4XL：体重180-210斤\\n"
                    "宽松版，建议拍小一码；想穿宽松一点的拍正常码。以体重为准。", name="大码垂感阔腿裤 200-300斤可穿")
    assert named_sizes(_ask(advisor, "阔腿裤 体重160斤")) == {"2XL"}
    assert named_sizes(_ask(advisor, "体重160斤 喜欢更宽松一点的")) == {"3XL"}  # 拍正常码: the chart's own size
    assert "以体重为准" in _ask(advisor, "体重160斤 胸围118 穿几码")
    assert "200" not in advisor.guide.names["p1"] and "阔腿裤" in advisor.guide.names["p1"]


def test_sizes_given_as_upper_bounds_and_an_inner_length_read_from_the_foot(tmp_path: Path) -> None:
    rows = read_lines("38码：脚长24以内\n39码：脚长24.5以内\n40码：脚长25以内")
    assert [(row.label, row.spans[Measure.FOOT]) for row in rows] == [
        ("38", Span(low=235.1, high=240.0)), ("39", Span(low=240.1, high=245.0)), ("40", Span(low=245.1, high=250.0))]
    assert traits_in("冬天要套两双袜子") == {"layered"} and "layered" not in traits_in("就穿普通棉袜")
    advisor = _shop(tmp_path, "本款偏小半码，不做半码，平时穿几码的建议拍大一码。内长 = 脚长 + 10mm 左右；"
                    "脚长卡在两个码中间的选大的那个。\\n38码 内长245mm\\n39码 内长250mm\\n40码 内长255mm"
                    "\\n41码 内长260mm",
                    name="复古工装靴")
    # The inner length read from the foot is the fit itself: no size more for how the sizes run.
    assert named_sizes(_ask(advisor, "脚长24.5 拍几码")) == {"40"}
    assert named_sizes(_ask(advisor, "脚长24.3 拍几码")) == {"40"}  # 253mm: between 39 and 40, the larger
    assert named_sizes(_ask(advisor, "平时穿39 拍几码")) == {"40"}
    assert "脚长" in _ask(advisor, "工装靴选多大的好")


def test_a_between_clause_with_its_own_instruction_leaves_the_next_clauses_their_own() -> None:
    notes = fit_notes("净胸围在两个码之间的拍大一码；肩宽、手臂偏粗的拍大一码；喜欢宽松效果的拍大一码。")
    assert {(n.shift, n.condition, n.between) for n in notes} == {(1, "broad_shoulder,thick_arm", False),
                                                                  (1, "loose", False)}
    listed = fit_notes("脚长卡在两个码中间的：脚宽的选大一码；脚瘦的选小一码。")
    assert {(n.shift, n.between) for n in listed} == {(1, True), (-1, True)}


def test_waists_in_chi_without_the_word_and_an_awaited_measure_said_with_its_unit() -> None:
    assert extract("两尺四的腰 买多大的").values == {Measure.WAIST: 80.0}
    assert extract("我腰2尺35").values == {Measure.WAIST: 78.3}
    assert extract("刚量了一下91公分", [Measure.WAIST]).values == {Measure.WAIST: 91.0}
    assert extract("刚量了一下91公分").values == {Measure.HEIGHT: 91.0}  # nothing awaited: a child's height


def test_a_table_set_side_by_side_and_a_tie_rule_said_as_which_number_to_read(tmp_path: Path) -> None:
    from kefu.sizing.charts import _unstacked
    from kefu.sizing.notes import usual_sizes

    side = [["码数", "脚长mm", "码数", "脚长mm"], ["36", "225", "37.5", "233"], ["36.5", "228", "", ""]]
    assert _unstacked(side) == [["码数", "脚长mm"], ["36", "225"], ["36.5", "228"], ["37.5", "233"]]
    title = [["尺码表", "尺码表", "尺码表", "尺码表"], ["码数", "脚长", "欧码", "参考"]]
    assert _unstacked(title) == title  # one title over merged cells is no pair of groups
    assert boundary_rule("脚长在两个数之间按大的数对照再拍小半码") == TieRule.LARGER
    assert usual_sizes("偏大半码，例如平时40拍39.5") == {"40": "39.5"}


def _bottoms_shop(tmp_path: Path, attributes: str, detail: str, rules: str = "") -> SizeAdvisor:
    shop = tmp_path / "bottoms"
    (shop / "products").mkdir(parents=True)
    (shop / "rules").mkdir()
    (shop / "products" / "q1.json").write_text(
        '{"goods_id": "q1", "goods_name": "宽松休闲束脚裤", "category": "休闲裤", "price_yuan": 49,'
        ' "skus": [{"sku_id": "q1-1", "spec": "灰色 S", "price_yuan": 49, "stock": 3}],'
        f' "attributes": {attributes}, "detail": "{detail}"}}', encoding="utf-8")
    if rules:
        (shop / "rules" / "size.md").write_text(rules, encoding="utf-8")
    return SizeAdvisor(learn_size_guide(shop))


def _said(advisor: SizeAdvisor, *texts: str) -> list[str | None]:
    state = ConversationState(shop_id="s", conversation_id="c", buyer_id="b", goods_id="q1")
    answers = []
    for text in texts:
        turn = advisor.consider(text, state)
        answers.append(None if turn is None else turn.answer)
    return answers


def test_a_girth_attribute_and_lengths_in_chi_are_waists() -> None:
    # 腰围 as the attribute's name: its bare cm values are waists, never heights.
    assert spans(read_lines("S:62-66cm | M:67-71cm", heading="腰围")) == [
        ("S", {"waist": (62, 66)}), ("M", {"waist": (67, 71)})]
    # A chest heading over bare numbers is the garment's: nothing read, rather than heights.
    assert read_lines("S:96-100cm | M:100-104cm", heading="胸围") == []
    # 市尺 without a word is a waist (26码=1尺9); after a word or a range's dash it stays as said.
    assert spans(read_lines("26码=1尺9、27码=2尺、28码=2尺1")) == [
        ("26", {"waist": (63.3, 63.3)}), ("27", {"waist": (66.7, 66.7)}), ("28", {"waist": (70, 70)})]
    assert spans(read_lines("S码 臀围2尺7-2尺8\nM码 臀围2尺9-3尺")) == [
        ("S", {"hip": (90, 93.3)}), ("M", {"hip": (96.7, 100)})]


def test_a_products_charts_read_together_without_asking_for_the_other_ones_measures(tmp_path: Path) -> None:
    advisor = _bottoms_shop(
        tmp_path, '{"腰围": "S:60-64cm | M:65-69cm | L:70-74cm"}', "以腰围为准，宽松版型。",
        "## 束脚裤尺码表\n\n| 尺码 | 体重 |\n|---|---|\n| S | 85-100斤 |\n| M | 100-115斤 |\n| L | 115-130斤 |\n\n"
        "束脚裤看上面的表。")
    found = advisor.guide.chart_for("q1")
    assert found is not None
    chart, _ = found
    assert {Measure.WAIST, Measure.WEIGHT} <= set(chart.measures) and chart.merged_from
    waist, weight, neither = _said(advisor, "腰围67 穿几码"), _said(advisor, "108斤 穿几码"), _said(advisor, "穿几码")
    assert named_sizes(waist[0]) == {"M"} and named_sizes(weight[0]) == {"M"}
    # Asked with nothing given, the agent asks only for its own chart's measure, not for every merged one.
    assert neither[0] is not None and "腰围" in neither[0] and "体重" not in neither[0]


def test_lengths_a_product_comes_in_are_named_by_the_height() -> None:
    from kefu.sizing.notes import length_versions

    lengths = length_versions("九分款适合身高150-160cm，长款适合161-172cm。")
    assert {name: (s.low, s.high) for name, s in lengths.items()} == {"九分款": (150, 160), "长款": (161, 172)}
    assert length_versions("身高150-158cm建议拍九分版；身高159-170cm的选长版") .keys() == {"九分版", "长版"}
    # A length's heights are which length to take, not a range of the product's sizes.
    assert limits("九分款适合身高150-160cm，长款适合161-172cm。") == {}
    assert limits("这款适合身高150-160cm") == {Measure.HEIGHT: Span(low=150, high=160)}


def test_lengths_in_the_advice_and_one_size_read_by_any_measure(tmp_path: Path) -> None:
    advisor = _bottoms_shop(
        tmp_path, '{"腰围": "S:60-64cm | M:65-69cm | L:70-74cm"}',
        "以腰围为准。七分款适合身高150-160cm，长款适合161-175cm。")
    short, tall = _said(advisor, "身高155 腰围66 拍几码"), _said(advisor, "身高178 腰围66 拍几码")
    assert named_sizes(short[0]) == {"M"} and "七分款" in (short[0] or "")
    assert "长款" in (tall[0] or "")  # past every length's heights: the nearest length there is
    one = SizeChart(chart_id="o", source="p#one-size", rows=[
        SizeRow(label="均码", spans={Measure.HEIGHT: Span(low=150, high=170), Measure.WEIGHT: Span(low=90, high=135)})])
    sizing = ProductSizing(goods_id="o", chart_id="o")
    assert advise(one, sizing, extract("110斤能穿吗", None), set()).sizes == ["均码"]
    assert advise(one, sizing, extract("140斤能穿吗", None), set()).kind == AdviceKind.HUMAN


def test_one_value_per_size_after_its_word_and_metres_with_a_zero() -> None:
    rows = read_lines("36码 内长232 适合脚长225\n37码 内长238 适合脚长230\n38码 内长244 适合脚长235")
    assert spans(rows) == [("36", {"foot": (225, 225)}), ("37", {"foot": (230, 230)}), ("38", {"foot": (235, 235)})]
    # A number without its word is still no measure (a price, a count).
    assert read_lines("36码 59元\n37码 3双") == []
    assert extract("宝宝一米零五 三十五斤", None).values == {Measure.HEIGHT: 105.0, Measure.WEIGHT: 35.0}


def test_measures_the_buyer_does_not_know_and_a_slight_build() -> None:
    assert extract("身高130 体重没称过", None).unknown == [Measure.WEIGHT]
    assert extract("不知道腰围 160斤", None).unknown == [Measure.WAIST]
    assert extract("腰围不清楚", None).unknown == [Measure.WAIST]
    assert traits_in("比较瘦") == {"slim"} and traits_in("喜欢显瘦") == {"fitted"}
    chart = SizeChart(chart_id="k", source="k", rows=[
        SizeRow(label="120", spans={Measure.HEIGHT: Span(low=110, high=120), Measure.WEIGHT: Span(low=38, high=46)}),
        SizeRow(label="130", spans={Measure.HEIGHT: Span(low=120, high=130), Measure.WEIGHT: Span(low=46, high=56)})])
    sizing = ProductSizing(goods_id="k", chart_id="k")
    assert advise(chart, sizing, extract("身高125", None), set()).kind == AdviceKind.ASK
    assert advise(chart, sizing, extract("身高125 体重没称过", None), set()).sizes == ["130"]
    # The product runs small (拍大一码) but slight children take the chart's size (偏瘦的按表格正常拍).
    notes = fit_notes("按表格找到尺码后请再拍大一码。偏瘦的宝贝不用拍大，按表格正常拍就可以。")
    sizing = ProductSizing(goods_id="k", chart_id="k", notes=notes)
    assert advise(chart, sizing, extract("身高115 40斤", None), set()).sizes == ["130"]
    assert advise(chart, sizing, extract("身高115 40斤", None), {"slim"}).sizes == ["120"]


def test_the_measure_the_sizes_are_read_by_in_other_wordings() -> None:
    assert conflict_rule("1. 按身高对表选码。") == TieRule.BY_HEIGHT
    assert conflict_rule("我们家童装都是按身高标码的") == TieRule.BY_HEIGHT
    assert conflict_rule("正常体型按身高拍") == TieRule.BY_HEIGHT
    assert conflict_rule("按体重拍大一码") is None  # a shift said by a measure, not the measure that decides


def test_late_pregnancy_the_verb_na_and_a_one_size_row_among_graded_sizes() -> None:
    notes = fit_notes("孕晚期（7个月及以后）：建议在表上的码基础上拿大一码。")
    assert [(n.shift, n.condition) for n in notes] == [(1, "late_pregnancy")]
    assert "late_pregnancy" in traits_in(arabic("怀孕八个月了")) and traits_in(arabic("孕5个月")) == set()
    assert conflict_rule("高腰款按现在体重（公斤）选 L / XL / 2XL") == TieRule.BY_WEIGHT
    assert conflict_rule("按孕前体重选码") == TieRule.BY_WEIGHT
    from kefu.sizing.charts import _distinct

    rows = [SizeRow(label=label, spans={Measure.WEIGHT: Span(low=low, high=low + 10)})
            for label, low in (("L", 90), ("XL", 101), ("均码", 90))]
    assert [row.label for row in _distinct(rows)] == ["L", "XL"]


def test_a_sneaker_size_converted_by_the_shops_word() -> None:
    from kefu.sizing.notes import sneaker_shift, usual_shift

    text = "平时穿运动鞋的，皮鞋一般拍小一码（运动鞋码偏大）。本款标准码，平时穿皮鞋几码拍几码。"
    assert sneaker_shift(text) == -1 and usual_shift(text) == 0
    heard = extract("平时穿运动鞋43码的 这个拍啥码", None)
    assert heard.usual == "43" and heard.in_sneakers
    chart = SizeChart(chart_id="s", source="s", rows=[SizeRow(label=str(n), spans={
        Measure.FOOT: Span(low=200 + 5 * n, high=204 + 5 * n)}) for n in range(39, 45)])
    sizing = ProductSizing(goods_id="s", chart_id="s", usual_shift=0, sneaker_shift=-1)
    advice = advise(chart, sizing, heard, set())
    assert advice.sizes == ["42"] and "小一码" in reply(advice)
    assert advise(chart, sizing, extract("平时皮鞋穿42", None), set()).sizes == ["42"]


def test_ranked_fallback_and_the_smallest_size() -> None:
    # The measure ranked second serves when the first is unknown; a measure called a reference is no fallback.
    assert fallback_measure("腰围优先，其次看体重") is Measure.WEIGHT
    assert fallback_measure("先看腰围，再看体重") is Measure.WEIGHT
    assert fallback_measure("以腰围为准，体重仅供参考") is None
    assert smallest_stays("26码是最小码，偏大的款也拍26")
    assert smallest_stays("没有更小的码了")
    assert not smallest_stays("偏大一码，建议拍小一码")


def test_a_listed_head_names_its_products_item_by_item() -> None:
    names = {"1": ["直筒牛仔裤", "直筒"], "2": ["阔腿牛仔裤", "阔腿"], "3": ["紧身牛仔裤", "紧身"],
             "4": ["工装裤"]}
    assert _listed_products("牛仔裤（直筒、紧身）、工装裤", names) == ["1", "3", "4"]
    # 牛仔裤 alone names three products, so it names none.
    assert _listed_products("牛仔裤", names) == []


def test_a_size_worn_in_another_product_does_not_name_that_product() -> None:
    chart, sizing = _chart()
    guide = SizeGuide(charts=[chart], products={"g1": sizing, "g2": sizing.model_copy(update={"goods_id": "g2"})},
                      names={"g1": ["牛仔裤"], "g2": ["阔腿裤"]})
    state = ConversationState(shop_id="s", buyer_id="b", goods_id="g2")
    # The buyer is on the wide-leg trousers' page: the jeans are only where the usual size comes from.
    assert SizeAdvisor(guide)._product("平时牛仔裤穿27 这条拍几码", state) in (None, "g2")
