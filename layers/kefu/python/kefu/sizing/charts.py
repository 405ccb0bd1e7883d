"""Find the size and spec charts of a bundle wherever the merchant put them, and which products they size.

Markdown tables and chart lines in ``rules/*.md`` (scoped to products by the section's heading), HTML tables and
chart lines in a detail page, chart lines in a product's ``attributes`` or ``detail`` (that product's own chart).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import jieba

from kefu.knowledge.sources.products import load_products
from kefu.models.shop import Product
from kefu.models.sizing import ChartProblem, FitNote, ProductSizing, SizeChart, SizeGuide, SizeRow
from kefu.sizing import notes as shop_notes
from kefu.sizing.tables import (
    GARMENT_WORDS,
    LABEL_HEADING,
    clean,
    named_measure,
    read_lines,
    read_table,
    size_label,
)

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")
# Garment types, so a heading or a buyer can name a product by its kind (裙子 → 连衣裙, 裤子 → 阔腿裤).
KIND_SUFFIXES = (
    "裙", "裤", "衣", "衫", "帽", "鞋", "靴", "袜", "恤", "套", "被", "枕", "垫", "戒", "表", "袖", "包", "镯",
    "链", "巾", "服", "装", "带", "甲",
)
# Who a chart (or a buyer) is for, when a product has one table each.
VARIANTS = {
    "male": r"男款|男士|男生|男性|男的|男装|男孩|老公|男朋友|男友|儿子|爸|爷爷|外公|哥|弟|^男",
    "female": r"女款|女士|女生|女性|女的|女装|女孩|老婆|女朋友|女友|闺女|女儿|妈|奶奶|外婆|姐|妹|^女",
    "child": r"儿童|童款|童装|小孩|宝宝|孩子",
}


@dataclass
class _Found:
    source: str
    title: str
    rows: list[SizeRow]
    text: str  # the words around the chart: notes, rules and limits are read from them
    goods_id: str | None = None  # a product's own chart
    variant: str | None = None  # 男款 / 女款 / 儿童: the short line that introduces the table
    adjusted: bool = False  # its sizes are what to order (建议拍 欧码): the product's shift is in them


@dataclass
class _Scan:
    charts: list[_Found] = field(default_factory=list)
    problems: list[ChartProblem] = field(default_factory=list)
    product_text: dict[str, list[str]] = field(default_factory=dict)  # goods_id → its own words


class _TableParser(HTMLParser):
    """The page's tables (colspan/rowspan expanded) and its text lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.lines: list[str] = []
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._span = 1
        self._pending: dict[tuple[int, int], str] = {}
        self._skip = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._rows, self._pending = [], {}
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            values = dict(attrs)
            self._cell, self._span = [], int(values.get("colspan") or 1)
            self._rowspan = int(values.get("rowspan") or 1)
        elif tag in ("p", "div", "li", "br", "h1", "h2", "h3", "h4", "section"):
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._rows is not None and self._cell is not None:
            row = self._rows[-1] if self._rows else []
            text = " ".join("".join(self._cell).split())
            row_index = len(self._rows) - 1
            while (row_index, len(row)) in self._pending:
                row.append(self._pending.pop((row_index, len(row))))
            column = len(row)
            row.extend([text] * self._span)
            for below in range(1, self._rowspan):
                for offset in range(self._span):
                    self._pending[(row_index + below, column + offset)] = text
            self._cell = None
        elif tag == "tr":
            if self._rows:
                # Cells spanned down from above at the end of a row (the last column's rowspan) close the row.
                row, row_index = self._rows[-1], len(self._rows) - 1
                while (row_index, len(row)) in self._pending:
                    row.append(self._pending.pop((row_index, len(row))))
            self._flush()
        elif tag == "table" and self._rows is not None:
            self.tables.append(self._rows)
            self._rows = None
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "h4", "section"):
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._rows is None:
            self._text.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self._text).split())
        if line:
            self.lines.append(line)
        self._text = []

    def close(self) -> None:
        super().close()
        self._flush()


def _markdown_table(lines: list[str]) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines
            if not _SEPARATOR.match(line.replace(" ", ""))]


