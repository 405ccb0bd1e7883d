"""Tables and chart lines as the merchant wrote them → typed size rows (or the reason they cannot be read).

A table maps sizes to the measures of the body that fits them (身高, 体重, 脚长 …). Garment dimensions (衣长, 肩宽,
the garment's own 胸围) are not the buyer's measures: in a table that has them, 胸围/腰围 columns are skipped unless
the heading says they are the wearer's (适合/参考/建议).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from kefu.models.sizing import CEILINGS, MEASURE_WORDS, Measure, SizeRow, Span
from kefu.sizing.numbers import arabic, chi_as_waist, chi_to_cm

LABEL = re.compile(
    r"^(?P<label>[2-9]?X{0,4}[SML]|X{1,4}[SL]|\d{3}/\d{2,3}[AB]?|\d{2,3}[A-G](?![A-Za-z])|\d{2}[-/]\d{2}(?=\s*(?:码|号)?$)|\d{2,3}(?:\.5)?|\d{3}\s*[x×*]\s*\d{3}|\d(?=\s*(?:码|号|圈))|均码|F)\s*(?:码|号|圈)?"
    # A second name of the same size may follow (S/36, M(38), 36码/230): the first is the label.
    r"(?:\s*[/（(]\s*[0-9A-Za-z.]{1,6}\s*[)）]?)?$",
    re.IGNORECASE,
)
# A second system of sizes in its own column (中国码 230 beside 欧码 36): the size buyers order by comes first.
SECONDARY_LABEL = re.compile(r"中国|国内|内长|cm|mm|毫米|厘米|美码|英码|US|UK|平时|平常|日常|适合", re.IGNORECASE)
LABEL_HEADING = re.compile(
    r"尺码|码数|鞋码|^码$|型号|号型|size|童码|中国码|国内码|欧码|欧洲码|EUR|^码子$|^尺寸$|"
    r"圈号|戒圈|手寸|^号数$|规格", re.IGNORECASE
)
GARMENT_WORDS = re.compile(r"衣长|肩宽|袖长|裤长|裙长|摆围|下摆|前长|后长|领围|内长|鞋长|外长|大腿围")
_UNIT_WORD = r"(?:cm|厘米|公分|斤|kg|公斤)"
WEARER_WORDS = re.compile(r"适合|参考|建议|推荐|对应|身材|净")
_RANGE = re.compile(
    r"(?P<low>\d+(?:\.\d+)?)\s*(?P<lowunit>cm|mm|kg|斤|公斤|岁|个月|m|米)?\s*(?:-|~|～|〜|—|–|－|到|至|_)+\s*"
    r"(?P<high>\d+(?:\.\d+)?)\s*(?P<unit>cm|厘米|mm|毫米|kg|公斤|千克|斤|岁|个月|月|m|米)?",
    re.IGNORECASE,
)
_OPEN = re.compile(
    r"(?:(?P<lt>≤|<|小于|低于|不超过|不到)\s*)?(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>cm|厘米|mm|毫米|kg|公斤|千克|斤|岁|个月|月|m|米)?"
    r"\s*(?P<side>以下|以内|以上|及以上|及以下|\+)?",
    re.IGNORECASE,
)
_HEADER_UNIT = re.compile(r"(cm|厘米|公分|mm|毫米|kg|公斤|千克|斤|岁|个月|月)", re.IGNORECASE)
OPEN_END = {Measure.HEIGHT: 250.0, Measure.WEIGHT: 400.0, Measure.FOOT: 330.0, Measure.CHEST: 200.0,
            Measure.UNDERBUST: 150.0, Measure.BUST_DIFF: 40.0, Measure.WAIST: 200.0, Measure.HIP: 200.0, Measure.AGE: 18.0, Measure.MONTHS: 48.0,  # noqa: E501 (patterns read as one line)
            Measure.FINGER: 90.0, Measure.WRIST: 30.0, Measure.BED: 300.0, Measure.NECK: 60.0,
            Measure.INNER: 340.0, Measure.SHOE: 50.0}


# A value said again in another unit, in brackets after it (2尺2（约73cm）, 100-120斤(50-60kg)): said once.
_RESTATED = re.compile(rf"(?P<unit>{_UNIT_WORD})\s*[（(]\s*(?P<about>约|大约|≈)?\s*\d+(?:\.\d+)?\s*"
                       rf"(?P<inner>{_UNIT_WORD})?"
                       rf"(?:\s*(?:-|~|～|到)\s*\d+(?:\.\d+)?\s*(?P<inner2>{_UNIT_WORD})?)?\s*[)）]")


def _restated(match: re.Match[str]) -> str:
    """The bracket dropped when it says the same value again: 约…, or in another unit (斤 → kg); a bracket of
    the same unit is a range of its own (约12.5cm（11.5~13.5）) and stays."""
    inner = match.group("inner") or match.group("inner2")
    again = match.group("about") or (inner is not None and inner != match.group("unit"))
    return match.group("unit") if again else match.group(0)


def clean(cell: str) -> str:
    text = chi_to_cm(arabic(unicodedata.normalize("NFKC", cell)))
    return _RESTATED.sub(_restated, text).replace("**", "").strip().strip("*").strip()


_SPEC = re.compile(r"(\d)\s*[x×*]\s*(\d)", re.IGNORECASE)


def size_label(cell: str) -> str | None:
    match = LABEL.match(clean(cell).replace(" ", ""))
    if match is None:
        return None
    label = match.group("label")
    pair = re.fullmatch(r"(\d{2})[-/](\d{2})", label)
    if pair:
        # Two neighbouring sizes sold as one (拖鞋 36-37); any other pair of numbers is a range, not a size.
        low, high = int(pair.group(1)), int(pair.group(2))
        return f"{low}-{high}" if high == low + 1 else None
    if _SPEC.search(label):
        return _SPEC.sub(r"\1x\2", label)  # a spec (200×230, 200*230) written one way: 200x230
    return label.upper()


def measure_of_heading(heading: str) -> Measure | None:
    """The measure a heading names; of several (推荐身高体重 身高(cm), merged headings), the last: the lowest
    heading row is the most specific."""
    matches = [(match.start(), match.end(), measure) for measure, pattern in MEASURE_WORDS.items()
               for match in re.finditer(pattern, heading)]
    # A word inside a longer one (胸围 in 下胸围) is that longer word.
    found = [(start, measure) for start, end, measure in matches
             if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in matches)]
    return max(found)[1] if found else None


def to_canonical(measure: Measure, value: float, unit: str | None) -> float:
    """A chart value in the measure's canonical unit; without a unit, the magnitude decides."""
    unit = (unit or "").lower()
    if measure == Measure.HEIGHT:
        return value * 100 if unit in ("m", "米") or value < 3 else value / 10 if unit in ("mm", "毫米") else value
    if measure == Measure.WEIGHT:
        return value * 2 if unit in ("kg", "公斤", "千克") else value
    if measure in (Measure.FOOT, Measure.INNER):
        return value * 10 if unit in ("cm", "厘米") or value < 40 else value
    if measure == Measure.FINGER:
        return value * 10 if unit in ("cm", "厘米") or value < 10 else value
    if measure in (Measure.WRIST, Measure.BED):
        metres = unit in ("m", "米") or (measure == Measure.BED and value < 3)
        return value * 100 if metres else value / 10 if unit in ("mm", "毫米") else value
    return value


