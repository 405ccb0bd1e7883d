"""Read the chart for the buyer's measures: one size, two to choose between, a measure to ask for, or a human.

The advice never names a size the chart does not give for these measures: outside the chart's range (or its
stated limits), or when the measures disagree by more than one size, the buyer goes to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from kefu.models.sizing import NAMES, UNITS, FitNote, Measure, ProductSizing, SizeChart, SizeRow, TieRule
from kefu.sizing.measures import BuyerMeasures

DECISIVE = {TieRule.BY_WEIGHT: Measure.WEIGHT, TieRule.BY_HEIGHT: Measure.HEIGHT, TieRule.BY_HIP: Measure.HIP,
            TieRule.BY_WAIST: Measure.WAIST, TieRule.BY_FOOT: Measure.FOOT}


# Specs that fit only the row they name (a 1.6米 bed takes neither the 1.5米 nor the 1.8米 cover).
EXACT = frozenset({Measure.BED})


class AdviceKind(StrEnum):
    SIZE = "size"
    ASK = "ask"
    HUMAN = "human"


@dataclass
class Advice:
    kind: AdviceKind
    sizes: list[str] = field(default_factory=list)
    missing: list[Measure] = field(default_factory=list)
    used: dict[Measure, float] = field(default_factory=dict)
    note: FitNote | None = None
    from_usual: bool = False
    why: str = ""


def required(chart: SizeChart, sizing: ProductSizing, decisive_only: bool = True) -> list[Measure]:
    """The measures a reading needs: all the chart's body measures, but age only when there is no height (a
    children's chart's age is a reference for its heights), and only the decisive one when the shop says which."""
    if not chart.measures:
        return [Measure.USUAL]  # the sizes on sale, read by the usual size alone
    measures = [m for m in chart.measures if sum(m in row.spans for row in chart.rows) * 2 >= len(chart.rows)]
    if Measure.HEIGHT in measures:
        measures = [m for m in measures if m not in (Measure.AGE, Measure.MONTHS)]
    # A cup by 上下胸围差 is read from the buyer's 上胸围 (with the band's 下胸围).
    measures = [Measure.CHEST if m == Measure.BUST_DIFF else m for m in measures]
    decisive = DECISIVE.get(sizing.conflict) if sizing.conflict else None
    if decisive_only and decisive in measures:
        return [decisive]
    return measures


def _candidates(chart: SizeChart, measure: Measure, value: float, boundary: TieRule | None) -> list[int] | None:
    """Row indexes whose range holds the value; the two neighbours in a gap; None outside the chart."""
    spans = [(index, row.spans[measure]) for index, row in enumerate(chart.rows) if measure in row.spans]
    if not spans:
        return None
    # Rows may share a range (a bra's band 70 is 70A, 70B, 70C): the ranges decide, then every row of each.
    ranges = sorted({(span.low, span.high) for _, span in spans})
    holding = [r for r in ranges if r[0] <= value <= r[1]]
    if not holding and measure in EXACT:
        return None  # a bed between the widths listed fits none of the covers: a person answers
    if not holding:
        below = [r for r in ranges if r[1] < value]
        above = [r for r in ranges if r[0] > value]
        if not below or not above:
            return None
        holding = [max(below, key=lambda r: r[1]), min(above)]  # between two sizes (a gap, or two listed points)
    if len(holding) == 2 and boundary is not None:
        holding = [max(holding)] if boundary == TieRule.LARGER else [min(holding)]
    return sorted(index for index, span in spans if (span.low, span.high) in holding)


def _applies(note: FitNote, traits: set[str], values: dict[Measure, float] | None = None,
             row: SizeRow | None = None) -> bool:
    if note.condition is None:
        return True
    if note.condition == "usual":
        return False
    parts = note.condition.split(",")
    over = [Measure(part.removeprefix("over:")) for part in parts if part.startswith("over:")]
    if over:
        # 臀围超出所选码的范围: the buyer's other measure is past the size the decisive one chose.
        for measure in over:
            value = (values or {}).get(measure)
            if value is not None and row is not None and measure in row.spans and value > row.spans[measure].high:
                return True
        return bool(set(p for p in parts if not p.startswith("over:")) & implied(traits))
    threshold = re.fullmatch(r"(\w+)(>=|<=)([\d.]+)", note.condition)
    if threshold:
        measure, side, limit = Measure(threshold.group(1)), threshold.group(2), float(threshold.group(3))
        value = (values or {}).get(measure)
        return value is not None and (value >= limit if side == ">=" else value <= limit)
    return bool(set(note.condition.split(",")) & implied(traits))


# What a trait implies about fit: a buyer who wears something underneath wants room, as one who minds tightness.
IMPLIES = {"layered": {"tight_averse", "loose"}, "tight_averse": {"loose"}}


def implied(traits: set[str]) -> set[str]:
    return traits.union(*(IMPLIES.get(trait, set()) for trait in traits))


def _from_usual(chart: SizeChart, sizing: ProductSizing, usual: str, traits: set[str]) -> Advice | None:
    """The buyer's usual size moved by how this product runs, then by a note for one of the buyer's traits
    (脚背高选大一码): one trait note, never two."""
    labels = [label.upper() for label in chart.labels]
    # The chart may name the usual size itself (欧码 beside 脚长码): then it is that row, as the shop states it.
    by_alias = [i for i, row in enumerate(chart.rows) if usual.upper() in (a.upper() for a in row.aliases)]
    extra = next((n.shift for n in sizing.notes if n.condition not in (None, "usual") and not n.to_usual
                  and _applies(n, traits)), 0)
    as_usual = any(n.to_usual and _applies(n, traits) for n in sizing.notes)
    shift = 0 if as_usual else sizing.usual_shift
    pairs = [_pair(label) for label in labels]
    if by_alias:
        index = by_alias[0] + extra
    elif _past_the_sizes(chart, usual):
        return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size past the sizes the chart names")
    elif all(pairs) and re.fullmatch(r"\d{2}", usual) and shift is not None:
        # Two sizes sold as one (36-37): the usual size moved by how the product runs, then the pair holding it.
        target = int(usual) + shift + (0 if as_usual else extra)
        holding = [i for i, pair in enumerate(pairs) if pair and pair[0] <= target <= pair[1]]
        if not holding:
            return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size outside the chart")
        index = holding[0]
    elif usual.upper() not in labels or shift is None:
        return None
    else:
        index = labels.index(usual.upper()) + shift + (0 if as_usual else extra)
    if not 0 <= index < len(labels):
        return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size outside the chart")
    note = None if as_usual else next((n for n in sizing.notes if n.condition == "usual"), None)
    return Advice(AdviceKind.SIZE, sizes=[chart.rows[index].label], note=note, from_usual=True)


def _pair(label: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})-(\d{2})", label)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _numbers(names: list[str]) -> list[float]:
    return [float(name) for name in names if re.fullmatch(r"\d{2}(?:\.5)?", name)]


def _past_the_sizes(chart: SizeChart, usual: str) -> bool:
    """A numeric usual size (40) past every size of the same system the chart names (its labels 35-39, or the
    row's other names 36-39 beside 脚长码 23-25): no row of this chart is that size."""
    if not re.fullmatch(r"\d{2}(?:\.5)?", usual):
        return False
    value = float(usual)
    for names in ([row.label for row in chart.rows], [a for row in chart.rows for a in row.aliases]):
        numbers = _numbers(names)
        # The same system: sizes within a few steps of the usual one (36-39 for 40, not 220-250 or 23-25).
        if len(numbers) >= 2 and min(numbers) - 6 <= value <= max(numbers) + 6:
            return not min(numbers) <= value <= max(numbers)
    return False


def advise(chart: SizeChart, sizing: ProductSizing, measures: BuyerMeasures, traits: set[str]) -> Advice:
    if not chart.measures:
        # The sizes on sale, read by the usual size alone (the shop says how they run against it).
        if measures.usual is None:
            return Advice(AdviceKind.ASK, missing=[Measure.USUAL])
        by_usual = _from_usual(chart, sizing, measures.usual, traits)
        return by_usual or Advice(AdviceKind.HUMAN, from_usual=True, why="usual size not among the sizes on sale")
    needed = required(chart, sizing)
    values = dict(measures.values)
    readable = set(chart.measures)
    if Measure.BUST_DIFF in readable:
        readable.add(Measure.CHEST)
        if Measure.CHEST in values and Measure.UNDERBUST in values:
            values[Measure.BUST_DIFF] = round(values[Measure.CHEST] - values[Measure.UNDERBUST], 1)
    given = {m: v for m, v in values.items() if m in readable}
    for measure, limit in sizing.limits.items():
        if measure in measures.values and not limit.contains(measures.values[measure]):
            return Advice(AdviceKind.HUMAN, used=given, why=f"{measure.value} outside the shop's stated range")
    missing = [m for m in needed if m not in given]
    if missing and sizing.fallback in given:
        missing = []  # 不知道腰围的按体重参考: the fallback measure reads the chart
    if missing and measures.usual:
        usual = _from_usual(chart, sizing, measures.usual, traits)
        if usual is not None:
            return usual
    if missing:
        # Ask for every measure the chart reads that is still unknown (身高和体重), though the decisive one alone
        # (以体重为准) would do: the buyer answers once.
        every = [m for m in required(chart, sizing, decisive_only=False) if m not in given]
        return Advice(AdviceKind.ASK, missing=every or missing, used=given)
    per_measure: dict[Measure, list[int]] = {}
    for measure in [m for m in chart.measures if m in given]:
        if measure in (Measure.AGE, Measure.MONTHS) and Measure.HEIGHT in given:
            continue
        found = _candidates(chart, measure, given[measure], sizing.boundary)
        if found is None:
            return Advice(AdviceKind.HUMAN, used=given, why=f"{measure.value} outside the chart")
        per_measure[measure] = found
    chosen = _combine(per_measure, sizing.conflict)
    if chosen is None:
        return Advice(AdviceKind.HUMAN, used=given, why="the measures point at sizes far apart")
    note = None
    if len(chosen) == 1:
        shifts = [n for n in sizing.notes
                  if not n.to_usual and _applies(n, traits, measures.values, chart.rows[chosen[0]])]
        if shifts:
            note = shifts[0]
            index = chosen[0] + note.shift
            if not 0 <= index < len(chart.rows):
                return Advice(AdviceKind.HUMAN, used=given, why="the fit note moves past the chart")
            chosen = [index]
    elif (wish := implied(traits)) & {"loose", "fitted"}:
        chosen = [max(chosen)] if "loose" in wish else [min(chosen)]
    return Advice(AdviceKind.SIZE, sizes=[chart.rows[i].label for i in chosen], used=given, note=note)


def _combine(per_measure: dict[Measure, list[int]], conflict: TieRule | None) -> list[int] | None:
    if not per_measure:
        return None
    sets = list(per_measure.values())
    common = sorted(set(sets[0]).intersection(*sets[1:]))
    if common:
        return common
    decisive = DECISIVE.get(conflict) if conflict else None
    if decisive is not None and decisive in per_measure:
        return per_measure[decisive]
    union = sorted(set().union(*sets))
    if conflict == TieRule.LARGER:
        return [union[-1]]
    if conflict == TieRule.SMALLER:
        return [union[0]]
    if union[-1] - union[0] > 1:
        return None
    return union


def _label(label: str) -> str:
    if re.search(r"\dx\d", label):
        return f"{label}的规格"  # a spec (被套 200x230), not a size
    if re.fullmatch(r"\d{2,3}[A-G]", label):
        return label  # a bra size (75B) is said as it is
    if _pair(label):
        return f"{label}这个号"  # two sizes sold as one (36-37)
    return label if label.endswith(("码", "号")) or "/" in label else f"{label}码"


def describe(used: dict[Measure, float]) -> str:
    parts = []
    for measure, value in used.items():
        number = f"{value:g}"
        parts.append(f"{NAMES[measure]}{number}{UNITS[measure]}")
    return "、".join(parts)


def reply(advice: Advice) -> str:
    """The buyer-facing sentence: the size and why, in one short line (never an echo of other sizes)."""
    if advice.kind == AdviceKind.ASK and advice.missing == [Measure.USUAL]:
        return "亲，您平时穿多大码呢？我按这款的尺码说明帮您推荐~"
    if advice.kind == AdviceKind.ASK:
        asked = "和".join(NAMES[m] for m in advice.missing)
        return f"亲，方便说下您的{asked}吗？我帮您对照尺码表推荐合适的码~"
    basis = "按您平时穿的码" if advice.from_usual else f"按您{describe(advice.used)}" if advice.used else "按尺码表"
    if len(advice.sizes) == 2:
        small, large = (_label(size) for size in advice.sizes)
        return f"亲，{basis}，{small}和{large}都能穿：喜欢宽松选{large}，喜欢合身选{small}哦~"
    size = _label(advice.sizes[0])
    if advice.sizes == ["均码"]:
        return f"亲，这款是均码，{basis}是可以穿的哦~"
    if advice.note is not None:
        way = "大" if advice.note.shift > 0 else "小"
        return f"亲，{basis}，结合这款的版型说明（建议拍{way}一码），推荐拍{size}哦~"
    return f"亲，{basis}，建议拍{size}哦~"
