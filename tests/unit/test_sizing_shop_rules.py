"""How a shop's size rules are read when they sit apart from the chart: another section of the rules file, a
section that says whom its table is for, versions in the SKUs, and what the buyer says roughly.

Every text here is made up for the mechanism it checks; none is taken from an evaluation case."""

from __future__ import annotations

import json
from pathlib import Path

from kefu_dev.evaluation.grade import named_sizes

from kefu.models.conversation import ConversationState
from kefu.models.sizing import Measure, TieRule
from kefu.sizing.charts import learn_size_guide
from kefu.sizing.conversation import SizeAdvisor
from kefu.sizing.measures import extract
from kefu.sizing.notes import fit_notes

TABLE = ("| 尺码 | 腰围(cm) | 体重(斤) |\n|---|---|---|\n| 28 | 70 | 100-110 |\n| 29 | 73 | 110-120 |\n"
         "| 30 | 76 | 120-130 |\n| 31 | 79 | 130-140 |\n| 32 | 82 | 140-150 |\n")


def _shop(tmp_path: Path, rules: str, products: dict[str, tuple[str, list[str]]],
          details: dict[str, str] | None = None) -> Path:
    shop = tmp_path / "shop"
    (shop / "rules").mkdir(parents=True)
    (shop / "products").mkdir()
    (shop / "shop.json").write_text('{"shop_id": "t", "shop_name": "t"}', encoding="utf-8")
    for goods_id, (name, specs) in products.items():
        skus = [{"sku_id": f"{goods_id}-{i}", "spec": spec, "price_yuan": 1, "stock": 1}
                for i, spec in enumerate(specs)]
        record = {"goods_id": goods_id, "goods_name": name, "price_yuan": 1, "skus": skus,
                  "detail": (details or {}).get(goods_id, "")}
        (shop / "products" / f"{goods_id}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (shop / "rules" / "尺码.md").write_text(rules, encoding="utf-8")
    return shop


def _ask(advisor: SizeAdvisor, goods_id: str, *texts: str) -> set[str]:
    state = ConversationState(shop_id="t", buyer_id="b", goods_id=goods_id)
    turn = None
    for text in texts:
        turn = advisor.consider(text, state)
    assert turn is not None
    return named_sizes(turn.answer) if turn.answer else {"handoff"}


def test_rough_figures_typed_numerals_and_a_bare_weight_after_a_height() -> None:
    assert extract("一米七五 一百四十来斤").values == {Measure.HEIGHT: 175, Measure.WEIGHT: 140}
    assert extract("八十多斤").values == {Measure.WEIGHT: 80}
    assert extract("一白二十斤").values == {Measure.WEIGHT: 120}  # 白 typed for 百
    assert extract("腰围2尺3半").values == {Measure.WAIST: 78.3}  # 2.35 尺
    assert extract("168 115").values == {Measure.HEIGHT: 168, Measure.WEIGHT: 115}
    assert extract("身高105 3").values == {Measure.HEIGHT: 105}  # a child's height is not paired this way


def test_rules_in_another_section_serve_the_chart_and_a_section_says_whom_its_table_is_for(tmp_path: Path) -> None:
    rules = ("# 尺码\n\n## 一、通用码表\n适用款式：水洗直筒裤、灯芯绒直筒裤\n\n" + TABLE +
             "\n## 二、选码方法\n1. 有腰围的以腰围为准。\n"
             "2. 腰围落在两个码之间的，拍大一码（例：腰围74cm，在29码73cm和30码76cm之间，拍30码）。\n"
             "3. 腰围68cm以下或者84cm以上的，请联系客服。\n")
    products = {"1": ("水洗直筒裤 男", ["蓝色 28码", "蓝色 29码", "蓝色 30码", "蓝色 31码", "蓝色 32码"]),
                "2": ("灯芯绒直筒裤 男", ["黑色 28码", "黑色 29码", "黑色 30码", "黑色 31码", "黑色 32码"]),
                "3": ("冰丝速干短裤 男", ["灰色 28码", "灰色 29码", "灰色 30码"])}
    guide = learn_size_guide(_shop(tmp_path, rules, products))
    assert len(guide.charts) == 1  # the worked example in section 二 is no chart of its own
    assert sorted(guide.charts[0].goods_ids) == ["1", "2"]  # 适用款式 scopes the table: not the shorts
    sizing = guide.products["2"]
    assert (sizing.boundary, sizing.conflict) == (TieRule.LARGER, TieRule.BY_WAIST)
    assert sizing.limits[Measure.WAIST].high == 84
    advisor = SizeAdvisor(guide)
    assert _ask(advisor, "2", "腰围77 穿几码") == {"31"}  # between 76 and 79: the larger
    assert _ask(advisor, "2", "腰围86 穿几码") == {"handoff"}


def test_two_sizes_between_is_a_tie_rule_and_an_exception_clause_is_not_about_its_product(tmp_path: Path) -> None:
    assert not [n for n in fit_notes("以腰围为准，2码之间选小1码") if n.condition is None]
    rules = ("## 码表\n\n" + TABLE + "\n## 说明\n- 腰围和体重对应的码不一样时以体重为准，灯芯绒直筒裤例外。\n")
    products = {"1": ("水洗直筒裤 男", ["28码", "29码", "30码"]), "2": ("灯芯绒直筒裤 男", ["28码", "29码", "30码"])}
    guide = learn_size_guide(_shop(tmp_path, rules, products))
    assert guide.products["1"].conflict == TieRule.BY_WEIGHT
    assert guide.products["2"].conflict is None


def test_a_note_on_top_of_the_shift_for_everyone_adds_to_it(tmp_path: Path) -> None:
    details = {"1": "尺码参考：\n28码：体重100-110斤\n29码：体重110-120斤\n30码：体重120-130斤\n31码：体重130-140斤\n"
                    "加厚内里偏小一码，建议拍大一码；小肚子明显的在此基础上再大一码。"}
    products = {"1": ("加厚保暖裤", ["28码", "29码", "30码", "31码"])}
    guide = learn_size_guide(_shop(tmp_path, "# 发货\n", products, details))
    advisor = SizeAdvisor(guide)
    assert _ask(advisor, "1", "体重105斤") == {"29"}
    assert _ask(advisor, "1", "体重105斤 有小肚子") == {"30"}


def test_versions_from_the_skus_and_sizes_the_skus_do_not_sell(tmp_path: Path) -> None:
    details = {"1": "按平时码选：薄款标准码，按平时码拍；加厚款偏小一码，拍大一码。"}
    specs = [f"黑色{version} {size}码" for version in ("薄款", "加厚") for size in (36, 37, 38, 39)]
    shop = _shop(tmp_path, "# 尺码\n\n| 尺码 | 脚长(mm) |\n|---|---|\n| 36 | 230 |\n| 37 | 235 |\n| 38 | 240 |\n"
                           "| 39 | 245 |\n| 40 | 250 |\n", {"1": ("雪地靴 女", specs)}, details)
    guide = learn_size_guide(shop)
    assert guide.products["1"].versions == ["薄款", "加厚"]
    assert guide.products["1"].usual_shift == 0
    advisor = SizeAdvisor(guide)
    assert _ask(advisor, "1", "薄款的 平时穿37") == {"37"}
    assert _ask(advisor, "1", "加厚的 平时穿37") == {"38"}
    assert _ask(advisor, "1", "加厚的 平时穿39") == {"handoff"}  # 40 is in the table, not on sale


def test_the_idiom_for_the_larger_of_two() -> None:
    from kefu.sizing.notes import boundary_rule, conflict_rule

    assert boundary_rule("脚长卡在两个码中间的，宁大勿小") == TieRule.LARGER
    assert conflict_rule("身高和体重对应的码不一样时，宁大勿小") == TieRule.LARGER
    assert boundary_rule("两个码之间选小码") == TieRule.SMALLER


def test_a_usual_size_in_another_system_reads_its_column(tmp_path: Path) -> None:
    rules = ("## 跑步鞋尺码\n\n| 欧码 | 美码 | 脚长(mm) |\n|---|---|---|\n| 40 | 7 | 250 |\n| 41 | 8 | 255 |\n"
             "| 42 | 8.5 | 260 |\n| 43 | 9.5 | 265 |\n\n本款偏小一码，建议拍大一码。\n")
    products = {"1": ("轻便跑步鞋 男", ["白色 40码", "白色 41码", "白色 42码", "白色 43码"])}
    advisor = SizeAdvisor(learn_size_guide(_shop(tmp_path, rules, products)))
    assert extract("我穿美码8的").usual == "US8"
    assert _ask(advisor, "1", "我穿美码8的 拍多少") == {"42"}  # US 8 is 41 here, and the shoe runs a size small