def parse_span(measure: Measure, cell: str, header_unit: str | None) -> Span | None:
    text = clean(cell)
    if not text or text in ("-", "/", "—"):
        return None
    match = _RANGE.search(text)
    if match:
        unit = match.group("unit") or match.group("lowunit") or header_unit
        low = to_canonical(measure, float(match.group("low")), unit)
        high = to_canonical(measure, float(match.group("high")), unit)
        return Span(low=min(low, high), high=max(low, high))
    match = _OPEN.fullmatch(text.replace(" ", "")) or _OPEN.search(text)
    if match is None:
        return None
    value = to_canonical(measure, float(match.group("value")), match.group("unit") or header_unit)
    side = match.group("side") or ""
    if match.group("lt") or side in ("以下", "以内", "及以下"):
        return Span(low=0.0, high=value)
    if side in ("以上", "及以上", "+"):
        return Span(low=value, high=OPEN_END[measure])
    return Span(low=value, high=value)


@dataclass
class TableReading:
    rows: list[SizeRow]
    problem: str | None = None
    adjusted: bool = False  # the sizes are what to order (建议拍): the product's own shift is already in them


def _is_data_row(cells: list[str]) -> bool:
    return any(re.search(r"\d", clean(cell)) for cell in cells[1:]) or any(size_label(c) for c in cells[:1])


