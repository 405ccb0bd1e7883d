"""Learning a shop from its bundle alone (kefu.knowledge.learn and its sources)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from kefu.knowledge.learn import LearnResult, learn_bundle
from kefu.knowledge.mining import RuleChecker, answer_polarity
from kefu.knowledge.snapshot import load_file, save_file
from kefu.knowledge.sources.chat_logs import load_chat_logs
from kefu.knowledge.sources.pages import parse_page
from kefu.knowledge.sources.products import spec_dimensions, split_detail
from kefu.knowledge.sources.rules import parse_markdown
from kefu.knowledge.sources.text import compact
from kefu.models.knowledge import ItemKind
from kefu.models.shop import Sku
from kefu.privacy.pii import find_pii

# The wrong or rude agent answers the sample's README lists (8 sessions); none may be learned.
BAD_ANSWERS = [
    "给您安排顺丰",
    "全国包邮",
    "我们是植物配方很温和",
    "直接染就行",
    "盖紧放冰箱冷藏",
    "您直接申请退货就行",
    "买不买随你",
    "自己没按说明用",
    "包装上写了要先做皮试",
]


@pytest.fixture(scope="module")
def learned(demo_shop: Path) -> LearnResult:
    return learn_bundle(demo_shop)


def _copy(shop: Path, tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(shop, target)
    return target


# ------------------------------------------------------------------ sources


def test_rules_split_by_h2_without_markup() -> None:
    title, sections = parse_markdown(
        "# 发货\n\n前言一句。\n\n## 发货时间\n- 付款后**48小时**内发货。\n1. 第一步 [链接](http://x)\n"
        "### 细节\n| 地区 | 运费 |\n|---|---|\n| 新疆 | 10元 |\n## 快递\n默认中通。\n"
    )
    assert title == "发货"
    assert [s.heading for s in sections] == ["", "发货时间", "快递"]
    body = "\n".join(sections[1].lines)
    assert "付款后48小时内发货。" in body and "**" not in body and "- " not in body
    assert "1. 第一步 链接" in body and "细节：" in body and "新疆：10元" in body


def test_plain_text_rules_are_read_and_other_files_reported(demo_shop: Path, tmp_path: Path) -> None:
    shop = _copy(demo_shop, tmp_path)
    (shop / "rules" / "发票说明.txt").write_text("电子发票在确认收货后申请，一般2个工作日开好。\n", encoding="utf-8")
    (shop / "rules" / "售后政策.docx").write_bytes(b"PK\x03\x04")
    result = learn_bundle(shop)
    assert any(item.source.startswith("rules/发票说明.txt#") and "2个工作日" in item.answer
               for item in result.snapshot.items)
    assert "unsupported_file" in result.report.dropped


def test_page_sections_tables_and_boilerplate() -> None:
    html = """<html><head><title>好物 - 店</title><script>var x='不要我';</script><style>.a{}</style></head>
    <body><nav>首页 导航</nav><div class="footer">版权所有</div>
    <h1>好物</h1><p>¥9.9</p><div class="colors"><span>红色</span><span>蓝色</span></div>
    <h2>参数</h2><table><tr><th>品牌</th><td>某牌</td></tr></table>
    <h2>步骤</h2><ol><li><b>一：</b>打开</li><li>使用</li></ol></body></html>"""
    title, sections = parse_page(html)
    text = json.dumps([(s.heading, s.lines, s.rows) for s in sections], ensure_ascii=False)
    assert title == "好物 - 店"
    assert "不要我" not in text and "导航" not in text and "版权" not in text
    assert "红色 蓝色" in text
    params = next(s for s in sections if s.heading == "参数")
    assert params.rows == [("品牌", "某牌")]
    steps = next(s for s in sections if s.heading == "步骤")
    assert steps.lines == ["1. 一：打开", "2. 使用"]



def test_page_chrome_without_markup_never_becomes_knowledge() -> None:
    html = """<html><body>
    <div class="top">商城首页 登录 免费注册 下载APP 领红包</div>
    <div class="top2"><a>首页</a> | <a>全部商品</a> | <a>购物车</a> | <a>联系客服</a></div>
    <div class="path">首页 &gt; 宠物生活 &gt; 猫咪主粮 &gt; 鲜肉猫粮</div>
    <h1>鲜肉猫粮</h1><p>成猫每天喂食量约为体重的2%，分2顿喂。</p>
    <p>有疑问可以联系客服，我们会尽快回复。</p>
    <h2>猜你喜欢</h2><p>猫砂 4袋装 ¥109 ｜ 冻干 ¥32.9</p>
    <div class="end">© 2025 某某专营店 · 鲁ICP备2023000000号-1</div></body></html>"""
    _, sections = parse_page(html)
    text = json.dumps([(s.heading, s.lines, s.rows) for s in sections], ensure_ascii=False)
    assert "免费注册" not in text and "购物车" not in text and "宠物生活" not in text
    assert "猜你喜欢" not in text and "冻干" not in text and "ICP" not in text
    # Real content survives, including a sentence that mentions the service desk.
    assert "分2顿喂" in text and "有疑问可以联系客服" in text

def test_detail_blocks_and_spec_dimensions() -> None:
    blocks = split_detail("开头介绍。\n\n【颜色】红、蓝。\n【使用方法】\n1. 打开\n2. 使用\n【注意】\n- 小心")
    assert blocks == [
        ("简介", "开头介绍。"),
        ("颜色", "红、蓝。"),
        ("使用方法", "1. 打开\n2. 使用"),
        ("注意", "小心"),
    ]
    skus = [
        Sku(sku_id="1", spec="红色 1瓶", price_yuan=10, stock=5),
        Sku(sku_id="2", spec="红色 2瓶装", price_yuan=18, stock=0),
        Sku(sku_id="3", spec="蓝色 1瓶", price_yuan=10, stock=9),
        Sku(sku_id="4", spec="蓝色 2瓶装", price_yuan=18, stock=3),
    ]
    assert spec_dimensions(skus) == [("colour", ["红色", "蓝色"]), ("size", ["1瓶", "2瓶装"])]


def test_chat_logs_dedupe_identical_sessions(demo_shop: Path) -> None:
    logs = load_chat_logs(demo_shop)
    assert logs.lines == 150
    assert logs.duplicates == 3
    assert len(logs.sessions) == 147


def test_product_facts_are_answerable(learned: LearnResult) -> None:
    facts = {i.source: i for i in learned.snapshot.items if i.kind == ItemKind.PRODUCT_FACT}
    price = facts["products/100001.json#price"].answer
    assert "39.9" in price and "69.9" in price and "45.9" in price and "拼单价" in price
    colours = facts["products/100001.json#colour"].answer
    assert "5个颜色" in colours and "奶茶色" in colours
    stock = facts["products/100001.json#stock/奶茶色"]
    assert "有货" in stock.answer and "奶茶色还有货吗" in stock.questions
    assert facts["products/100002.json#attr/停留时间"].answer.endswith("25分钟。")


# ------------------------------------------------------------------ the whole bundle


def test_every_item_cites_its_source(learned: LearnResult) -> None:
    items = learned.snapshot.items
    assert len({i.item_id for i in items}) == len(items)
    for item in items:
        assert item.source and "#" in item.source, item
        assert item.content_hash and item.answer.strip()
    kinds = {i.kind for i in items}
    assert kinds == set(ItemKind) - {ItemKind.TAUGHT_QA}  # taught items come from agents, not the bundle


def test_fact_group_coverage_at_least_95_percent(learned: LearnResult, demo_shop: Path) -> None:
    texts = [compact(item.answer) for item in learned.snapshot.items]
    total = covered = 0
    missing = []
    for line in (demo_shop / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        for turn in case["turns"]:
            for group in turn["expect"].get("facts", []):
                total += 1
                if any(compact(fact) in text for fact in group for text in texts):
                    covered += 1
                else:
                    missing.append((case["id"], group))
    assert total > 80
    assert covered / total >= 0.95, missing


def test_mined_items_are_clean(learned: LearnResult) -> None:
    mined = [i for i in learned.snapshot.items if i.kind == ItemKind.MINED_QA]
    assert len(mined) >= 8
    for item in mined:
        assert item.source.startswith("chat_logs/history.jsonl#cluster-")
        for text in [item.title, item.answer, *item.questions]:
            assert find_pii(text) == [], (item.item_id, text)
        for bad in BAD_ANSWERS:
            assert bad not in item.answer, (item.item_id, item.answer)
        assert len(item.questions) >= 2 or item.questions  # a cluster has its buyer variants


def test_report_explains_drops(learned: LearnResult) -> None:
    report = learned.report.as_dict()
    dropped = report["dropped"]
    for reason in ("duplicate_session", "rude", "contradicts_rules", "order_bound", "asked_once"):
        assert dropped[reason]["count"] > 0, reason
    assert dropped["duplicate_session"]["count"] == 3
    assert dropped["rude"]["count"] >= 2
    assert dropped["contradicts_rules"]["count"] >= 4
    # The report is stored with the snapshot: its examples are masked too.
    for entry in dropped.values():
        for example in entry["examples"]:
            assert find_pii(example) == [], example
    assert report["mining"]["clusters_kept"] == report["items_by_source"]["chat_logs"]


def test_rule_checker_catches_yes_answers_against_rules(learned: LearnResult) -> None:
    items = learned.snapshot.items
    checker = RuleChecker([(i.source, i.answer) for i in items if i.kind != ItemKind.MINED_QA])
    assert checker.conflict("黑头发直接染奶茶色能行吗", "可以的亲 我们家奶茶色很显色的 直接染就行")
    assert checker.conflict("孕妇能用不", "可以用的亲 我们是植物配方很温和")
    assert checker.conflict("可以发顺丰吗", "可以的亲 给您安排顺丰")
    assert not checker.conflict("我去年漂过 染奶茶色行吗", "可以的亲 漂过的头发染出来颜色更鲜艳哦")
    assert not checker.conflict("公司抬头可以吗", "可以的亲，公司抬头需要填写税号哦")
    assert answer_polarity("亲 不能指定快递的哦") == -1
    assert answer_polarity("好的亲 可以的") == 1
    assert answer_polarity("亲 我们在广东广州发货") is None


def test_learning_is_fast(demo_shop: Path) -> None:
    learn_bundle(demo_shop)  # warm imports (opencc, pypinyin)
    started = time.perf_counter()
    learn_bundle(demo_shop)
    assert time.perf_counter() - started <= 5.0


# ------------------------------------------------------------------ updates


def test_relearning_unchanged_bundle_keeps_version(
    learned: LearnResult, demo_shop: Path, tmp_path: Path
) -> None:
    path = save_file(learned.snapshot, tmp_path / "k.json.gz")
    previous = load_file(path)
    again = learn_bundle(demo_shop, previous=previous)
    assert again.snapshot.version == learned.snapshot.version
    changes = again.report.changes
    assert changes["changed"] == 0 and changes["added"] == 0 and changes["removed"] == 0
    assert changes["unchanged"] == len(learned.snapshot.items)
    assert [i.model_dump() for i in again.snapshot.items] == [i.model_dump() for i in learned.snapshot.items]


def test_removed_rule_section_and_product_disappear(
    learned: LearnResult, demo_shop: Path, tmp_path: Path
) -> None:
    shop = _copy(demo_shop, tmp_path)
    rules = shop / "rules" / "invoice.md"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.split("## 多久开好")[0], encoding="utf-8")
    (shop / "products" / "100003.json").unlink()
    result = learn_bundle(shop, previous=learned.snapshot)
    sources = {i.source for i in result.snapshot.items}
    assert "rules/invoice.md#多久开好" not in sources
    assert "rules/invoice.md#怎么申请" in sources
    assert not any(s.startswith("products/100003.json") for s in sources)
    assert not any(i.goods_id == "100003" and i.kind != ItemKind.MINED_QA for i in result.snapshot.items)
    changes = result.report.changes
    assert changes["removed"] >= 10 and "rules/invoice.md#多久开好" in changes["removed_sources"]
    assert result.snapshot.version != learned.snapshot.version
    # Items whose source did not change keep their id and hash.
    before = {i.item_id: i.content_hash for i in learned.snapshot.items}
    after = {i.item_id: i.content_hash for i in result.snapshot.items}
    same = [i for i in after if i in before and after[i] == before[i]]
    assert len(same) >= len(after) - changes["changed"] - changes["added"]


def test_changed_price_changes_only_its_items(learned: LearnResult, demo_shop: Path, tmp_path: Path) -> None:
    shop = _copy(demo_shop, tmp_path)
    path = shop / "products" / "100002.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["skus"][1]["stock"] = 0
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = learn_bundle(shop, previous=learned.snapshot)
    changed = set(result.report.changes["changed_ids"])
    sources = {i.item_id: i.source for i in result.snapshot.items}
    assert {sources[i] for i in changed} == {
        "products/100002.json#stock",
        "products/100002.json#stock/深棕色",
    }
    stock = next(i for i in result.snapshot.items if i.source == "products/100002.json#stock/深棕色")
    assert "缺货" in stock.answer