def _read_block(source: str, title: str, table: list[list[str]], scan: _Scan, text: str,
                goods_id: str | None, variant: str | None = None, context: str = "") -> None:
    table = _unstacked(table)
    parts = _by_variant(table) if variant is None else []
    if parts:
        # One table with a column of whom each row is for (女款 / 男款): a chart for each.
        for whom, rows in parts:
            _read_one(f"{source}/{whom}", title, rows, scan, text, goods_id, whom, context)
        return
    _read_one(source, title, table, scan, text, goods_id, variant, context)


def _unstacked(table: list[list[str]]) -> list[list[str]]:
    """A table set side by side to save room (| 码数 | 脚长 | 码数 | 脚长 |): its column groups one under another."""
    if not table:
        return table
    header = [clean(cell) for cell in table[0]]
    for width in range(2, len(header) // 2 + 1):
        if len(header) % width:
            continue
        groups = [header[i:i + width] for i in range(0, len(header), width)]
        # Distinct headings repeated (码数, 脚长 | 码数, 脚長), not one title spread over merged cells.
        if all(group == groups[0] for group in groups) and len(set(groups[0])) == width and all(groups[0]):
            rows = [row[i:i + width] for i in range(0, len(header), width) for row in table[1:]]
            return [table[0][:width], *(row for row in rows if any(cell.strip() for cell in row))]
    return table


_WHOM_CELL = re.compile(r"\s*(?:男|女|儿童|童)(?:款|士|装|生|式|鞋)?\s*(?:[（(][^）)]*[）)])?\s*")


def _by_variant(table: list[list[str]]) -> list[tuple[str, list[list[str]]]]:
    """The table split by a column that says whom each row is for, that column left out; [] when it has none."""
    if len(table) < 3:
        return []
    for column in range(len(table[0])):
        # A cell that is whom the row is for, and nothing else (女款, 男款（黑灰）), not a note (女款常用).
        whom = [variant_of(row[column]) if column < len(row) and _WHOM_CELL.fullmatch(clean(row[column])) else None
                for row in table[1:]]
        said = [w for w in whom if w]
        if len(set(said)) < 2 or len(said) * 2 < len(whom):
            continue
        header = [cell for i, cell in enumerate(table[0]) if i != column]
        parts: dict[str, list[list[str]]] = {}
        for row, who in zip(table[1:], whom, strict=True):
            if who:
                parts.setdefault(who, [header]).append([cell for i, cell in enumerate(row) if i != column])
        return list(parts.items())
    return []


def _read_one(source: str, title: str, table: list[list[str]], scan: _Scan, text: str,
              goods_id: str | None, variant: str | None, context: str) -> None:
    # A garment's waist column is the buyer's to compare when the shop sizes by it (以腰围为准).
    said = "\n".join([text, context, *(" ".join(row) for row in table)])
    decisive = shop_notes.decisive_measure(said)
    reading = read_table(table, keep=frozenset({decisive} if decisive else ()))
    if reading is None:
        return
    if reading.problem:
        scan.problems.append(ChartProblem(source=source, reason=reading.problem))
        return
    scan.charts.append(_Found(source, title, reading.rows, text, goods_id, variant, reading.adjusted))


def variant_of(text: str) -> str | None:
    """male / female / child for a table's introducing line (男款：) or a buyer's words (给我老公 / 我男的)."""
    folded = clean(text)
    for variant, pattern in VARIANTS.items():
        if re.search(pattern, folded):
            return variant
    return None


def _scan_rules(shop_dir: Path, scan: _Scan) -> None:
    for path in sorted((shop_dir / "rules").glob("*.md")):
        rel = path.relative_to(shop_dir).as_posix()
        sections: list[tuple[str, list[str]]] = [("", [])]
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            found_heading = _HEADING.match(line)
            if found_heading:
                sections.append((found_heading.group(2).strip(), []))
            else:
                sections[-1][1].append(line)
        for heading, lines in sections:
            text = "\n".join(line for line in lines if not _TABLE_LINE.match(line))
            block: list[str] = []
            tables: list[list[str]] = []
            intros: list[str | None] = []
            before = ""
            for line in [*lines, ""]:
                if _TABLE_LINE.match(line):
                    if not block:
                        intros.append(variant_of(before) if len(before.strip()) <= 12 else None)
                    block.append(line)
                elif block:
                    tables.append(block)
                    block = []
                if line.strip() and not _TABLE_LINE.match(line):
                    before = line
            anchor = f"{rel}#{heading}" if heading else rel
            title = heading or path.stem
            for index, table in enumerate(tables):
                _read_block(f"{anchor}/table{index + 1}", title, _markdown_table(table), scan, text, None,
                            intros[index])
            rows = read_lines(text, heading=heading)
            if rows:
                scan.charts.append(_Found(f"{anchor}/lines", title, rows, text, None))


def _scan_product(shop_dir: Path, rel: str, product: Product, scan: _Scan) -> None:
    goods_id = product.goods_id
    own: list[str] = [product.detail, *(f"{k}：{v}" for k, v in product.attributes.items())]
    for key, value in product.attributes.items():
        if GARMENT_WORDS.search(key) and named_measure(key) is None:
            continue  # 裤长: 28-30码100cm is the garment's length
        rows = read_lines(value, heading=key)
        if rows:
            scan.charts.append(_Found(f"{rel}#attr/{key}", product.goods_name, rows, value, goods_id))
    # One attribute per size (M码: 身高150-158cm 体重80-100斤): the attributes together are the chart.
    by_size = "\n".join(f"{key}：{value}" for key, value in product.attributes.items() if size_label(key))
    rows = read_lines(by_size)
    if rows:
        scan.charts.append(_Found(f"{rel}#attributes", product.goods_name, rows, by_size, goods_id))
    rows = read_lines(product.detail)
    if rows:
        scan.charts.append(_Found(f"{rel}#detail", product.goods_name, rows, product.detail, goods_id))
    page = shop_dir / "products" / f"{goods_id}.html"
    if page.is_file():
        parser = _TableParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parser.close()
        page_rel = page.relative_to(shop_dir).as_posix()
        page_text = "\n".join(parser.lines)
        own.append(page_text)
        for index, table in enumerate(parser.tables):
            _read_block(f"{page_rel}#table{index + 1}", product.goods_name, table, scan, page_text, goods_id,
                        context=product.detail)
        rows = read_lines(page_text)
        if rows:
            scan.charts.append(_Found(f"{page_rel}#lines", product.goods_name, rows, page_text, goods_id))
    scan.product_text[goods_id] = own


def product_names(products: list[Product]) -> dict[str, list[str]]:
    """Words that name each product and no more than half of the others (brand words name them all)."""
    words: dict[str, set[str]] = {}
    for product in products:
        pieces = jieba.lcut(clean(product.goods_name))
        # Numbers and sizes in a title (200-300斤, 2XL-7XL) say what it fits, not which product it is.
        tokens = {t for t in pieces if len(t.strip()) >= 2 and not t.strip().isdigit() and not size_label(t)}
        # A kind the segmenter cut off (马丁 + 靴): the word with its kind.
        tokens |= {a + b for a, b in itertools.pairwise(pieces)
                   if len(b) == 1 and b in KIND_SUFFIXES and len(a.strip()) >= 2}
        # The kind ending a run of the title (垂感阔腿裤 → 阔腿裤, 腿裤), whatever the segmenter made of it; for a
        # product that is no kind of wear, only a kind that ends the run (not 小白鞋 in 小白鞋清洁剂).
        wear = product.category.strip()[-1:] in KIND_SUFFIXES
        tokens |= {run[start:end + 1] for run in re.findall(r"[\u4e00-\u9fffA-Za-z]+", clean(product.goods_name))
                   for end, char in enumerate(run) if char in KIND_SUFFIXES and (wear or end == len(run) - 1)
                   for start in range(max(0, end - 3), end)}
        for part in re.split(r"[/／、]", product.category):
            if len(part.strip()) >= 2:
                tokens.add(part.strip())
        if product.category.strip()[-1:] not in KIND_SUFFIXES:
            # 小白鞋清洁剂 (鞋类护理): a kind joined to the noun after it says what the product is for, not what it is.
            tokens -= {a for a, b in itertools.pairwise(pieces)
                       if a[-1:] in KIND_SUFFIXES and len(b.strip()) >= 2 and b == b.strip()}
        words[product.goods_id] = tokens
    counts = Counter(word for tokens in words.values() for word in tokens)
    limit = max(1, len(products) // 2)
    return {gid: sorted(w for w in tokens if counts[w] <= limit) for gid, tokens in words.items()}


def mentioned_products(text: str, names: dict[str, list[str]], kinds_only: bool = False,
                       summed: bool = False) -> list[str]:
    """Products a text names (by their own words, or by their kind: 裙子 → …连衣裙), best first. ``kinds_only``:
    only words that name a kind of thing count (a buyer's 修身 describes a wish, not the 修身连衣裙)."""
    text = clean(text).lower()
    scores: dict[str, float] = {}
    for goods_id, words in names.items():
        score = 0.0
        for word in words:
            if kinds_only and word[-1] not in KIND_SUFFIXES:
                continue
            lowered = word.lower()
            # A buyer's words: the longest word that names it decides (many 卫衣 words do not name it more).
            # A heading's words: every word counts (情侣款重磅连帽卫衣 names the couple's hoodie, not the child's).
            gained = float(len(lowered)) if lowered in text else _kind_tail(lowered, text)
            score = score + gained if summed else max(score, gained)
        if score:
            scores[goods_id] = score
    if not scores:
        return []
    best = max(scores.values())
    return [gid for gid, score in sorted(scores.items(), key=lambda kv: -kv[1]) if score == best]


def _kind_tail(word: str, text: str) -> float:
    """How much of a product word's kind a text names: 运动套装 → 套装 (2), 连衣裙 → 裙子 (1)."""
    if word[-1] not in KIND_SUFFIXES:
        return 0.0
    for size in range(len(word) - 1, 1, -1):
        if word[-size:] in text:
            return float(size)
    if len(word) >= 3 and word[0] + word[-1] in text:
        return 1.5  # the word shortened to its first and last characters (跑步鞋 → 跑鞋)
    return 1.0 if word[-1] + "子" in text else 0.0


def _chart_id(found: _Found) -> str:
    return hashlib.sha256(found.source.encode("utf-8")).hexdigest()[:12]


def _sells_labels(product: Product, rows: list[SizeRow]) -> bool:
    specs = " ".join(sku.spec for sku in product.skus) + " " + " ".join(product.attributes.values())
    tokens = {size_label(token) for token in re.split(r"[\s/、，,;；:：]+", clean(specs)) if token}
    return len(tokens & {row.label for row in rows}) >= 2


def learn_size_guide(shop_dir: Path) -> SizeGuide:
    shop_dir = Path(shop_dir)
    loaded, _ = load_products(shop_dir)
    products = [product for _, product in loaded]
    scan = _Scan()
    _scan_rules(shop_dir, scan)
    for rel, product in loaded:
        _scan_product(shop_dir, rel, product, scan)
    names = product_names(products)
    guide = SizeGuide(names=names, problems=scan.problems)
    charts: dict[str, tuple[SizeChart, _Found]] = {}
    named_by_title: set[str] = set()  # rules charts whose heading names their products (## 西裤（200103）)
    for found in scan.charts:
        chart = SizeChart(chart_id=_chart_id(found), source=found.source, title=found.title, rows=_distinct(found.rows),
                          notes=shop_notes.fit_notes(found.text, has_half_sizes(found.rows)),
                          variant=found.variant, adjusted=found.adjusted)
        if found.goods_id:
            chart.goods_ids = [found.goods_id]
        else:
            named = mentioned_products(found.title, names, summed=True) or _said_to_apply(found.text, names)
            chart.goods_ids = named or [p.goods_id for p in products if _sells_labels(p, found.rows)]
            if named:
                named_by_title.add(chart.chart_id)
        charts[chart.chart_id] = (chart, found)
    guide.charts = [chart for chart, _ in charts.values()]
    # Notes of the rules that name one product (版型提示: - 连衣裙：…建议拍大一码) belong to that product.
    named_lines: dict[str, list[str]] = {}
    # Lines of a rules file that name no product (腰围在两个码之间的选大一码): its sizing rules for the products of
    # the charts it holds, whichever section they are in.
    general: dict[str, list[tuple[str, set[str]]]] = {}
    for path in sorted((shop_dir / "rules").glob("*.md")):
        rel = path.relative_to(shop_dir).as_posix()
        section: str | None = None  # the product a heading names (## 冰丝防晒外套): its lines are about it
        scoped = False  # the heading names products: its lines are not the whole file's
        kinds: list[str] = []  # the products of the kinds a heading lists in brackets (上衣（T恤、卫衣）)
        columns: list[str] | None = None  # the headings of the table being read
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            heading = _HEADING.match(line)
            if heading:
                named = mentioned_products(heading.group(2), names, summed=True)
                section = named[0] if len(named) == 1 else None
                kinds = _kinds_listed(heading.group(2), names)
                scoped = bool(named)
                continue
            if _SEPARATOR.match(line.replace(" ", "")):
                continue
            table_row = bool(_TABLE_LINE.match(line))
            if not table_row:
                columns = None
            elif columns is None:
                columns = [cell.strip() for cell in line.strip().strip("|").split("|")]
                continue
            else:
                # A table row about one product, each cell under its column's heading, which says whom it is for:
                # | 玛丽珍 | 标准码 | 拍大一码 | under | 款式 | 版型 | 脚背高/脚肥 | is 脚背高/脚肥：拍大一码.
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                line = "；".join(f"{column}：{cell}" if column else cell
                                for column, cell in itertools.zip_longest(columns, cells, fillvalue=""))
            excepted: set[str] = set()
            if not table_row:
                # 男款派克棉服（330104）例外: the clause that names a product as the exception is not about it.
                kept: list[str] = []
                for clause in re.split(r"(?<=[。；;，,])", line):
                    named_here = mentioned_products(clause, names, summed=True) if _EXCEPTED.search(clause) else []
                    excepted.update(named_here)
                    kept += [] if named_here else [clause]
                line = "".join(kept)
            mentioned = mentioned_products(line, names, summed=True)
            if len(mentioned) == 1:
                named_lines.setdefault(mentioned[0], []).append(line)
            elif len(mentioned) > 1 and not table_row:
                # 牛仔裤（直筒、紧身）、工装裤：腰围优先；阔腿裤按体重选: each clause to the products it names.
                for clause in _CLAUSES.split(line):
                    for goods_id in _clause_products(clause, names):
                        named_lines.setdefault(goods_id, []).append(clause)
            elif not mentioned and len(kinds) > 1 and not table_row and line.strip():
                for goods_id in kinds:  # 上衣（T恤、卫衣）怎么选码: its lines are for every product of those kinds
                    named_lines.setdefault(goods_id, []).append(line)
            elif not mentioned and section and not table_row and line.strip():
                named_lines.setdefault(section, []).append(line)
            elif not mentioned and not scoped and not table_row and line.strip():
                general.setdefault(rel, []).append((line, excepted))
    # The shop's word on sneaker sizes (运动鞋码偏大，皮鞋拍小一码) serves every product its rules do not exempt.
    shop_wide_sneaker_shift = shop_notes.sneaker_shift("\n".join(
        path.read_text(encoding="utf-8", errors="replace") for path in sorted((shop_dir / "rules").glob("*.md"))))
    for product in products:
        goods_id = product.goods_id
        # Of a product's own charts, a table before lines, then the one with more sizes.
        own = sorted((c for c, f in charts.values() if f.goods_id == goods_id),
                     key=lambda c: ("#table" not in c.source, -len(c.rows)))
        shared = sorted((c for c, f in charts.values() if f.goods_id is None and goods_id in c.goods_ids),
                        key=lambda c: not _sells_labels(product, c.rows))
        candidates = own or shared
        chosen = candidates[0] if candidates else None
        # A rules section that names the product says how to size it, though the chart chosen is its own page's.
        sections = [c for c in shared if c is not chosen and c.chart_id in named_by_title]
        texts = [*scan.product_text.get(goods_id, []), *named_lines.get(goods_id, []),
                 *(charts[c.chart_id][1].text for c in sections)]
        if chosen is not None:
            texts.insert(0, charts[chosen.chart_id][1].text)
        if chosen is not None:
            files = {source.split("#")[0] for source in [chosen.source, *chosen.merged_from]}
            texts += [line for rel in sorted(files) for line, excepted in general.get(rel, [])
                      if goods_id not in excepted]
        joined = "\n".join(texts)
        half = chosen is not None and has_half_sizes(chosen.rows)
        notes = list(chosen.notes) if chosen is not None else []
        notes += [note for c in sections for note in c.notes]
        for text in [*scan.product_text.get(goods_id, []), *named_lines.get(goods_id, [])]:
            notes.extend(shop_notes.fit_notes(text, half))
        variants = {c.variant: c.chart_id for c in candidates if c.variant} if len(candidates) > 1 else {}
        if chosen is not None and not variants:
            chosen = _merged(chosen, [*own, *shared], guide)
        versions = _versions(product, "\n".join(texts))
        notes = [_for_version(note, versions) for note in notes]
        shift = shop_notes.usual_shift(_without_version_shifts(joined, versions), half)
        bounds = shop_notes.limits(joined)
        if chosen is None and bounds and _one_size(product, joined):
            # 均码, 适合身高155-170cm、体重85-130斤: the one size is a chart of those ranges.
            source = f"products/{goods_id}.json#one-size"
            chosen = SizeChart(chart_id=hashlib.sha256(source.encode("utf-8")).hexdigest()[:12], source=source,
                               title=product.goods_name, goods_ids=[goods_id],
                               rows=[SizeRow(label="均码", spans=dict(bounds))])
            guide.charts.append(chosen)
        if chosen is None and shift is not None:
            # No chart, but the shop says how its sizes run against the buyer's usual one (正码, 偏大一码拍小一码):
            # the sizes on sale are a chart read by the usual size alone.
            chosen = _usual_size_chart(product)
            if chosen is not None:
                guide.charts.append(chosen)
        guide.wishes.update({w: kind for w, kind in shop_notes.wish_words(joined).items() if w not in guide.wishes})
        guide.products[goods_id] = ProductSizing(
            goods_id=goods_id,
            chart_id=chosen.chart_id if chosen is not None else None,
            variants=variants,
            notes=shop_notes.unique([n for n in notes if not shop_notes.is_sneaker_conversion(n.text)]),
            conflict=shop_notes.conflict_rule(joined),
            conflict_for=shop_notes.trait_conflicts(joined),
            boundary=shop_notes.boundary_rule(joined),
            boundary_measure=shop_notes.boundary_measure(joined),
            limits=bounds,
            fallback=shop_notes.fallback_measure(joined),
            reference=shop_notes.reference_measures(joined),
            allowance=shop_notes.allowance(joined),
            room=shop_notes.allowance_span(joined),
            usual_shift=shift,
            versions=versions,
            on_sale=_sizes_on_sale(product),
            usual_sizes=shop_notes.usual_sizes(joined),
            single_shift=shop_notes.single_shift(joined),
            smallest_stays=shop_notes.smallest_stays(joined),
            shift_in_chart=shop_notes.shift_in_chart(joined),
            lengths=shop_notes.length_versions(joined),
            sneaker_shift=next((s for s in (shop_notes.sneaker_shift(joined), shop_wide_sneaker_shift)
                                if s is not None), None),
        )
    return guide


# 适用款式：经典直筒牛仔裤、加绒加厚牛仔裤 — the products a chart's section says it is for.
_APPLIES = re.compile(r"^\s*[-*]?\s*(?:适用|适合|适用于)(?:款式|商品|产品|宝贝|范围|于)?\s*[：:](?P<which>[^。\n]+)",
                      re.MULTILINE)


def _said_to_apply(text: str, names: dict[str, list[str]]) -> list[str]:
    match = _APPLIES.search(text)
    if match is None:
        return []
    which = re.split(r"[（(]", match.group("which"))[0]
    items = [item for item in re.split(r"[、，,/]|和|及", which) if item.strip(" *")]
    found = _listed_products(which, names)
    # Each item must name its product: a list read only in part would take the chart from the others.
    return found if len(found) >= len(items) else []


def _kinds_listed(heading: str, names: dict[str, list[str]]) -> list[str]:
    """The products of each kind a heading lists in brackets (上衣（T恤、卫衣）怎么选码 → every T恤 and 卫衣)."""
    listed = re.search(r"[（(]([^）)]*[、/，,和及][^）)]*)[）)]", heading)
    if listed is None:
        return []
    found: dict[str, None] = {}
    for item in re.split(r"[、/，,]|和|及", listed.group(1)):
        for goods_id in mentioned_products(item, names, kinds_only=True) if len(item.strip()) >= 2 else []:
            found.setdefault(goods_id)
    return list(found)


_SKU_SIZE = re.compile(r"(?<![\dA-Za-z])(?:\d{2,3}(?:\.5)?|[2-9]?X{0,4}[SML]|均码)\s*(?:码|号)?(?![\dA-Za-z])",
                       re.IGNORECASE)
_COLOUR = re.compile(r"[\u4e00-\u9fff]{0,3}色")
# A colour said without 色 (雾霾蓝, 米白): its hue morpheme.
_COLOUR_WORD = re.compile(r"[红橙黄绿青蓝紫黑白灰粉棕咖褐杏驼银金藏卡]")


def _sizes_on_sale(product: Product) -> list[str]:
    found: dict[str, None] = {}
    for sku in product.skus:
        for match in _SKU_SIZE.finditer(sku.spec):
            found.setdefault(re.sub(r"\s*(?:码|号)$", "", match.group(0)).upper())
    return list(found)


def _versions(product: Product, text: str) -> list[str]:
    """The versions a product's SKUs name besides colour and size (黑色单里 34码, 黑色加绒 34码 → 单里, 加绒), when
    its size text names one of them."""
    found: dict[str, None] = {}
    for sku in product.skus:
        rest = _COLOUR.sub(" ", _SKU_SIZE.sub(" ", sku.spec))
        for word in re.findall(r"[\u4e00-\u9fff]{2,4}", rest):
            if not _COLOUR_WORD.search(word):
                found.setdefault(word)
    return list(found) if len(found) >= 2 and any(word in text for word in found) else []


def _version_named(text: str, versions: list[str]) -> str | None:
    named = [v for v in versions if v in text]
    return named[0] if len(named) == 1 else None


def _for_version(note: FitNote, versions: list[str]) -> FitNote:
    """A note for everyone that names one version (加绒版内里有绒，偏小一码，拍大一码) is for that version."""
    version = _version_named(note.text, versions) if note.condition is None and note.shift else None
    return note.model_copy(update={"condition": f"version:{version}"}) if version else note


def _without_version_shifts(text: str, versions: list[str]) -> str:
    """The text less its clauses that move one version's size: how the product runs is the other versions'."""
    if not versions:
        return text
    kept = [c for c in re.split(r"(?<=[。；;\n])", text)
            if not (_version_named(c, versions) and shop_notes.fit_notes(c))]
    return "".join(kept)


_EXCEPTED = re.compile(r"例外|除外|不适用|不包括|不在此列")
_CLAUSES = re.compile(r"[；;。]")
_LISTED = re.compile(r"^(?P<head>[^：:，,]{1,40})[：:](?P<body>.+)$")


def _clause_products(clause: str, names: dict[str, list[str]]) -> list[str]:
    """The products one clause of a rules line is about: those listed before its colon (直筒、紧身、工装裤：…) when
    what follows names none, or the one product it names."""
    listed = _LISTED.match(clause.strip().lstrip("-*").strip())
    if listed and not mentioned_products(listed.group("body"), names, summed=True):
        return _listed_products(listed.group("head"), names)
    return _the_one_product(clause, names)


def _the_one_product(text: str, names: dict[str, list[str]]) -> list[str]:
    """The product a text names when it names exactly one; a text naming several names none."""
    named = mentioned_products(text, names, summed=True)
    return named if len(named) == 1 else []


_ITEM = re.compile(r"(?P<item>[^、，,/（(]+)(?:[（(](?P<kinds>[^）)]*)[）)])?")


def _listed_products(head: str, names: dict[str, list[str]]) -> list[str]:
    """The products a list names item by item (牛仔裤（直筒、紧身）、工装裤): the words in brackets narrow
    their item to the products they name; an item, or a word, naming several products names none."""
    found: list[str] = []
    for item in _ITEM.finditer(head):
        words = re.split(r"[、，,/]", item.group("kinds")) if item.group("kinds") else []
        picked = [goods_id for word in words if word.strip() for goods_id in _the_one_product(word, names)]
        picked = picked or _the_one_product(item.group("item"), names)
        found += [goods_id for goods_id in picked if goods_id not in found]
    return found


def _same_size(label: str) -> str:
    return re.sub(r"^(X{2,5})L$", lambda m: f"{len(m.group(1))}XL", label.upper())


def _merged(chosen: SizeChart, others: list[SizeChart], guide: SizeGuide) -> SizeChart:
    """One product's charts as one: each size of the chosen chart also takes the measures the product's other
    charts give that size (the page's 身高/体重 table, the rules' 腰围 table), so the buyer's measures read it
    whichever chart they fit, and no measure is asked for that another chart reads."""
    labels = {_same_size(label) for label in chosen.labels}
    extra = [c for c in others if c.chart_id != chosen.chart_id and not c.variant
             and labels <= {_same_size(label) for label in c.labels}]
    if not extra:
        return chosen
    rows: list[SizeRow] = []
    for row in chosen.rows:
        spans = dict(row.spans)
        for chart in extra:
            same = next((r for r in chart.rows if _same_size(r.label) == _same_size(row.label)), None)
            for measure, span in (same.spans.items() if same is not None else ()):
                spans.setdefault(measure, span)
        rows.append(row.model_copy(update={"spans": spans}))
    if rows == chosen.rows:
        return chosen
    sources = [chosen.source, *(c.source for c in extra)]
    source = " + ".join(dict.fromkeys(sources))
    merged = chosen.model_copy(update={
        "chart_id": hashlib.sha256(source.encode("utf-8")).hexdigest()[:12], "source": chosen.source,
        "rows": rows, "merged_from": [c.source for c in extra],
        "merged_measures": [m for m in {m: None for row in rows for m in row.spans} if m not in chosen.measures],
        "goods_ids": [gid for gid in chosen.goods_ids if gid in {g for c in extra for g in c.goods_ids}]
        or chosen.goods_ids})
    known = next((c for c in guide.charts if c.chart_id == merged.chart_id), None)
    if known is not None:
        return known
    guide.charts.append(merged)
    return merged


def _distinct(rows: list[SizeRow]) -> list[SizeRow]:
    """The rows once each: two tables of one page (女款 35-40, 男款 39-45) may repeat the sizes they share. A one
    size (均码) among graded sizes is another style's, sold in one size, not a step of this grading."""
    kept: list[SizeRow] = []
    graded = sum(row.label != "均码" for row in rows) >= 2
    for row in rows:
        if graded and row.label == "均码":
            continue
        if row not in kept:
            kept.append(row)
    return kept


def _one_size(product: Product, text: str) -> bool:
    """A product sold in one size (均码, 单一尺码, free size) by its SKUs, attributes or words."""
    specs = " ".join([*(sku.spec for sku in product.skus), *product.attributes.values(), text])
    return bool(re.search(r"均码|单一尺码|一个尺码|只有一个码|free\s*size|one\s*size", specs, re.IGNORECASE))


_LETTER_ORDER = ["XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL", "5XL", "6XL"]


def _usual_size_chart(product: Product) -> SizeChart | None:
    """The sizes a product sells (its SKUs' 38, 39 … or S, M …), in order, as rows without measures."""
    labels: list[str] = []
    for sku in product.skus:
        for token in re.split(r"[\s/、，,;；:：]+", clean(sku.spec)):
            label = size_label(token) if token else None
            if label and re.fullmatch(r"\d{2}(?:\.5)?|[2-9]?X{0,4}[SML]", label) and label not in labels:
                labels.append(label.replace("XXL", "2XL"))
    if len(labels) < 2:
        return None
    if all(re.fullmatch(r"\d{2}(?:\.5)?", label) for label in labels):
        labels.sort(key=float)
    elif all(label in _LETTER_ORDER for label in labels):
        labels.sort(key=_LETTER_ORDER.index)
    else:
        return None
    source = f"products/{product.goods_id}.json#skus"
    return SizeChart(chart_id=hashlib.sha256(source.encode("utf-8")).hexdigest()[:12], source=source,
                     title=product.goods_name, goods_ids=[product.goods_id], rows=[SizeRow(label=x) for x in labels])


def has_half_sizes(rows: list[SizeRow]) -> bool:
    """A chart whose sizes go in half steps (36, 36.5, 37): a half-size note moves one row."""
    numbers = [float(row.label) for row in rows if re.fullmatch(r"\d{2,3}(?:\.5)?", row.label)]
    return len(numbers) >= 2 and any(n % 1 for n in numbers)


def has_size_heading(text: str) -> bool:
    return bool(LABEL_HEADING.search(text))