def _continues_heading(above: list[str], row: list[str]) -> bool:
    """A row under a heading whose first cell is the heading's own, spanned down (rowspan): a heading row too,
    though its cells hold numbers (A杯 约10cm（9~11）)."""
    first = clean(row[0]) if row else ""
    return bool(first) and first == clean(above[0]) and not re.search(r"\d", first) and size_label(first) is None


def _headings(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Column headings (several heading rows joined: merged headings) and the data rows after them."""
    width = max(len(row) for row in rows)
    grid = [row + [""] * (width - len(row)) for row in rows]
    count = 1  # the first row is a heading; rows after it without numbers are headings too (merged headings)
    while count < len(grid) and (not _is_data_row(grid[count]) or _continues_heading(grid[count - 1], grid[count])):
        count += 1
    heading_rows = grid[:count]
    for row in heading_rows[:-1]:  # an upper heading spans the empty cells to its right
        for index in range(1, width):
            if not row[index].strip():
                row[index] = row[index - 1]
    headings = [" ".join(clean(row[i]) for row in heading_rows if clean(row[i])) for i in range(width)]
    return headings, grid[count:]


_FOREIGN_HEADING = {"US": re.compile(r"美码|美国码|^US$|\(US\)|（US）|US码", re.IGNORECASE),
                    "UK": re.compile(r"英码|英国码|^UK$|\(UK\)|（UK）|UK码", re.IGNORECASE)}


def foreign_system(heading: str) -> str | None:
    """US for a 美码 column, UK for a 英码 one: sizes of another system, named by their system."""
    return next((system for system, pattern in _FOREIGN_HEADING.items() if pattern.search(clean(heading))), None)


def _names_sizes(data: list[list[str]], label_column: int, index: int) -> bool:
    """A column whose values are the sizes' own numbers (衬衫 38码: 领围38): a measure of the wearer, not of the
    garment."""
    pairs = [(clean(row[label_column]), clean(row[index])) for row in data if max(label_column, index) < len(row)]
    same = [label for label, value in pairs if re.fullmatch(r"\d{2}(?:\.5)?", label) and value.startswith(label)]
    return len(pairs) >= 2 and len(same) * 2 > len(pairs)


def read_table(rows: list[list[str]], keep: frozenset[Measure] = frozenset()) -> TableReading | None:
    """None when the table is not a size chart at all. ``keep``: garment girths read as the buyer's (the shop
    sizes by that measure: 以腰围为准)."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        return None
    first_column = [clean(row[0]) for row in rows if row]
    if (sum(measure_of_heading(cell) is not None for cell in first_column[1:]) >= 1
            and sum(size_label(cell) is not None for cell in rows[0][1:]) >= 2):
        width = max(len(row) for row in rows)
        grid = [row + [""] * (width - len(row)) for row in rows]
        rows = [list(column) for column in zip(*grid, strict=True)]  # sizes as columns: transpose
    headings, data = _headings(rows)
    cups = _cup_grid(headings, data)
    if cups is not None:
        return cups
    named_columns = [i for i, h in enumerate(headings) if LABEL_HEADING.search(h)]
    primary = [i for i in named_columns if not SECONDARY_LABEL.search(headings[i])]
    candidates = primary or named_columns
    label_column: int | None = candidates[0] if candidates else None
    named = label_column is not None
    if label_column is None:
        labelled = [i for i in range(len(headings))
                    if len(data) >= 2 and all(size_label(r[i]) for r in data if r[i].strip())]
        label_column = labelled[0] if labelled else None
    if label_column is None:
        return None
    garment = any(GARMENT_WORDS.search(h) for h in headings)
    columns: list[tuple[int, Measure, str | None]] = []
    upper: dict[Measure, int] = {}
    for index, heading in enumerate(headings):
        if index == label_column:
            continue
        measure = measure_of_heading(heading)
        # A shoe's inner length is read only where the chart gives no foot length (鞋内长表, the foot plus room).
        inner = measure == Measure.INNER and not any(measure_of_heading(h) == Measure.FOOT for h in headings)
        if measure == Measure.SHOE and index in named_columns:
            continue  # 鞋码 beside 欧码: a second name of the sizes, not a measure
        if (GARMENT_WORDS.search(heading) and not inner
                and not (measure == Measure.NECK and _names_sizes(data, label_column, index))):
            continue
        if measure is None:
            continue
        if (garment and measure in (Measure.CHEST, Measure.WAIST, Measure.HIP) and not WEARER_WORDS.search(heading)
                and measure not in keep):
            continue
        heading_unit = _HEADER_UNIT.search(heading)
        if any(m == measure for _, m, _ in columns):
            if re.search(r"到|至|止|最大|上限|max", heading, re.IGNORECASE):
                upper[measure] = index  # 脚长 从 | 到: the second column is the range's upper end
            continue
        columns.append((index, measure, heading_unit.group(1) if heading_unit else None))
    other_labels = [i for i in named_columns if i != label_column]
    # 美码(US) / 英码(UK) beside 欧码: the buyer's usual size in another system names the same row (US8.5).
    foreign = {i: system for i, h in enumerate(headings) if i != label_column
               and (system := foreign_system(h)) is not None}
    labelled_rows = [row for row in data if label_column < len(row) and size_label(row[label_column])]
    if not columns:
        if not named or not labelled_rows:
            return None  # no measure, and no size named in its rows: a table about sizes, not a chart
        return TableReading([], "a size table without a body measure the agent can read (身高, 体重, 脚长 …)")
    parsed: list[SizeRow] = []
    unreadable = 0
    for row in data:
        label = size_label(row[label_column]) if label_column < len(row) else None
        if label is None:
            continue
        spans = {}
        for index, measure, unit in columns:
            span = parse_span(measure, row[index], unit) if index < len(row) else None
            end = upper.get(measure)
            if span is not None and end is not None and end < len(row):
                top = parse_span(measure, row[end], unit)
                if top is not None and span.low == span.high and top.high >= span.low:
                    span = Span(low=span.low, high=top.high)
            if span is not None:
                spans[measure] = Span(low=0.0, high=span.high) if measure in CEILINGS else span
        if spans:
            # A cell may name several (36码、37码: the usual sizes a 36-37 slipper is for).
            aliases = [alias for i in other_labels if i < len(row)
                       for part in re.split(r"\s*[、,，/或]\s*", clean(row[i])) if (alias := size_label(part))]
            aliases += [f"{system}{number.group(0)}" for i, system in foreign.items() if i < len(row)
                        if (number := re.search(r"\d{1,2}(?:\.5)?", clean(row[i])))]
            parsed.append(SizeRow(label=label, spans=spans, aliases=aliases))
        else:
            unreadable += 1
    if not parsed and not unreadable:
        return None  # no row names a size: a table about sizes, not a chart
    if not parsed or unreadable > len(parsed):
        return TableReading([], f"{unreadable} of {unreadable + len(parsed)} rows have no readable range")
    adjusted = bool(re.search(r"建议|推荐|应拍|该拍", headings[label_column]))
    return TableReading(grade_heights(_weights_in_kg(parsed, columns)), adjusted=adjusted)


