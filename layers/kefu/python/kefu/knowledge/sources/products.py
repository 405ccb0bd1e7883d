"""Product records (products/*.json) → answerable facts and self-contained detail sections.

Facts: price per SKU option (拼单价 and 单独购买价), the list of colours / specs,
stock per option, every attribute, and a short overview. Sections: the free
``detail`` text split by its 【…】 blocks (or by paragraphs and "标题：" lines
when it has none), numbered steps kept together with their block.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kefu.knowledge.sources import Dropped, SourceResult
from kefu.knowledge.sources.text import guess_topic, load_data, make_item, tidy
from kefu.models.knowledge import ItemKind, KnowledgeItem
from kefu.models.shop import Product, Sku

_BLOCK = re.compile(r"^\s*【([^】\n]{1,20})】\s*", re.MULTILINE)
_LABEL_LINE = re.compile(r"^([^\s：:，。,.]{2,10})[：:]\s*$")
_LIST_MARK = re.compile(r"^[\-*•·]\s+", re.MULTILINE)  # bullet markers; numbered steps keep their numbers


@cache
def _facts_config() -> dict[str, Any]:
    data: dict[str, Any] = load_data("learn_facts.json")
    return data


def short_name(product: Product) -> str:
    """The first word of the goods name (titles are keyword-stuffed: 'X 泡沫型 遮白发 ...')."""
    first = product.goods_name.split()[0] if product.goods_name.split() else product.goods_id
    return first[:24]


def _money(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _dimension_kind(values: list[str]) -> str:
    config = _facts_config()
    size = re.compile(config["size_pattern"], re.IGNORECASE)
    clothing = re.compile(config["clothing_size_pattern"], re.IGNORECASE)
    if all(size.search(value) for value in values):
        return "size"
    if all(clothing.search(value) for value in values):
        return "clothing"
    if all(any(word in value for word in config["colour_words"]) for value in values):
        return "colour"
    return "other"


def spec_dimensions(skus: list[Sku]) -> list[tuple[str, list[str]]]:
    """Split SKU specs ('自然黑 2盒装') into dimensions: [(kind, ordered distinct values)].

    Specs are split on spaces / '|' / '/' / '，'; when SKUs disagree on the
    number of tokens, the whole spec is one dimension.
    """
    tokens = [[t for t in re.split(r"[\s|/，,;；]+", sku.spec.strip()) if t] for sku in skus]
    if not tokens or len({len(row) for row in tokens}) != 1 or not tokens[0]:
        values = list(OrderedDict.fromkeys(sku.spec.strip() for sku in skus))
        return [(_dimension_kind(values), values)] if values else []
    dimensions: list[tuple[str, list[str]]] = []
    for position in range(len(tokens[0])):
        values = list(OrderedDict.fromkeys(row[position] for row in tokens))
        dimensions.append((_dimension_kind(values), values))
    return dimensions


def _sku_tokens(sku: Sku) -> list[str]:
    return [t for t in re.split(r"[\s|/，,;；]+", sku.spec.strip()) if t]


def _price_lines(product: Product) -> tuple[str, list[str]]:
    """(price text, option values the price depends on)."""
    skus = product.skus
    name = short_name(product)
    if not skus:
        return f"{name}价格：{_money(product.price_yuan)}元。", []
    prices = {sku.price_yuan for sku in skus}
    singles = {sku.single_price_yuan for sku in skus if sku.single_price_yuan}
    group_word = "拼单价" if singles else "价格"
    if len(prices) == 1:
        price = next(iter(prices))
        text = f"{name}{group_word}{_money(price)}元"
        if len(singles) == 1:
            text += f"，单独购买{_money(next(iter(singles)))}元"
        if len(skus) == 1:
            text += f"（{skus[0].spec}）"
        else:
            text += "，所有规格同价"
        return text + "。" + _group_note(skus), []

    dimensions = spec_dimensions(skus)
    # Find the one dimension that determines the price (e.g. 1盒 vs 2盒装 across colours).
    for position, (_kind, values) in enumerate(dimensions):
        by_value: dict[str, set[tuple[float, float | None]]] = {}
        for sku in skus:
            tokens = _sku_tokens(sku)
            key = (
                tokens[position]
                if len(dimensions) > 1 and len(tokens) == len(dimensions)
                else sku.spec.strip()
            )
            by_value.setdefault(key, set()).add((sku.price_yuan, sku.single_price_yuan))
        if all(len(pairs) == 1 for pairs in by_value.values()):
            parts = []
            single_parts = []
            for value in values:
                price, single = next(iter(by_value.get(value, {(0.0, None)})))
                parts.append(f"{value} {_money(price)}元")
                if single:
                    single_parts.append(f"{value} {_money(single)}元")
            text = f"{name}{group_word}：" + "，".join(parts) + "。"
            if single_parts:
                text += "单独购买：" + "，".join(single_parts) + "。"
            return text + _group_note(skus), values
    parts = [f"{sku.spec} {_money(sku.price_yuan)}元" for sku in skus]
    single_parts = [f"{sku.spec} {_money(sku.single_price_yuan)}元" for sku in skus if sku.single_price_yuan]
    text = f"{name}{group_word}：" + "，".join(parts) + "。"
    if single_parts:
        text += "单独购买：" + "，".join(single_parts) + "。"
    return text + _group_note(skus), []


def _group_note(skus: list[Sku]) -> str:
    savings = [s.single_price_yuan - s.price_yuan for s in skus if s.single_price_yuan]
    if savings and all(saving > 0 for saving in savings):
        low, high = min(savings), max(savings)
        amount = _money(low) if abs(high - low) < 0.005 else f"{_money(low)}-{_money(high)}"
        return f"拼单价比单独购买便宜{amount}元，发起拼单或参加别人的拼单都按拼单价付款。"
    return ""


def _stock_word(stock: int) -> str:
    config = _facts_config()
    if stock <= 0:
        return str(config["out_of_stock"])
    if stock < int(config["low_stock_below"]):
        return f"{config['low_stock']}（仅剩{stock}件）"
    return f"{config['in_stock']}（库存{stock}件）"


def _item(
    shop_id: str,
    goods_id: str,
    kind: ItemKind,
    source: str,
    title: str,
    answer: str,
    questions: list[str] | None = None,
    topic: str | None = None,
) -> KnowledgeItem:
    prefix = "fact" if kind == ItemKind.PRODUCT_FACT else "section"
    questions = list(OrderedDict.fromkeys(q for q in (questions or []) if q))
    topic = topic or guess_topic(title, answer)
    return make_item(prefix, shop_id, goods_id, kind, source, title, answer, questions, topic)


def _templates(kind: str, **values: str) -> list[str]:
    return [template.format(**values) for template in _facts_config()["questions"].get(kind, [])]


def product_facts(product: Product, shop_id: str, rel: str) -> list[KnowledgeItem]:
    name = short_name(product)
    gid = product.goods_id
    items: list[KnowledgeItem] = []
    fact = ItemKind.PRODUCT_FACT

    price_text, _ = _price_lines(product)
    items.append(
        _item(
            shop_id,
            gid,
            fact,
            f"{rel}#price",
            f"{name} 价格",
            price_text,
            _templates("price", name=name),
            "price",
        )
    )

    dimensions = spec_dimensions(product.skus)
    names = _facts_config()["dimension_names"]
    for kind, values in dimensions:
        label = names[kind]
        if len(values) > 1:
            answer = f"{name}共有{len(values)}个{label}：{'、'.join(values)}。"
        else:
            answer = f"{name}{label}：{values[0]}。"
        items.append(
            _item(
                shop_id,
                gid,
                fact,
                f"{rel}#{kind}",
                f"{name} {label}",
                answer,
                _templates(kind, name=name),
                "product",
            )
        )

    if product.skus:
        # Stock per value of the first multi-valued dimension (colour first), plus one overall item.
        ordered = sorted(dimensions, key=lambda d: (d[0] != "colour", len(d[1]) <= 1))
        lead_kind, lead_values = ordered[0] if ordered else ("other", [])
        lead_position = dimensions.index((lead_kind, lead_values)) if ordered else 0
        if len(lead_values) > 1:
            for value in lead_values:
                skus = [s for s in product.skus if _value_at(s, lead_position, len(dimensions)) == value]
                parts = [f"{s.spec} {_stock_word(s.stock)}" for s in skus]
                items.append(
                    _item(
                        shop_id,
                        gid,
                        fact,
                        f"{rel}#stock/{value}",
                        f"{name} {value} 库存",
                        f"{name} " + "，".join(parts) + "。",
                        _templates("stock_value", value=value),
                        "product",
                    )
                )
        overall = "，".join(f"{s.spec} {_stock_word(s.stock)}" for s in product.skus)
        items.append(
            _item(
                shop_id,
                gid,
                fact,
                f"{rel}#stock",
                f"{name} 库存",
                f"{name}：{overall}。",
                _templates("stock"),
                "product",
            )
        )

    for key, value in product.attributes.items():
        value = str(value).strip()
        if not value:
            continue
        items.append(
            _item(
                shop_id,
                gid,
                fact,
                f"{rel}#attr/{key}",
                f"{name} {key}",
                f"{name} {key}：{value}。",
                _templates("attribute", key=key, name=name),
            )
        )

    overview = f"{product.goods_name.strip()}。"
    if product.category:
        overview += f"类目：{product.category}。"
    lowest = min([s.price_yuan for s in product.skus] or [product.price_yuan])
    overview += f"{_money(lowest)}元起。"
    items.append(
        _item(
            shop_id,
            gid,
            fact,
            f"{rel}#overview",
            f"{name} 商品简介",
            overview,
            _templates("overview", name=name),
            "product",
        )
    )
    return items


def _value_at(sku: Sku, position: int, dimension_count: int) -> str:
    tokens = _sku_tokens(sku)
    if dimension_count > 1 and len(tokens) == dimension_count:
        return tokens[position]
    return sku.spec.strip()


def split_detail(detail: str) -> list[tuple[str, str]]:
    """The detail text as (heading, body) blocks: 【…】 markers, else 'label:' lines, else paragraphs."""
    text = _LIST_MARK.sub("", tidy(detail))
    if not text:
        return []
    if _BLOCK.search(text):
        blocks: list[tuple[str, str]] = []
        matches = list(_BLOCK.finditer(text))
        intro = text[: matches[0].start()].strip()
        if intro:
            blocks.append(("简介", intro))
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            body = text[match.end() : end].strip()
            if body:
                blocks.append((match.group(1).strip(), body))
        return blocks
    blocks = []
    heading = "简介"
    current: list[str] = []
    for line in text.split("\n"):
        label = _LABEL_LINE.match(line)
        if label:
            if current:
                blocks.append((heading, "\n".join(current)))
            heading, current = label.group(1), []
            continue
        current.append(line)
    if current:
        blocks.append((heading, "\n".join(current)))
    # Merge blocks that share a heading (several paragraphs of the intro).
    merged: OrderedDict[str, list[str]] = OrderedDict()
    for head, body in blocks:
        merged.setdefault(head, []).append(body)
    return [(head, "\n".join(bodies)) for head, bodies in merged.items()]


def product_sections(product: Product, shop_id: str, rel: str) -> list[KnowledgeItem]:
    name = short_name(product)
    items = []
    seen: dict[str, int] = {}
    for heading, body in split_detail(product.detail):
        seen[heading] = seen.get(heading, 0) + 1
        anchor = heading if seen[heading] == 1 else f"{heading}-{seen[heading]}"
        # A one-line block reads as a sentence with its label: "颜色：自然黑、深棕色…".
        answer = f"{heading}：{body}" if "\n" not in body and heading != "简介" else body
        items.append(
            _item(
                shop_id,
                product.goods_id,
                ItemKind.PRODUCT_SECTION,
                f"{rel}#detail/{anchor}",
                f"{name} · {heading}",
                answer,
            )
        )
    return items


def load_products(shop_dir: Path) -> tuple[list[tuple[str, Product]], list[Dropped]]:
    products: list[tuple[str, Product]] = []
    dropped: list[Dropped] = []
    for path in sorted((shop_dir / "products").glob("*.json")):
        rel = path.relative_to(shop_dir).as_posix()
        try:
            product = Product.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, ValidationError) as error:
            dropped.append(Dropped("invalid_file", rel, str(error).splitlines()[0][:120]))
            continue
        products.append((rel, product))
    return products, dropped


def learn_products(shop_dir: Path, shop_id: str) -> tuple[SourceResult, list[Product]]:
    result = SourceResult()
    loaded, result.dropped = load_products(shop_dir)
    for rel, product in loaded:
        result.files.append(rel)
        result.items.extend(product_facts(product, shop_id, rel))
        result.items.extend(product_sections(product, shop_id, rel))
    return result, [product for _, product in loaded]
