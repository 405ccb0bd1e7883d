"""Read the chart for the buyer's measures: one size, two to choose between, a measure to ask for, or a human.

The advice never names a size the chart does not give for these measures: outside the chart's range (or its
stated limits), or when the measures disagree by more than one size, the buyer goes to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from kefu.models.sizing import (
    CEILINGS,
    NAMES,
    UNITS,
    FitNote,
    Measure,
    ProductSizing,
    SizeChart,
    SizeRow,
    Span,
    TieRule,
)
from kefu.sizing.measures import BuyerMeasures
from kefu.sizing.notes import said_amount

DECISIVE = {TieRule.BY_WEIGHT: Measure.WEIGHT, TieRule.BY_HEIGHT: Measure.HEIGHT, TieRule.BY_HIP: Measure.HIP,
            TieRule.BY_WAIST: Measure.WAIST, TieRule.BY_FOOT: Measure.FOOT, TieRule.BY_NECK: Measure.NECK,
            TieRule.BY_CHEST: Measure.CHEST, TieRule.BY_SHOE: Measure.SHOE, TieRule.BY_UNDERBUST: Measure.UNDERBUST}


# Specs that fit only the row they name (a 1.6米 bed takes neither the 1.5米 nor the 1.8米 cover).
EXACT = frozenset({Measure.BED})
ALTERNATIVES = {Measure.SHOE: {Measure.FOOT}, Measure.FOOT: {Measure.SHOE}}
GIRTHS = frozenset({Measure.WAIST, Measure.HIP, Measure.CHEST, Measure.NECK, Measure.UNDERBUST})
# An age is a reference only: it reads a chart without a height when it points at one size.
REFERENCE = frozenset({Measure.AGE, Measure.MONTHS})


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
    decisive: Measure | None = None  # the shop's measure that chose the size (以腰围为准)
    caveat: str | None = None  # the shop's word for a trait of the buyer's that moves nothing here
    between: TieRule | None = None  # the shop's rule picked one of two sizes (体重在两个码中间的选小一码)
    longer_foot: bool = False
    two_usual: bool = False
    or_usual: bool = False  # asking for the foot length, the size worn elsewhere would do as well
    runs: int | None = None  # how the product runs against the usual size (+1: 偏小一码)
    choose_by: tuple[str, str] | None = None  # whom the shop sends to the larger / smaller of two sizes
    from_sneakers: int | None = None  # the usual size was a sneaker size, moved this much to this kind of shoe
    smallest: bool = False  # the product runs large, and this is already its smallest size


def reads_usual_sizes(chart: SizeChart, sizing: ProductSizing) -> bool:
    """A shoe chart a usual size reads too: its rows name the usual sizes, or the shop says how it runs."""
    return Measure.FOOT in chart.measures and (any(row.aliases for row in chart.rows)
                                               or sizing.usual_shift is not None or bool(sizing.usual_sizes))


def readable_by(chart: SizeChart) -> set[Measure]:
    """The buyer's measures a chart can read: its own, a foot for a shoe's inner length, a chest for a cup."""
    measures = set(chart.measures)
    if Measure.INNER in measures:
        measures.add(Measure.FOOT)
    if Measure.BUST_DIFF in measures:
        measures.add(Measure.CHEST)
    return measures


def required(chart: SizeChart, sizing: ProductSizing, decisive_only: bool = True) -> list[Measure]:
    """The measures a reading needs: all the chart's body measures, but age only when there is no height (a
    children's chart's age is a reference for its heights), and only the decisive one when the shop says which."""
    if not chart.measures:
        return [Measure.USUAL]  # the sizes on sale, read by the usual size alone
    measures = [m for m in chart.measures if sum(m in row.spans for row in chart.rows) * 2 >= len(chart.rows)
                and m not in chart.merged_measures]
    if {Measure.HEIGHT, Measure.FOOT, Measure.INNER} & set(measures):
        measures = [m for m in measures if m not in (Measure.AGE, Measure.MONTHS)]
    # A cup by 上下胸围差 is read from the buyer's 上胸围 (with the band's 下胸围).
    measures = [Measure.CHEST if m == Measure.BUST_DIFF else m for m in measures]
    decisive = DECISIVE.get(sizing.conflict) if sizing.conflict else None
    if decisive_only and decisive in measures:
        return [decisive, *(m for m in measures if m in CEILINGS)]  # 按脚长选, and the boot's shaft must take the calf
    return measures


def _candidates(chart: SizeChart, measure: Measure, value: float, boundary: TieRule | None) -> list[int] | None:
    """Row indexes whose range holds the value; the two neighbours in a gap; None outside the chart."""
    spans = [(index, row.spans[measure]) for index, row in enumerate(chart.rows) if measure in row.spans]
    if not spans:
        return None
    # Rows may share a range (a bra's band 70 is 70A, 70B, 70C): the ranges decide, then every row of each.
    ranges = sorted({(span.low, span.high) for _, span in spans})
    holding = [r for r in ranges if r[0] <= value <= r[1]]
    if (not holding and measure not in EXACT and boundary is None and all(low == high for low, high in ranges)
            and len(ranges) >= 2):
        # A chart of single values (腰围 80 / 83.3 / 86.7): a value within a quarter step of one is that one
        # (83 is 83.3, not between 80 and 83.3), as a tape read to the centimetre would be; unless the shop says
        # what to take between two of its values (脚长在两个码之间的往大选).
        points = [low for low, _ in ranges]
        step = min(b - a for a, b in pairwise(points))
        near = [r for r in ranges if abs(r[0] - value) <= step / 4]
        holding = near[:1] if points[0] <= value <= points[-1] else []
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
    if note.condition.startswith("version:"):
        return note.condition in traits  # the buyer named this version (加绒的)
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
    trait_note = next((n for n in sizing.notes if n.condition not in (None, "usual") and not n.to_usual
                       and not n.between and n.shift and _applies(n, traits)), None)
    extra = trait_note.shift if trait_note is not None else 0
    as_usual = any(n.to_usual and _applies(n, traits) for n in sizing.notes)
    shift = 0 if as_usual else sizing.usual_shift
    if sizing.single_shift and shift and extra and (shift > 0) == (extra > 0):
        extra = 0  # 也只加一码: the product's own shift already gives the one size more
    if shift is None and named_by_measure(chart):
        shift = 0  # sizes named by the body measure itself (衬衫 40码 = 领围40): the usual size is that measure
    if shift is None and trait_note is not None:
        shift = 0  # the shop's note for this buyer (脚瘦的拍小一码) is said against the usual size
    pairs = [_pair(label) for label in labels]
    mapped = sizing.usual_sizes.get(usual.upper())
    if as_usual and usual.upper() in labels:
        index = labels.index(usual.upper())  # 拍正码: the usual size itself, not the row it would be moved to
    elif mapped in labels:
        index = labels.index(mapped) + extra  # the shop's own table (75B/75C/80A穿M)
    elif by_alias:
        # A size of another system (US8.5) is the buyer's usual one there: the product runs against it as well.
        foreign = re.match(r"(?:US|UK)\d", usual.upper()) is not None
        index = by_alias[0] + extra + (shift or 0 if foreign else 0)
    elif _past_the_sizes(chart, usual, shift or 0):
        return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size past the sizes the chart names")
    elif all(pairs) and re.fullmatch(r"\d{2}", usual) and shift is not None:
        # Two sizes sold as one (36-37): the usual size moved by how the product runs, then the pair holding it.
        target = int(usual) + shift + (0 if as_usual else extra)
        holding = [i for i, pair in enumerate(pairs) if pair and pair[0] <= target <= pair[1]]
        if not holding:
            return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size outside the chart")
        index = holding[0]
    elif (half := re.fullmatch(r"(\d{2})\.5", usual)) and shift is not None and not has_half_labels(labels):
        # 平时穿37.5 on whole sizes: between two of them, which the buyer's build or wish may settle.
        below, above = str(int(half.group(1)) + shift), str(int(half.group(1)) + shift + 1)
        if below not in labels or above not in labels:
            return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size outside the chart")
        pair, picked = _one_of_two(sizing, traits, [labels.index(below), labels.index(above)])
        return Advice(AdviceKind.SIZE, sizes=[chart.rows[i].label for i in pair], note=picked, from_usual=True,
                      runs=sizing.usual_shift, choose_by=_choose_by(sizing))
    elif usual.upper() not in labels and shift is not None and re.fullmatch(r"\d{2}", usual) and _numbered(labels):
        # 平时41 on a chart of 34-40 that runs a size large: 41 less one is 40.
        step = 0.5 if has_half_labels(labels) else 1.0  # on a chart of half sizes a size's shift is a row
        moved = f"{float(usual) + (shift + extra) * step:g}"
        if moved not in labels:
            return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size outside the chart")
        index = labels.index(moved)
    elif usual.upper() not in labels or shift is None:
        return None
    else:
        index = labels.index(usual.upper()) + shift + (0 if as_usual else extra)
    smallest = index < 0 and sizing.smallest_stays
    index = 0 if smallest else index  # 平时穿34码的亲，脚瘦也拍34（没有33码）
    if not 0 <= index < len(labels):
        return Advice(AdviceKind.HUMAN, from_usual=True, why="usual size outside the chart")
    note = None if as_usual else next((n for n in sizing.notes if n.condition == "usual"), None)
    if extra and trait_note is not None:
        note = trait_note  # the reply names the note that moved this buyer's size (脚宽选大一码)
    return Advice(AdviceKind.SIZE, sizes=[chart.rows[index].label], note=None if smallest else note,
                  from_usual=True, runs=None if as_usual else sizing.usual_shift, smallest=smallest)


def _numbered(labels: list[str]) -> bool:
    return len(labels) >= 2 and all(re.fullmatch(r"\d{2}(?:\.5)?", label) for label in labels)


def has_half_labels(labels: list[str]) -> bool:
    return any(re.fullmatch(r"\d{2}\.5", label) for label in labels)


def named_by_measure(chart: SizeChart) -> Measure | None:
    """The measure whose value each size is named by (38码 = 领围38cm), if any."""
    for measure in chart.measures:
        same = [row for row in chart.rows if measure in row.spans and re.fullmatch(r"\d{2,3}(?:\.5)?", row.label)
                and row.spans[measure].low <= float(row.label) <= row.spans[measure].high]
        if len(chart.rows) >= 2 and len(same) * 2 > len(chart.rows):
            return measure
    return None


def _pair(label: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})-(\d{2})", label)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _numbers(names: list[str]) -> list[float]:
    return [float(name) for name in names if re.fullmatch(r"\d{2}(?:\.5)?", name)]


def _past_the_sizes(chart: SizeChart, usual: str, shift: int = 0) -> bool:
    """A numeric usual size (40) past every size of the same system the chart names (its labels 35-39, or the
    row's other names 36-39 beside 脚长码 23-25): no row of this chart is that size."""
    if not re.fullmatch(r"\d{2}(?:\.5)?", usual):
        return False
    value = float(usual) + shift  # 平时41 on a chart to 40 that runs a size large: 40 is its size
    for names in ([row.label for row in chart.rows], [a for row in chart.rows for a in row.aliases]):
        numbers = _numbers(names)
        # The same system: sizes within a few steps of the usual one (36-39 for 40, not 220-250 or 23-25).
        if len(numbers) >= 2 and min(numbers) - 6 <= value <= max(numbers) + 6:
            return not min(numbers) <= value <= max(numbers)
    return False


def _for_buyer(sizing: ProductSizing, traits: set[str]) -> tuple[ProductSizing, set[str]]:
    """The product's rules for this buyer: a decisive measure for one of their traits (肚子大的以腰围为准), and
    their traits less those this product needs no other size for (凉鞋魔术贴可调，脚背高不用拍大)."""
    wish = implied(traits)
    rule = next((by for trait, by in sizing.conflict_for.items() if trait in wish), None)
    if rule is not None:
        sizing = sizing.model_copy(update={"conflict": rule})
    # 不用拍小，按平时的码数拍: a trait that keeps the usual size is not dropped as one that moves nothing.
    keeping = {trait for n in sizing.notes if n.to_usual and n.condition for trait in n.condition.split(",")}
    exempt = {trait for n in sizing.notes if n.exempt and n.condition and _applies(n, traits)
              for trait in n.condition.split(",")} - keeping
    # A wish implied by a trait (怕紧 → 宽松) goes with the trait it came from.
    kept = {t for t in traits if t not in exempt and not (IMPLIES.get(t, set()) and IMPLIES[t] <= exempt)}
    return sizing, kept if exempt & wish else traits


def _caveat(sizing: ProductSizing, traits: set[str]) -> str | None:
    """The shop's word for a trait of the buyer's that moves nothing here (脚瘦的拍正常码，觉得松可以垫个鞋垫)."""
    note = next((n for n in sizing.notes if (n.exempt or (n.to_usual and sizing.usual_shift == 0))
                 and n.condition and _applies(n, traits)), None)
    return note.text if note is not None else None


def _enough_without_decisive(chart: SizeChart, sizing: ProductSizing, given: dict[Measure, float]) -> bool:
    """The decisive measure is unknown, but what the buyer gave reads the chart: a measure that may decide alone
    (not the height, which says a length; not one the shop calls a reference), two measures (checked to agree), or
    an age on a chart without heights."""
    decisive = DECISIVE.get(sizing.conflict) if sizing.conflict else None
    readable = [m for m in given if m in chart.measures and m not in CEILINGS]  # a calf never chooses a size
    if decisive is None or decisive in given or not readable:
        return False
    if Measure.HEIGHT not in chart.measures and set(readable) <= REFERENCE:
        return True
    # Of two girths of one garment the shop chose one (以臀围为准): the other one alone does not do.
    rival = GIRTHS if decisive in GIRTHS else frozenset()
    alone = [m for m in readable
             if m not in REFERENCE and m != Measure.HEIGHT and m not in sizing.reference and m not in rival]
    return bool(alone) or len(readable) >= 2


def advise(chart: SizeChart, sizing: ProductSizing, measures: BuyerMeasures, traits: set[str]) -> Advice:
    caveat = _caveat(sizing, traits)
    if measures.in_sneakers and sizing.sneaker_shift and measures.usual and measures.usual.isdigit():
        # 穿运动鞋44码 in a shop that says 运动鞋码偏大，皮鞋拍小一码: the usual size in this kind of shoe is 43.
        measures = measures.model_copy(update={"usual": str(int(measures.usual) + sizing.sneaker_shift)})
        converted = advise(chart, sizing.model_copy(update={"sneaker_shift": None}), measures, traits)
        converted.from_sneakers = sizing.sneaker_shift
        return converted
    if any((n.as_charted or n.to_usual) and _applies(n, traits) for n in sizing.notes):
        # 喜欢宽大的直接按表拍: the chart's size for these buyers, without the product's shift for everyone.
        sizing = sizing.model_copy(update={"notes": [n for n in sizing.notes if n.condition is not None]})
    sizing, traits = _for_buyer(sizing, traits)
    measures = _china_size_as_foot(chart, measures)
    advice = _within_ceilings(chart, sizing, _advise(chart, sizing, measures, traits), measures.values)
    if advice.kind == AdviceKind.SIZE and caveat is not None:
        advice.caveat = caveat
    return _on_sale(chart, sizing, advice)


def _on_sale(chart: SizeChart, sizing: ProductSizing, advice: Advice) -> Advice:
    """A size the chart gives but the product is not sold in (the shop's table runs to 41, the SKUs to 40): a
    person answers, as for a buyer past the chart."""
    sold = {size.upper() for size in sizing.on_sale}
    if advice.kind != AdviceKind.SIZE or len(sold & {label.upper() for label in chart.labels}) < 2:
        return advice
    if all(size.upper() in sold for size in advice.sizes):
        return advice
    return Advice(AdviceKind.HUMAN, used=advice.used, from_usual=advice.from_usual, why="size not on sale")


def _china_size_as_foot(chart: SizeChart, measures: BuyerMeasures) -> BuyerMeasures:
    """A usual shoe size of three digits (平时穿235) is the 中国码, the foot length in mm, on a chart by foot length
    whose sizes are not so named."""
    usual = measures.usual
    if (usual is None or not re.fullmatch(r"\d{3}", usual) or not 150 <= int(usual) <= 300
            or Measure.FOOT not in chart.measures or Measure.FOOT in measures.values
            or usual in chart.labels
            or any(usual in row.aliases and not (Measure.FOOT in row.spans and row.spans[Measure.FOOT].low
                                                 <= float(usual) <= row.spans[Measure.FOOT].high)
                   for row in chart.rows)):
        return measures
    return measures.model_copy(update={"values": {**measures.values, Measure.FOOT: float(usual)}, "usual": None})


def _advise(chart: SizeChart, sizing: ProductSizing, measures: BuyerMeasures, traits: set[str]) -> Advice:
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
        readable.add(Measure.CHEST)  # as readable_by says; the foot reads an inner length only via the allowance
        if Measure.CHEST in values and Measure.UNDERBUST in values:
            values[Measure.BUST_DIFF] = round(values[Measure.CHEST] - values[Measure.UNDERBUST], 1)
    derived = set()
    if Measure.SHOE in readable and measures.usual and re.fullmatch(r"\d{2}(?:\.5)?", measures.usual):
        values.setdefault(Measure.SHOE, float(measures.usual))  # 穿30码的鞋: the socks for a size-30 shoe
    if Measure.INNER in readable and Measure.FOOT in values and Measure.INNER not in values and sizing.allowance:
        values[Measure.INNER] = values[Measure.FOOT] + sizing.allowance  # 内长 = 脚长 + the shop's room
        derived.add(Measure.INNER)
    given = {m: v for m, v in values.items() if m in readable}
    for measure, limit in sizing.limits.items():
        if measure in measures.values and not limit.contains(measures.values[measure]):
            return Advice(AdviceKind.HUMAN, used=given, why=f"{measure.value} outside the shop's stated range")
    # A foot length and a shoe size say the same thing (袜子 by 鞋码 or 脚长): either one reads the chart.
    missing = [m for m in needed if m not in given and not (ALTERNATIVES.get(m, set()) & set(given))]
    for measure, value in given.items():
        if (measure not in REFERENCE and measure not in CEILINGS and measure in chart.measures
                and _candidates(chart, measure, value, None) is None):
            # Past the chart on what was given (孩子130高 for a chart from 150): a person, before asking more.
            return Advice(AdviceKind.HUMAN, used=given, why=f"{measure.value} outside the chart")
    if missing and sizing.fallback in given:
        missing = []  # 不知道腰围的按体重参考: the fallback measure reads the chart
    if missing and set(given) - CEILINGS and set(missing) <= set(measures.unknown):
        missing = []  # 体重没称过: what the buyer can give is what reads the chart
    if missing and len(chart.rows) == 1 and set(given) - CEILINGS:
        missing = []  # one size (均码, 适合身高150-170、体重90-135斤): what was given is inside its ranges or not
    if missing and set(given) & set(chart.merged_measures) - CEILINGS:
        missing = []  # a measure another chart of the product gives these sizes (腰围 beside a 体重 table) reads it
    without_decisive = bool(missing) and _enough_without_decisive(chart, sizing, given)
    if without_decisive:
        missing = []
    if missing and measures.usual and not set(missing) & CEILINGS:
        usual = _from_usual(chart, sizing, measures.usual, traits)
        if usual is not None:
            usual.two_usual = measures.two_usual
            return usual
    if missing:
        # Ask for every measure the chart reads that is still unknown (身高和体重), though the decisive one alone
        # (以体重为准) would do: the buyer answers once.
        every = [m for m in required(chart, sizing, decisive_only=False) if m not in given]
        if measures.usual and set(missing) & CEILINGS:
            every = [m for m in every if m in CEILINGS]  # the usual size says the rest
        if sizing.allowance:
            # 内长 = 脚长 + 10mm: the buyer is asked for what they can measure, the foot.
            every = list(dict.fromkeys(Measure.FOOT if m == Measure.INNER else m for m in every))
            missing = [Measure.FOOT if m == Measure.INNER else m for m in missing]
        return Advice(AdviceKind.ASK, missing=every or missing, used=given,
                      or_usual=(every or missing) == [Measure.FOOT] and reads_usual_sizes(chart, sizing))
    per_measure: dict[Measure, list[int]] = {}
    between: TieRule | None = None
    for measure in [m for m in chart.measures if m in given and m not in CEILINGS]:
        if measure in REFERENCE and any(m not in REFERENCE for m in given):
            continue  # an age is a reference: a height or a foot length given decides
        # A foot between two sizes is an inner length between two when the foot reads the inner lengths.
        read_from = Measure.FOOT if measure in derived else None
        boundary = sizing.boundary if sizing.boundary_measure in (None, measure, read_from) else None
        found = _candidates(chart, measure, given[measure], boundary)
        if measure == Measure.INNER and measure in derived and sizing.room is not None:
            found = _with_room(chart, values[Measure.FOOT], sizing.room) or found
        if boundary is not None and found is not None and found != _candidates(chart, measure, given[measure], None):
            between = boundary
        if found is None:
            return Advice(AdviceKind.HUMAN, used=given, why=f"{measure.value} outside the chart")
        per_measure[measure] = found
    decisive = DECISIVE.get(sizing.conflict) if sizing.conflict else None
    if without_decisive and decisive is not None:
        sets = list(per_measure.values())
        common = set(sets[0]).intersection(*sets[1:]) if sets else set()
        if not common or (set(per_measure) <= REFERENCE and len(common) > 1):
            # What was given does not settle it: the shop's own measure is asked for.
            return Advice(AdviceKind.ASK, missing=[decisive], used=given)
    chosen = _combine(per_measure, sizing.conflict)
    if chosen is None:
        return Advice(AdviceKind.HUMAN, used=given, why="the measures point at sizes far apart")
    # The reply says which measure chose when the shop names one and the buyer gave it with others.
    # So does it when the buyer gave a measure that decides nothing here (胸围118 for a dress 以体重为准).
    said_by = (decisive if decisive in per_measure and (len(per_measure) > 1 or set(measures.values) - {decisive})
               else None)
    note, smallest = None, False
    as_usual = any(n.to_usual and _applies(n, traits) for n in sizing.notes)
    if len(chosen) == 1 and as_usual and chart.adjusted:
        # 脚背高的拍正码（平时穿几码就拍几码）: the usual size this row stands for, on a table of what to order.
        worn = [a for a in chart.rows[chosen[0]].aliases if a.upper() in (label.upper() for label in chart.labels)]
        if worn:
            chosen = [next(i for i, row in enumerate(chart.rows) if row.label.upper() == worn[0].upper())]
    elif len(chosen) == 1:
        shifts = [n for n in sizing.notes
                  if not n.to_usual and not n.between
                  # An inner length read from the foot is the fit itself: how the sizes run is for the usual one.
                  and not ((chart.adjusted or sizing.shift_in_chart or derived) and n.condition is None)
                  and _applies(n, traits, measures.values, chart.rows[chosen[0]])]
        if shifts:
            note, moved = _the_shift(shifts)
            index = chosen[0] + moved
            if index < 0 and sizing.smallest_stays:
                index, note, smallest = 0, None, True  # the least size there is: nothing smaller to move to
            if not 0 <= index < len(chart.rows):
                return Advice(AdviceKind.HUMAN, used=given, why="the fit note moves past the chart")
            chosen = [index]
    else:
        chosen, note = _one_of_two(sizing, traits, chosen, measures.values)
    used = {decisive: given[decisive]} if said_by is not None and decisive is not None else given
    if derived:
        used = {**{m: v for m, v in used.items() if m not in derived}, Measure.FOOT: values[Measure.FOOT]}
    return Advice(AdviceKind.SIZE, sizes=[chart.rows[i].label for i in chosen], used=used, note=note,
                  decisive=said_by, between=between if len(chosen) == 1 else None,
                  longer_foot=measures.both_feet and Measure.FOOT in used, choose_by=_choose_by(sizing),
                  smallest=smallest)


# 在此基础上再大1码: a note for some buyers on top of the product's shift for everyone, not instead of it.
_ON_TOP = re.compile(r"基础上|再(?:拍|选|买)?(?:大|小)")
_TOTAL = re.compile(r"共|总共|一共|合计")


def _the_shift(shifts: list[FitNote]) -> tuple[FitNote, int]:
    """The note that moves this buyer's size, and by how much: a note for one of their traits before the one for
    everyone (the larger move when the shop states the total, 即共拍大2码); added to it when said on top of it."""
    for_some = [n for n in shifts if n.condition is not None]
    if not for_some:
        return shifts[0], shifts[0].shift
    note = max(for_some, key=lambda n: abs(n.shift))
    everyone = next((n.shift for n in shifts if n.condition is None), 0)
    on_top = _ON_TOP.search(note.text) is not None and _TOTAL.search(note.text) is None
    return note, note.shift + (everyone if on_top else 0)


def _with_room(chart: SizeChart, foot: float, room: Span) -> list[int] | None:
    """The sizes whose inner length leaves the foot the room the shop says (5-10mm), if any does."""
    inner = {i: row.spans[Measure.INNER] for i, row in enumerate(chart.rows) if Measure.INNER in row.spans}
    fitting = [i for i, span in inner.items() if foot + room.low <= span.low and span.high <= foot + room.high]
    return fitting[:2] or None


def _within_ceilings(chart: SizeChart, sizing: ProductSizing, advice: Advice,
                     values: dict[Measure, float]) -> Advice:
    """The sizes whose most (a boot's 靴筒围) takes the buyer's measure; one too tight moves by the shop's note for
    it (小腿围比靴筒围大的拍大一码) when the next size takes it, else a person answers."""
    given = {m: v for m, v in values.items() if m in CEILINGS and m in chart.measures}
    if advice.kind != AdviceKind.SIZE or not given:
        return advice
    labels = [row.label for row in chart.rows]

    def fits(index: int) -> bool:
        spans = chart.rows[index].spans
        return all(m not in spans or v <= spans[m].high for m, v in given.items())

    kept: list[str] = []
    for size in advice.sizes:
        index = labels.index(size) if size in labels else -1
        if index < 0 or fits(index):
            kept.append(size)
            continue
        over = next((n for n in sizing.notes if n.shift > 0 and n.condition and any(
            part.removeprefix("over:") in {m.value for m in given} for part in n.condition.split(","))), None)
        moved = index + over.shift if over is not None and advice.note is not over else -1
        if 0 <= moved < len(labels) and fits(moved):
            kept.append(labels[moved])
            advice.note = over
    if not kept:
        return Advice(AdviceKind.HUMAN, used=advice.used, why="past the most the sizes take")
    advice.sizes = list(dict.fromkeys(kept))
    return advice


def _one_of_two(sizing: ProductSizing, traits: set[str], chosen: list[int],
                values: dict[Measure, float] | None = None) -> tuple[list[int], FitNote | None]:
    """Between two sizes, a note for the buyer's build (脚胖的选大一码) picks one of the two, not a third; so does
    a wish (宽松/修身). Otherwise both stand."""
    picking = [n for n in sizing.notes if not n.to_usual and n.shift and n.condition is not None
               and _applies(n, traits, values)]
    if picking:
        note = next((n for n in picking if n.between), picking[0])
        return ([max(chosen)] if note.shift > 0 else [min(chosen)]), note
    if (wish := implied(traits)) & {"loose", "fitted"}:
        return ([max(chosen)] if "loose" in wish else [min(chosen)]), None
    return chosen, None


def _choose_by(sizing: ProductSizing) -> tuple[str, str] | None:
    """Whom the shop sends to the larger and to the smaller of two sizes (脚宽、脚背高的 / 脚瘦的), if it says."""
    larger = next((n.text for n in sizing.notes if n.between and n.shift > 0), None)
    smaller = next((n.text for n in sizing.notes if n.between and n.shift < 0), None)
    if larger is None or smaller is None:
        return None
    return larger.removesuffix("选大的"), smaller.removesuffix("选小的")


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
    return label if label.endswith(("码", "号", "cm")) or "/" in label else f"{label}码"


def describe(used: dict[Measure, float]) -> str:
    parts = []
    for measure, value in used.items():
        number = f"{value:g}"
        # A shoe size is said bare (鞋码30): "30码" would read as a size recommended.
        parts.append(f"{NAMES[measure]}{number}{'' if measure == Measure.SHOE else UNITS[measure]}")
    return "、".join(parts)


_COUNT = {1: "一", 2: "两"}
# How a buyer between two sizes is told which to take, by what the sizes are for (shoes: 跟脚 or room).
WISHES: dict[Measure | None, tuple[str, str]] = {Measure.FOOT: ("想留点余量", "喜欢跟脚")}


def reply(advice: Advice) -> str:
    """The buyer-facing sentence: the size and why, in one short line (never an echo of other sizes)."""
    if advice.kind == AdviceKind.ASK and advice.missing == [Measure.USUAL]:
        return "亲，您平时穿多大码呢？我按这款的尺码说明帮您推荐~"
    if advice.kind == AdviceKind.ASK and advice.or_usual:
        return "亲，说下您的脚长或平时穿几码吗？我帮您推荐~"
    if advice.kind == AdviceKind.ASK:
        asked = "和".join(NAMES[m] for m in advice.missing)
        return f"亲，方便说下您的{asked}吗？我帮您对照尺码表推荐合适的码~"
    basis = "按您平时穿的码" if advice.from_usual else f"按您{describe(advice.used)}" if advice.used else "按尺码表"
    if advice.decisive is not None:
        basis = f"这款以{NAMES[advice.decisive]}为准，{basis}"
    if advice.longer_foot:
        basis = f"两只脚以长的那只为准，{basis}"
    if advice.between is not None and advice.note is None:
        basis += f"，在两个码之间，按这款的说明选{'大' if advice.between == TieRule.LARGER else '小'}一码"
    if advice.from_usual and advice.two_usual:
        basis = f"平时两个码都能穿的选大的，{basis}"
    if advice.from_usual and advice.runs == 0 and not advice.note:
        basis = f"这款是标准码，{basis}"
    if advice.from_usual and advice.from_sneakers:
        way = "小" if advice.from_sneakers < 0 else "大"
        count = _COUNT.get(abs(advice.from_sneakers), str(abs(advice.from_sneakers)))
        basis = f"运动鞋码换成这款要{way}{count}码，{basis}"
    if advice.from_usual and advice.runs:
        way, count = "小" if advice.runs > 0 else "大", _COUNT.get(abs(advice.runs), str(abs(advice.runs)))
        basis = f"这款尺码偏{way}{count}码，{basis}"
    if len(advice.sizes) == 2:
        small, large = (_label(size) for size in advice.sizes)
        roomy, snug = advice.choose_by or WISHES.get(next((m for m in advice.used if m in WISHES), None),
                                                     ("喜欢宽松", "喜欢合身"))
        return f"亲，{basis}，{small}和{large}都能穿：{roomy}选{large}，{snug}选{small}哦~"
    size = _label(advice.sizes[0])
    if advice.sizes == ["均码"]:
        return f"亲，这款是均码，{basis}是可以穿的哦~"
    if advice.note is not None and advice.note.between:
        return f"亲，{basis}，正好在两个码之间，这款{advice.note.text}，建议拍{size}哦~"
    if advice.note is not None:
        way = "大" if advice.note.shift > 0 else "小"
        amount = "半码" if said_amount(advice.note.text) == "半" else "一码"
        return f"亲，{basis}，结合这款的版型说明（建议拍{way}{amount}），推荐拍{size}哦~"
    if advice.smallest:
        return f"亲，{basis}，这款偏大，不过{size}已经是最小码了，建议拍{size}哦~"
    if advice.caveat:
        return f"亲，{basis}，建议拍{size}哦~（{advice.caveat}）"
    return f"亲，{basis}，建议拍{size}哦~"