# A cup column of a bra chart: A杯, B罩杯, 上胸围 C, CUP D.
_CUP = re.compile(r"(?<![A-Za-z])(?P<cup>[A-G])\s*(?:杯|罩杯|cup)|(?:上胸围|cup|罩杯)\s*(?P<cup2>[A-G])(?![A-Za-z])|^(?P<cup3>[A-G])$",  # noqa: E501 (patterns read as one line)
                  re.IGNORECASE)
_BAND = re.compile(r"[（(]\s*(\d{2,3})\s*[)）]|^(\d{2,3})$")


def _cup_grid(headings: list[str], data: list[list[str]]) -> TableReading | None:
    """A bra chart: rows are bands (下胸围 68-72 → 70), columns are cups whose cells are the 上胸围 of that band
    and cup. Each (band, cup) cell is a size of its own (70A) with both spans."""
    cups = [(i, (m.group("cup") or m.group("cup2") or m.group("cup3")).upper())
            for i, h in enumerate(headings) if (m := _CUP.search(h))]
    bands = [i for i, h in enumerate(headings) if measure_of_heading(h) == Measure.UNDERBUST]
    if len(cups) < 2 or not bands:
        return None
    # The band's range column (68~72), when the band's number (70) has a column of its own too.
    ranged = [i for i in bands if any((s := parse_span(Measure.UNDERBUST, r[i], None)) and s.high > s.low
                                      for r in data if i < len(r))]
    band_column = (ranged or bands)[0]
    label_columns = [i for i, h in enumerate(headings)
                     if (LABEL_HEADING.search(h) or i in bands) and i != band_column]
    differences = {i: _difference(headings[i]) for i, _ in cups}
    if all(differences.values()):
        return _cups_by_difference(data, band_column, cups, differences)
    rows: list[SizeRow] = []
    for row in data:
        band_span = parse_span(Measure.UNDERBUST, row[band_column], None) if band_column < len(row) else None
        if band_span is None:
            continue
        band = _band_label(row, band_column, label_columns, band_span)
        for index, cup in cups:
            chest = parse_span(Measure.CHEST, row[index], None) if index < len(row) else None
            if chest is not None and chest.high > band_span.high:
                rows.append(SizeRow(label=f"{band}{cup}", spans={Measure.UNDERBUST: band_span, Measure.CHEST: chest}))
    if not rows:
        return TableReading([], "a bra chart whose band or cup cells have no readable range")
    return TableReading(rows)


