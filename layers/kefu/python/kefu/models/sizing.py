"""Size and spec charts learned from a shop's files, and the measures a buyer gives."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Measure(StrEnum):
    """A body or spec measure, each in one canonical unit (the unit the value is stored in)."""

    HEIGHT = "height"  # cm
    WEIGHT = "weight"  # 斤 (jin, 500 g): the unit buyers and charts use most
    FOOT = "foot"  # foot length, mm
    CHEST = "chest"  # cm (a bra chart's 上胸围)
    UNDERBUST = "underbust"  # 下胸围 / 底围, cm: a bra's band
    BUST_DIFF = "bust_diff"  # 上下胸围差, cm: a bra's cup, from the buyer's 上胸围 and 下胸围
    WAIST = "waist"  # cm
    HIP = "hip"  # cm
    NECK = "neck"  # neck circumference (领围), cm: a shirt's collar size
    SHOE = "shoe"  # a shoe size as a number (适合鞋码19-23): socks and insoles sold by the shoe they go in
    INNER = "inner"  # a shoe's inner length (鞋内长, an insole's length), mm: the foot plus the room the shop says
    AGE = "age"  # years
    MONTHS = "months"  # a baby's age in months
    FINGER = "finger"  # finger circumference (指围), mm: rings
    WRIST = "wrist"  # wrist circumference (手腕围), cm: bracelets
    BED = "bed"  # bed width, cm (1.8米床): bedding sold by spec (被套 200x230)
    CALF = "calf"  # calf girth (小腿围), cm: a boot's shaft girth (靴筒围) is the most a size takes
    USUAL = "usual"  # the size the buyer usually wears elsewhere (a shoe size such as 38)


UNITS = {
    Measure.HEIGHT: "cm", Measure.WEIGHT: "斤", Measure.FOOT: "mm", Measure.CHEST: "cm", Measure.WAIST: "cm",
    Measure.HIP: "cm", Measure.AGE: "岁", Measure.MONTHS: "个月", Measure.USUAL: "码",
    Measure.FINGER: "mm", Measure.WRIST: "cm", Measure.BED: "cm", Measure.UNDERBUST: "cm",
    Measure.BUST_DIFF: "cm", Measure.NECK: "cm", Measure.INNER: "mm", Measure.SHOE: "码", Measure.CALF: "cm",
}  # fmt: skip

NAMES = {
    Measure.HEIGHT: "身高", Measure.WEIGHT: "体重", Measure.FOOT: "脚长", Measure.CHEST: "胸围",
    Measure.WAIST: "腰围", Measure.HIP: "臀围", Measure.AGE: "年龄", Measure.MONTHS: "月龄",
    Measure.USUAL: "平时穿的码", Measure.FINGER: "指围", Measure.WRIST: "手腕围", Measure.BED: "床宽",
    Measure.UNDERBUST: "下胸围", Measure.BUST_DIFF: "上下胸围差", Measure.NECK: "领围", Measure.INNER: "鞋内长",
    Measure.SHOE: "鞋码", Measure.CALF: "小腿围",
}  # fmt: skip


# The words a chart heading (or a buyer) names each measure with.
MEASURE_WORDS: dict[Measure, str] = {
    Measure.INNER: r"鞋内长|内长|鞋垫长度|鞋垫长|鞋垫",
    Measure.SHOE: r"适合鞋码|对应鞋码|鞋码",
    Measure.FOOT: r"脚长|脚掌长|脚底长|脚的长度|足长",
    # Before the chest: 下胸围 names the band, not the chest (a heading naming both is read by its longest word).
    Measure.BUST_DIFF: r"上下胸围差|胸围差",
    Measure.UNDERBUST: r"下胸围|胸下围|底围|下围",
    Measure.CHEST: r"胸围",
    Measure.WAIST: r"腰围",
    Measure.HIP: r"臀围",
    Measure.NECK: r"领围|颈围|脖围|脖子围|脖颈围",
    Measure.WEIGHT: r"体重",
    Measure.HEIGHT: r"身高",
    Measure.MONTHS: r"月龄|月份|个月",
    Measure.AGE: r"年龄|岁",
    Measure.FINGER: r"指围|手指周长|手指围|指圈",
    Measure.WRIST: r"手腕围|腕围|手腕周长|手围",
    Measure.BED: r"床宽|床的宽度|床的尺寸|床尺寸|适用床|床型|床",
    # A boot's shaft girth heads the column of the largest calf each size takes.
    Measure.CALF: r"小腿围|小腿周长|腿围|靴筒围|筒围|靴口围",
}
# Measures a chart gives as the most a size takes (靴筒围 34: a calf up to 34cm), not as a range to fall in.
CEILINGS = frozenset({Measure.CALF})


class Span(BaseModel):
    """A closed range in the measure's canonical unit; ``low == high`` for a chart that lists one value."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


