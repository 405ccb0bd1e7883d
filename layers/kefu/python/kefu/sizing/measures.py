"""The measures a buyer gives, in any order and unit: 一米六 / 160cm / 1.6米, 98斤 / 49kg / 52公斤, 脚长23.5 / 235mm,
平时穿38的 / 平时M码, 腰围2尺1, 5岁, 8个月 — converted to each measure's canonical unit (models/sizing.UNITS)."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, Field

from kefu.models.sizing import Measure
from kefu.sizing.numbers import arabic
from kefu.understanding.normalize import Normalizer

NUMBER = r"\d+(?:\.\d+)?"
# Words that say which measure a following number is (身高160, 体重100, 脚长235 …).
KEYWORDS: tuple[tuple[Measure, str], ...] = (
    (Measure.FOOT, r"脚长|脚掌长|脚底长|脚的长度|脚"),
    (Measure.CHEST, r"胸围|胸"),
    (Measure.WAIST, r"腰围|腰"),
    (Measure.HIP, r"臀围|臀|屁股"),
    (Measure.WEIGHT, r"体重|重量|重|称|胖到|瘦到"),
    (Measure.HEIGHT, r"身高|个子|个头|高度|高|身长"),
    (Measure.MONTHS, r"月龄"),
    (Measure.AGE, r"年龄|今年"),
)
_KEYWORD = re.compile("|".join(f"(?P<{measure.value}>{pattern})" for measure, pattern in KEYWORDS))
# Number, then an optional unit.
_VALUE = re.compile(
    rf"(?P<num>{NUMBER})\s*(?:(?P<metre>米|m(?![a-z]))(?P<after>\d{{1,2}}(?![\d.]))?|"
    r"(?P<unit>cm|厘米|公分|mm|毫米|kg|公斤|千克|斤|岁|周岁|个月|月|尺|码|号|寸)(?P<tenths>(?<=尺)\d(?!\d))?|)"
)
_USUAL = re.compile(
    r"(?:平时|平常|一般|日常|正常|以前|别家|别的|其他|其它|之前|都)[^\d，,。;；]{0,6}?(?:穿|买|拍|选|是)\s*"
    rf"(?P<value>{NUMBER}|[2-6]?X{{0,4}}[SLM])\s*(?:码|号|的|size)?",
    re.IGNORECASE,
)
_WORN = re.compile(rf"穿\s*(?P<value>{NUMBER})\s*(?:码|号)?的?(?:鞋|鞋子|正好|刚好|合适|合脚)", re.IGNORECASE)
_DECISIVE_UNITS = frozenset({"斤", "kg", "公斤", "千克", "岁", "周岁", "个月"})
_FEET = re.compile(r"\d\s*(?:码|号)")


class BuyerMeasures(BaseModel):
    values: dict[Measure, float] = Field(default_factory=dict)
    usual: str | None = Field(default=None, description="the size the buyer says they usually wear: 38, M")

    def merged(self, newer: BuyerMeasures) -> BuyerMeasures:
        return BuyerMeasures(values={**self.values, **newer.values}, usual=newer.usual or self.usual)

    @property
    def empty(self) -> bool:
        return not self.values and self.usual is None


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    return Normalizer()


def fold(text: str) -> str:
    """繁→简, width folding, Chinese numerals as digits: 個子一米六 → 个子1米6."""
    return arabic(_normalizer().basic(text)).replace("．", ".")


def _measure_before(text: str, start: int) -> Measure | None:
    """The measure word nearest before position ``start`` (within a few characters, no other number between)."""
    window = text[max(0, start - 7):start]
    found: Measure | None = None
    for match in _KEYWORD.finditer(window):
        between = window[match.end():]
        if not re.search(r"\d", between) and not re.search(r"[，,。;；]", between):
            found = Measure(match.lastgroup) if match.lastgroup else None
    return found


def _convert(measure: Measure, value: float, unit: str | None) -> float | None:
    unit = (unit or "").lower()
    if measure == Measure.HEIGHT:
        if unit in ("mm", "毫米"):
            return value / 10
        if unit in ("", "cm", "厘米", "公分"):
            return value * 100 if value < 3 else value
        return None
    if measure == Measure.WEIGHT:
        if unit in ("kg", "公斤", "千克"):
            return value * 2
        if unit == "斤":
            return value
        # Without a unit: adults' weights in 斤 are 80+, in kg under 75 (the ambiguous middle reads as 斤).
        return value * 2 if unit == "" and value < 75 else value if unit == "" else None
    if measure == Measure.FOOT:
        if unit in ("mm", "毫米"):
            return value
        if unit in ("", "cm", "厘米", "公分"):
            return value * 10 if value < 40 else value
        return None
    if measure in (Measure.CHEST, Measure.WAIST, Measure.HIP):
        if unit == "尺":
            return round(value * 100 / 3, 1)
        if unit in ("", "cm", "厘米", "公分"):
            return value
        return None
    if measure == Measure.AGE:
        return value if unit in ("", "岁", "周岁") else None
    if measure == Measure.MONTHS:
        return value if unit in ("", "个月", "月") else None
    return None


def _by_unit(value: float, unit: str | None) -> Measure | None:
    """A number whose unit alone says which measure it is (98斤, 1米6, 8个月)."""
    unit = (unit or "").lower()
    if unit in ("斤", "kg", "公斤", "千克"):
        return Measure.WEIGHT
    if unit in ("岁", "周岁"):
        return Measure.AGE
    if unit in ("个月",):
        return Measure.MONTHS
    if unit in ("mm", "毫米") and 100 <= value <= 330:
        return Measure.FOOT
    if unit in ("cm", "厘米", "公分") and 45 <= value <= 210:
        return Measure.HEIGHT
    return None


def extract(text: str) -> BuyerMeasures:
    text = fold(text)
    values: dict[Measure, float] = {}
    usual: str | None = None
    for match in _USUAL.finditer(text):
        usual = match.group("value").upper()
    for match in _WORN.finditer(text):
        usual = match.group("value")
    taken: list[tuple[int, int]] = [m.span("value") for m in [*_USUAL.finditer(text), *_WORN.finditer(text)]]
    for match in _VALUE.finditer(text):
        start = match.start("num")
        if any(a <= start < b for a, b in taken):
            continue
        number = float(match.group("num"))
        if match.group("metre"):
            # 1米6 / 1米65 / 1.6米 / 1.65m: a height in metres.
            after = match.group("after")
            if number < 3:
                after = None if "." in match.group("num") else after
                centimetres = number * 100 + (float(after) * (10 if len(after) == 1 else 1) if after else 0)
                values[Measure.HEIGHT] = round(centimetres, 1)
            continue
        unit = match.group("unit")
        if unit in ("码", "号", "寸"):
            continue
        if unit == "尺" and match.group("tenths"):
            number += float(match.group("tenths")) / 10  # 2尺1 = 2.1尺
        # A unit that names one measure (98斤, 5岁) wins over a keyword before it (155的个子 85斤).
        by_unit = _by_unit(number, unit) if unit in _DECISIVE_UNITS else None
        measure = by_unit or _measure_before(text, start) or _by_unit(number, unit)
        if measure is None and not unit and 130 <= number <= 199:
            measure = Measure.HEIGHT  # "160 100斤": a bare adult height
        if measure is None:
            continue
        converted = _convert(measure, number, unit)
        if converted is not None and converted > 0:
            values.setdefault(measure, converted)
    return BuyerMeasures(values=values, usual=usual)


def mentions_worn_size(text: str) -> bool:
    return bool(_FEET.search(fold(text)))