def _difference(heading: str) -> Span | None:
    """The cup's 上下胸围差 range written in its heading (B杯 约12.5cm（11.5~13.5）)."""
    cup = _CUP.search(heading)
    match = _RANGE.search(heading[cup.end():]) if cup else None
    return parse_span(Measure.BUST_DIFF, match.group(0), "cm") if match else None


def _cups_by_difference(data: list[list[str]], band_column: int, cups: list[tuple[int, str]],
                        differences: dict[int, Span | None]) -> TableReading:
    """A bra chart whose cups are ranges of 上下胸围差 and whose cells name the sizes (75B, — for none)."""
    rows: list[SizeRow] = []
    for row in data:
        band = parse_span(Measure.UNDERBUST, row[band_column], None) if band_column < len(row) else None
        for index, _ in cups:
            label = size_label(row[index]) if band is not None and index < len(row) else None
            difference = differences[index]
            if band is not None and label and difference is not None:
                rows.append(SizeRow(label=label, spans={Measure.UNDERBUST: band, Measure.BUST_DIFF: difference}))
    if not rows:
        return TableReading([], "a bra chart whose cells name no size")
    return TableReading(rows)


def _band_label(row: list[str], band_column: int, label_columns: list[int], span: Span) -> str:
    """The band as the shop names it: its own column (尺码 70), the number beside the range (68-72 (70)), or the
    band the range is centred on, in steps of 5."""
    for index in label_columns:
        if index < len(row) and (match := _BAND.search(clean(row[index]))):
            return match.group(1) or match.group(2)
    match = _BAND.search(clean(row[band_column]))
    if match and match.group(1):
        return match.group(1)
    return str(int(round((span.low + span.high) / 10) * 5))


def _weights_in_kg(rows: list[SizeRow], columns: list[tuple[int, Measure, str | None]]) -> list[SizeRow]:
    """A weight column without a unit whose values are all adult kilograms (< 80) is in kg, not 斤."""
    unit = next((u for _, m, u in columns if m == Measure.WEIGHT), "?")
    spans = [row.spans[Measure.WEIGHT] for row in rows if Measure.WEIGHT in row.spans]
    heights = [row.spans[Measure.HEIGHT].high for row in rows if Measure.HEIGHT in row.spans]
    if unit is None and spans and max(s.high for s in spans) < 80 and (not heights or min(heights) >= 140):
        for row in rows:
            if Measure.WEIGHT in row.spans:
                span = row.spans[Measure.WEIGHT]
                row.spans[Measure.WEIGHT] = Span(low=span.low * 2, high=span.high * 2)
    return rows


