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
    AGE = "age"  # years
    MONTHS = "months"  # a baby's age in months
    FINGER = "finger"  # finger circumference (指围), mm: rings
    WRIST = "wrist"  # wrist circumference (手腕围), cm: bracelets
    BED = "bed"  # bed width, cm (1.8米床): bedding sold by spec (被套 200x230)
    USUAL = "usual"  # the size the buyer usually wears elsewhere (a shoe size such as 38)


UNITS = {
    Measure.HEIGHT: "cm", Measure.WEIGHT: "斤", Measure.FOOT: "mm", Measure.CHEST: "cm", Measure.WAIST: "cm",
    Measure.HIP: "cm", Measure.AGE: "岁", Measure.MONTHS: "个月", Measure.USUAL: "码",
    Measure.FINGER: "mm", Measure.WRIST: "cm", Measure.BED: "cm", Measure.UNDERBUST: "cm",
    Measure.BUST_DIFF: "cm",
}  # fmt: skip

NAMES = {
    Measure.HEIGHT: "身高", Measure.WEIGHT: "体重", Measure.FOOT: "脚长", Measure.CHEST: "胸围",
    Measure.WAIST: "腰围", Measure.HIP: "臀围", Measure.AGE: "年龄", Measure.MONTHS: "月龄",
    Measure.USUAL: "平时穿的码", Measure.FINGER: "指围", Measure.WRIST: "手腕围", Measure.BED: "床宽",
    Measure.UNDERBUST: "下胸围", Measure.BUST_DIFF: "上下胸围差",
}  # fmt: skip


# The words a chart heading (or a buyer) names each measure with.
MEASURE_WORDS: dict[Measure, str] = {
    Measure.FOOT: r"脚长|脚掌长|脚底长|脚的长度|足长",
    # Before the chest: 下胸围 names the band, not the chest (a heading naming both is read by its longest word).
    Measure.BUST_DIFF: r"上下胸围差|胸围差",
    Measure.UNDERBUST: r"下胸围|胸下围|底围|下围",
    Measure.CHEST: r"胸围",
    Measure.WAIST: r"腰围",
    Measure.HIP: r"臀围",
    Measure.WEIGHT: r"体重",
    Measure.HEIGHT: r"身高",
    Measure.MONTHS: r"月龄|月份|个月",
    Measure.AGE: r"年龄|岁",
    Measure.FINGER: r"指围|手指周长|手指围|指圈",
    Measure.WRIST: r"手腕围|腕围|手腕周长|手围",
    Measure.BED: r"床宽|床的宽度|床的尺寸|床尺寸|适用床|床型|床",
}


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


class TieRule(StrEnum):
    """What the shop says to do when measures point at two sizes."""

    LARGER = "larger"
    SMALLER = "smaller"
    BY_WEIGHT = "by_weight"
    BY_HEIGHT = "by_height"
    BY_HIP = "by_hip"
    BY_WAIST = "by_waist"
    BY_FOOT = "by_foot"


class SizeChart(BaseModel):
    chart_id: str
    source: str = Field(description="file#place, cited in replies")
    title: str = ""
    goods_ids: list[str] = Field(default_factory=list, description="products the chart applies to")
    variant: str | None = Field(default=None, description="male / female / child when a product has one chart each")
    rows: list[SizeRow]
    notes: list[FitNote] = Field(default_factory=list)
    tie: TieRule | None = None

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
    boundary: TieRule | None = Field(default=None, description="when a measure sits on the line between two")
    limits: dict[Measure, Span] = Field(default_factory=dict, description="ranges the chart is for")
    fallback: Measure | None = Field(default=None, description="the measure to go by when the decisive one is not "
                                     "known (不知道腰围的按体重参考)")
    usual_shift: int | None = Field(default=None, description="this product's size minus the buyer's usual one")


class SizeGuide(BaseModel):
    charts: list[SizeChart] = Field(default_factory=list)
    products: dict[str, ProductSizing] = Field(default_factory=dict)
    names: dict[str, list[str]] = Field(default_factory=dict, description="words that name each product")
    problems: list[ChartProblem] = Field(default_factory=list)

    def chart_for(self, goods_id: str | None, variant: str | None = None) -> tuple[SizeChart, ProductSizing] | None:
        sizing = self.products.get(goods_id or "")
        if sizing is None or sizing.chart_id is None:
            return None
        chart_id = sizing.variants.get(variant or "", sizing.chart_id)
        chart = next((c for c in self.charts if c.chart_id == chart_id), None)
        return (chart, sizing) if chart is not None else None