class SizeRow(BaseModel):
    label: str = Field(description="the size as the chart writes it: M, XL, 38, 120")
    spans: dict[Measure, Span] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list, description="the same size in another system (欧码 36)")


class FitNote(BaseModel):
    """A note of the shop that moves the advice: 偏大半码建议拍小一码, 脚背高选大一码, 宽松版型建议拍小一码."""

    text: str
    shift: int = Field(description="sizes to move: -1 one size smaller, +1 one larger")
    condition: str | None = Field(default=None, description="the buyer's traits it applies to (脚背高, 宽松 …, "
                                  "comma-separated), 'usual', a measure threshold such as 'hip>=100', or None "
                                  "when it applies to everyone")
    to_usual: bool = Field(default=False, description="buyers with these traits take their usual size as it is "
                           "(脚宽的亲按平时码数拍，不用拍小)")
    exempt: bool = Field(default=False, description="these traits move nothing on this product (凉鞋魔术贴可调，"
                         "脚背高不用拍大)")
    as_charted: bool = Field(default=False, description="these buyers take the chart's size as it is, without "
                             "the product's shift (喜欢宽大的直接按表拍)")
    between: bool = Field(default=False, description="it picks one of two sizes the measure falls between, and "
                          "moves no other (卡在两个码中间的：脚宽选大一码；脚瘦选小一码)")


class TieRule(StrEnum):
    """What the shop says to do when measures point at two sizes."""

    LARGER = "larger"
    SMALLER = "smaller"
    BY_WEIGHT = "by_weight"
    BY_HEIGHT = "by_height"
    BY_HIP = "by_hip"
    BY_WAIST = "by_waist"
    BY_FOOT = "by_foot"
    BY_NECK = "by_neck"
    BY_CHEST = "by_chest"
    BY_SHOE = "by_shoe"
    BY_UNDERBUST = "by_underbust"


class SizeChart(BaseModel):
    chart_id: str
    source: str = Field(description="file#place, cited in replies")
    title: str = ""
    goods_ids: list[str] = Field(default_factory=list, description="products the chart applies to")
    variant: str | None = Field(default=None, description="male / female / child when a product has one chart each")
    rows: list[SizeRow]
    notes: list[FitNote] = Field(default_factory=list)
    tie: TieRule | None = None
    adjusted: bool = Field(default=False, description="the sizes are what to order (建议拍): a note for everyone "
                           "on how the product runs is already in them")
    merged_from: list[str] = Field(default_factory=list, description="the product's other charts whose measures "
                                   "for the same sizes this one also carries")
    merged_measures: list[Measure] = Field(default_factory=list, description="measures from those charts: they read "
                                           "what the buyer gave, but are never asked for")

    @property
    def measures(self) -> list[Measure]:
        seen: dict[Measure, None] = {}
        for row in self.rows:
            for measure in row.spans:
                seen.setdefault(measure)
        return list(seen)

    @property
    def labels(self) -> list[str]:
        return [row.label for row in self.rows]


class ChartProblem(BaseModel):
    """A table or line that looks like a size chart but could not be read: reported, never guessed."""

    source: str
    reason: str