# "S码：身高155-160 体重85-95斤；M码 …", "35码=脚长225mm", "M(160-165cm/95-110斤)"
_LINE_LABEL = re.compile(
    r"(?<![A-Za-z0-9.\-~～—到至])(?:(?P<letter>[2-9]?X{0,4}[SML]|X{1,4}[SL]|均码)(?![A-Za-z])\s*(?:码|号)?\s*(?:[:：=（(\s]|(?=适合|对应|参考))|"
    # A size named by the height it is for (110cm：身高105-115).
    r"(?P<cm>\d{2,3}\s*cm)\s*[:：]|"
    # A 号型 (170/78A：腰围76-79cm).
    r"(?P<grade>\d{3}/\d{2,3}[A-CY]?)(?![\dA-Za-z/])\s*(?:[:：=（(]|\s)|"
    # Two neighbouring sizes as one (36-37：脚长220~228mm).
    r"(?P<pair>\d{2}\s*[-/]\s*\d{2})\s*(?:码|号)?\s*[:：]|"
    r"(?P<number>\d{2,3}(?:\.5)?)\s*(?:码|号)\s*[:：=（(]?|"
    # A bare number as the size when a colon and a measure word follow (110：身高100-110cm).
    r"(?P<bare>\d{2,3})\s*[:：]\s*(?=身高|体重|脚长|适合|参考|年龄))\s*(?=[^\d]{0,8}\d)", re.IGNORECASE,
)
_LINE_PAIR = re.compile(
    r"(?P<keyword>靴筒围|靴口围|小腿围|身高|体重|脚长|脚掌长|鞋内长|内长|胸围|腰围|臀围|领围|颈围|年龄|月龄|适合鞋码|鞋码|适合|参考)?\s*[:：约为在]?\s*"
    r"(?P<range>\d+(?:\.\d+)?\s*(?:cm|mm|kg|斤|公斤|岁|个月|m|米)?\s*(?:-|~|～|—|–|到|至)+\s*\d+(?:\.\d+)?\s*"
    r"(?:cm|厘米|mm|毫米|kg|公斤|千克|斤|岁|个月|月|m|米)?|\d+(?:\.\d+)?\s*(?:cm|厘米|mm|毫米|kg|公斤|斤|岁|个月)"
    r"\s*(?:以下|以内|以上|及以上)?|\d+(?:\.\d+)?\s*(?:以内|以下)|"
    # After its word a value needs no unit (内长175 适合脚长170): one value per size.
    r"(?(keyword)\d{2,3}(?:\.\d)?(?![\d.%]|\s*(?:-|~|～|—|–|到|至|元|块|件|个|双|天|年|级|月|号))|(?!)))",
    re.IGNORECASE,
)
# Another name of the same size in a line (23码：脚长225—230mm（平时穿36码）, 对应欧码36).
_ALIAS = re.compile(r"(?:平时|平常|日常|一般|欧码|国际码|对应|相当于)[^\d，,。;；]{0,4}?(\d{2}(?:\.5)?)\s*(?:码|号)?")
_ALIAS_BEFORE = re.compile(r"(?:平时|平常|日常|一般|欧码|国际码|对应|相当于)[^\d，,。;；]{0,4}$")
_UNIT_MEASURE = {"斤": Measure.WEIGHT, "kg": Measure.WEIGHT, "公斤": Measure.WEIGHT, "千克": Measure.WEIGHT,
                 "岁": Measure.AGE, "个月": Measure.MONTHS, "mm": Measure.FOOT, "毫米": Measure.FOOT}


def _line_measure(keyword: str | None, value_text: str, chunk: str = "") -> Measure | None:
    if keyword and keyword not in ("适合", "参考"):
        return measure_of_heading(keyword)
    if GARMENT_WORDS.search(chunk):
        return None  # 裤长100cm is the garment's length, not the wearer's height
    unit = _HEADER_UNIT.search(value_text)
    if unit:
        found = _UNIT_MEASURE.get(unit.group(1).lower())
        if found:
            return found
        if unit.group(1).lower() in ("cm", "厘米", "公分"):
            return Measure.HEIGHT
    return None


# A worked example (例：腰围79cm，在30码77cm和31码80cm之间，选31码) names sizes with measures, but is no chart row.
_IN_EXAMPLE = re.compile(r"例[:：如]|例子|比如|举例|[（(]如[:：]?")


def read_lines(text: str, heading: str = "") -> list[SizeRow]:
    """Chart rows written as text: each size label followed by its measures, until the next label. A heading
    that names a measure (脚长对照(cm)) gives the bare numbers after each label (34码=22.0) that measure."""
    text = clean(chi_as_waist(arabic(unicodedata.normalize("NFKC", text))))
    named = named_measure(heading)
    # A heading naming a girth (腰围: S:62-66cm) says what its unworded values are: a bottom's waist and hip
    # follow the wearer's; a chest beside bare numbers is mostly the garment's, so it is not read at all.
    headed = measure_of_heading(heading) if named is None and heading else None
    if headed in (Measure.WAIST, Measure.HIP):
        named = (headed, "")
    # A size named as another's alias (（平时穿36码）) is not a row of its own.
    # Nor is a size in a line about the garment (裤长：25-28码 100cm): its numbers are the garment's.
    labels = [m for m in _LINE_LABEL.finditer(text)
              if not _ALIAS_BEFORE.search(text[max(0, m.start() - 6):m.start()])
              and not _IN_EXAMPLE.search(re.split(r"[。\n]", text[:m.start()])[-1])
              and not GARMENT_WORDS.search(text[text.rfind("\n", 0, m.start()) + 1:m.start()])]
    rows: list[SizeRow] = []
    carried: str | None = None  # 29码 腰围2尺2 / 30码 2尺3: the measure word said once for a line of sizes
    for position, match in enumerate(labels):
        end = labels[position + 1].start() if position + 1 < len(labels) else len(text)
        chunk = text[match.end():end]
        chunk = re.split(r"[。\n]", chunk, maxsplit=1)[0]
        gap = text[labels[position - 1].end():match.start()] if position > 0 else "\n\n"
        # The measure word said once for a line of sizes, or for a block of lines (34码：脚长218-221mm,
        # then 34.5码：222~224).
        same_block = gap.count("\n") <= 1
        spans: dict[Measure, Span] = {}
        first = _LINE_PAIR.search(chunk)
        said = first.group("keyword") if first else None
        keyword: str | None = carried if same_block and first and not said else None
        carried = said if said and said not in ("适合", "参考") else carried if same_block else None
        for pair in _LINE_PAIR.finditer(chunk):
            if (spans and not pair.group("keyword") and re.search(r"[（(]\s*$", chunk[:pair.start()])
                    and not re.search(r"岁|月|斤|kg|公斤|千克", pair.group("range"), re.IGNORECASE)):
                continue  # 腰围2尺0-2尺1（67-70cm）: the length before it, said again in another unit
            keyword = pair.group("keyword") or keyword
            said_word = pair.group("keyword") or keyword
            # Under a heading that names the measure (尺码内长: 27码=17.4cm), a value without a word is that one.
            measure = named[0] if named is not None and not said_word else _line_measure(said_word,
                                                                                         pair.group("range"), chunk)
            if headed is not None and not said_word and measure != headed:
                continue  # under 胸围 a bare 96-100cm is not a height, whatever its unit suggests
            if measure is None or measure in spans:
                continue
            if measure in _LINE_GIRTHS and GARMENT_WORDS.search(chunk):
                continue  # 衣长74 胸围126: beside the garment's length, a girth is the garment's too
            span = parse_span(measure, pair.group("range"), None)
            if span is not None:
                spans[measure] = span
            keyword = None
        if Measure.FOOT in spans:
            spans.pop(Measure.INNER, None)  # 内长13.5cm，脚长12.6-13.0cm: the foot is what the buyer measures
        bare = _BARE_VALUE.match(chunk) if named is not None and not spans else None
        if bare is not None and named is not None:
            span = parse_span(named[0], bare.group(1) + (bare.group(2) or named[1]), None)
            if span is not None:
                spans[named[0]] = span
        if spans:
            label = match.group("letter") or match.group("grade") or match.group("number") or match.group("bare")
            if match.group("cm"):
                label = match.group("cm").replace(" ", "").lower()
            if match.group("pair"):
                label = size_label(match.group("pair").replace(" ", "")) or ""
            if not label:
                continue
            aliases = [m.group(1) for m in _ALIAS.finditer(chunk)]
            rows.append(SizeRow(label=label if match.group("cm") else label.upper(), spans=spans, aliases=aliases))
    # A chart has at least two sizes; one labelled line is a sentence that mentions a size.
    return grade_heights(_without_examples(_stepped(rows))) if len(rows) >= 2 else []