class ProductSizing(BaseModel):
    """How one product is sized: its chart, and what the shop says about it (its own files and the chart's)."""

    goods_id: str
    chart_id: str | None = Field(default=None, description="None: the product has no chart (sizes go to a human)")
    variants: dict[str, str] = Field(default_factory=dict, description="variant → chart id (男款/女款 tables)")
    notes: list[FitNote] = Field(default_factory=list)
    conflict: TieRule | None = Field(default=None, description="when measures point at different sizes")
    conflict_for: dict[str, TieRule] = Field(default_factory=dict, description="the rule for buyers with a trait "
                                             "(肚子大的以腰围为准): trait → rule, over the general one")
    boundary: TieRule | None = Field(default=None, description="when a measure sits on the line between two")
    boundary_measure: Measure | None = Field(default=None, description="the measure the boundary rule is about "
                                             "(领围卡在两个码中间选大一码); None: every measure")
    limits: dict[Measure, Span] = Field(default_factory=dict, description="ranges the chart is for")
    reference: list[Measure] = Field(default_factory=list, description="measures the shop says are only a "
                                     "reference (体重只作参考): never enough alone")
    room: Span | None = Field(default=None, description="the least and most room, mm, when the shop gives a range "
                              "(内长比脚长长0.5-1cm): the sizes whose inner length falls in it")
    allowance: float | None = Field(default=None, description="mm a shoe's inner length is over the foot, as the "
                                    "shop says (内长=脚长+1cm左右): a foot length reads an inner-length chart")
    fallback: Measure | None = Field(default=None, description="the measure to go by when the decisive one is not "
                                     "known (不知道腰围的按体重参考)")
    shift_in_chart: bool = Field(default=False, description="the shop says the chart's sizes already carry how "
                                 "the product runs (已按偏大半码算好，不用再减码): its shift is for the usual size")
    sneaker_shift: int | None = Field(default=None, description="sizes from the buyer's sneaker size to this "
                                      "product's, as the shop says (运动鞋码偏大，皮鞋拍小一码 → -1)")
    lengths: dict[str, Span] = Field(default_factory=dict, description="lengths the product comes in, each with "
                                      "the heights it is for (九分款适合身高150-162cm): named beside the size")
    smallest_stays: bool = Field(default=False, description="the shop says its smallest size is the least there "
                                 "is (26码是最小码，对应26码的直接拍26码): a size down past it stays at it")
    single_shift: bool = Field(default=False, description="a trait's size more is the product's own shift, not "
                               "another on top (脚宽的也是拍大1码就够了)")
    usual_sizes: dict[str, str] = Field(default_factory=dict, description="the shop's own table of usual sizes to "
                                        "this product's (常规内衣尺码对应：75B/75C/80A穿M): usual → size")
    usual_shift: int | None = Field(default=None, description="this product's size minus the buyer's usual one")
    on_sale: list[str] = Field(default_factory=list, description="the sizes the product's SKUs sell (34码 … 40码)")
    versions: list[str] = Field(default_factory=list, description="versions the product is sold in, read from its "
                                "SKUs (单里/加绒): a note naming one (加绒版偏小一码) is for the buyer who names it")


class SizeGuide(BaseModel):
    charts: list[SizeChart] = Field(default_factory=list)
    products: dict[str, ProductSizing] = Field(default_factory=dict)
    names: dict[str, list[str]] = Field(default_factory=dict, description="words that name each product")
    wishes: dict[str, str] = Field(default_factory=dict, description="the shop's words for a wish and what it "
                                   "is (喜欢合脚的选小一码: 合脚 → fitted)")
    problems: list[ChartProblem] = Field(default_factory=list)

    def chart_for(self, goods_id: str | None, variant: str | None = None) -> tuple[SizeChart, ProductSizing] | None:
        sizing = self.products.get(goods_id or "")
        if sizing is None or sizing.chart_id is None:
            return None
        chart_id = sizing.variants.get(variant or "", sizing.chart_id)
        chart = next((c for c in self.charts if c.chart_id == chart_id), None)
        return (chart, sizing) if chart is not None else None