def _stepped(rows: list[SizeRow]) -> list[SizeRow]:
    """Sizes each given as an upper bound (38码：脚长24以内, 39码：24.5以内): each starts past the one before."""
    for measure in {m for row in rows for m in row.spans}:
        spans = [row.spans.get(measure) for row in rows]
        if not all(s is not None and s.low == 0 for s in spans):
            continue
        highs = [s.high for s in spans if s is not None]
        if highs != sorted(highs) or len(set(highs)) != len(highs):
            continue
        for previous, row in reversed(list(itertools.pairwise(rows))):
            row.spans[measure] = Span(low=round(previous.spans[measure].high + 0.1, 1), high=row.spans[measure].high)
        # The smallest size takes a step below its bound, as the others do (not every foot under 24cm).
        rows[0].spans[measure] = Span(low=round(2 * highs[0] - highs[1] + 0.1, 1), high=highs[0])
    return rows


_LINE_GIRTHS = frozenset({Measure.CHEST, Measure.WAIST, Measure.HIP})
_BARE_VALUE = re.compile(
    r"\s*[:：=]?\s*(\d+(?:\.\d+)?(?:\s*(?:-|~|～|—|–|到|至)+\s*\d+(?:\.\d+)?)?)\s*(cm|厘米|mm|毫米|斤|kg)?\s*"
    r"(?:[/／、，,;；|]|$)", re.IGNORECASE)


def named_measure(heading: str) -> tuple[Measure, str] | None:
    """The body measure and unit a heading or attribute name gives its values (脚长对照(cm) → foot, cm)."""
    heading = clean(heading)
    # Only the wearer's own measures: a girth beside bare numbers (胸围(cm): S 104) is mostly the garment's.
    keyword = re.search(r"身高|体重|脚长|脚掌长|鞋内长|内长", heading)
    if keyword is None:
        return None
    measure = measure_of_heading(keyword.group(0))
    unit = _HEADER_UNIT.search(heading)
    return (measure, unit.group(1) if unit else "") if measure is not None else None


def _without_examples(rows: list[SizeRow]) -> list[SizeRow]:
    """A size named twice, once with other measures than the rest (170/78A 表示适合身高170cm左右 … then the
    chart's 170/78A 腰围76-79cm): the odd one is an example in the text, not a row."""
    shapes = Counter(frozenset(row.spans) for row in rows)
    usual = shapes.most_common(1)[0][0]
    labels = Counter(row.label for row in rows)
    return [row for row in rows if labels[row.label] == 1 or frozenset(row.spans) == usual]


_GRADE = re.compile(r"(\d{3})/\d{2,3}[A-CY]?")


def grade_heights(rows: list[SizeRow]) -> list[SizeRow]:
    """Sizes named by 号型 (GB/T 1335: 170/78A is for a height of about 170 cm, in steps of 5) carry that height
    when the chart gives none."""
    grades = [_GRADE.fullmatch(row.label) for row in rows]
    if not all(grades) or any(Measure.HEIGHT in row.spans for row in rows):
        return rows
    return [row.model_copy(update={"spans": {**row.spans, Measure.HEIGHT: Span(low=int(g.group(1)) - 2.5,
                                                                                high=int(g.group(1)) + 2.5)}})
            for row, g in zip(rows, grades, strict=True) if g]
