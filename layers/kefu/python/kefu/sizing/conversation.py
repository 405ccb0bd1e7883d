"""Size advice across the turns of a conversation: hear the question and the measures, keep them, answer.

Which messages are size matters is a rule of language: a question for a size (穿几码, 拍哪个, S还是M, 码咋选,
戴得下吗), measures given after the agent asked for them, or a preference (想宽松点) right after a size advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kefu.models.conversation import ConversationState
from kefu.models.sizing import Measure, SizeGuide, Span
from kefu.sizing.advise import Advice, AdviceKind, advise, readable_by, reads_usual_sizes, reply, required
from kefu.sizing.charts import mentioned_products, variant_of
from kefu.sizing.measures import BuyerMeasures, extract, fold
from kefu.sizing.notes import traits_in, without_traits

_SIZE = r"(?:圈号|戒圈|手寸|规格|码|号|尺码|尺寸|size|码数|码子)"
_ASKS = re.compile(
    rf"(?:什么|啥|几|哪个|哪一个|哪|多大|多少)(?:的)?(?:个)?{_SIZE}|"
    r"(?:拍|穿|戴|盖|选|买|要|拿|下单|入)(?:个|的)?(?:几|啥|什么|哪个|哪一个|哪|多大|多少)(?!件|个|单|盒|份|天|套|条|双|次|斤|瓶|时|快递|颜色|色)|"
    rf"{_SIZE}(?:要|该|应该)?(?:怎么|咋|如何|怎样)(?:选|挑|拍|买)|"
    # The verb before the size (怎么选码, 咋挑尺码) and a buyer unsure of it (码不会选, 尺码拿不准怎么挑).
    rf"(?:怎么|咋|如何|怎样)(?:选|挑|定|拿)(?:个)?{_SIZE}|"
    rf"{_SIZE}(?:我)?(?:不会|不知道|不懂|拿不准|不确定|搞不清)(?:怎么|咋|如何)?(?:选|挑|拍|买|定)?|"
    r"(?:推荐|建议)(?:一下)?(?:个)?(?:尺码|码|号|size)|"
    rf"(?:尺码|码数|码)(?:帮我|给我)?(?:推荐|建议)|"
    r"(?:能|可以|可)(?:穿|戴)(?:吗|么|嘛|不|的|得下)|(?:穿|戴)(?:得|的)下|会不会(?:大|小|紧|松|偏大|偏小)|"
    r"(?<![A-Za-z0-9])(?:[2-9]?X{0,4}[SML]|\d{2,3})\s*(?:码)?还是\s*(?:[2-9]?X{0,4}[SML]|\d{2,3})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NOT_SIZE = re.compile(r"几号(?:发|到|能|送|前|之前|以后)|(?:拍|买|下单)(?:几|多少)(?:件|个|单|份)")


_WORN_ELSEWHERE = re.compile(r"(?:平时|平常|一般|日常|别家|其他|以前|之前)[^，,。\d]{0,4}\d{2}(?:\.5)?\s*(?:码|号)?的?"
                             r"[^，,。\s]{0,4}?(?:鞋|靴)|"
                             # 平时牛仔裤穿27: the kind before the verb is what the buyer wears, too.
                             r"(?:平时|平常|一般|日常|别家|其他|以前|之前)[^，,。\d\s]{0,6}?(?:穿|拍|买)(?:的)?\s*"
                             # … and the kind after the size (平常穿41码常规衬衫) is the one worn, too.
                             r"\d{2}(?:\.5)?\s*(?:码|号)?(?:的)?(?:[^，,。\s\d]{0,4}?(?:衫|衣|裤|裙|鞋|靴))?")
# A follow-up about another product (那碎花的呢, 这件格子的): only then do words other than kinds name one.
_FOLLOW_UP = re.compile(r"^\s*(?:那|这)|呢\s*[?？]?\s*$|(?:那|这)(?:条|件|双|款|个|套)")
_FIT_WORDS = re.compile(r"宽松|修身|显瘦|合身|贴身|紧身|大码|小码|oversize|均码|加大|加肥", re.IGNORECASE)

VARIANT_NAMES = {"male": "男款", "female": "女款", "child": "童款"}


def asks_size(text: str) -> bool:
    folded = fold(text)
    return bool(_ASKS.search(folded)) and not _NOT_SIZE.search(folded)


@dataclass
class SizingTurn:
    goods_id: str | None
    answer: str | None  # None: hand over (no chart, or outside it)
    sources: list[str]
    asked: bool = False


class SizeAdvisor:
    def __init__(self, guide: SizeGuide) -> None:
        self.guide = guide

    def consider(self, text: str, state: ConversationState) -> SizingTurn | None:
        """The size turn for this message, or None when it is not a size matter (the usual pipeline answers)."""
        goods_id = self._product(text, state)
        said_whom = variant_of(text)
        state.size_variant = said_whom or state.size_variant
        found = self.guide.chart_for(goods_id, state.size_variant)
        # Only while the agent waits for a measure it asked for is a bare number read as that measure.
        awaited = ([m for m in required(*found) if m not in state.measures]
                   if found is not None and state.size_pending else None)
        if awaited == [Measure.FOOT] and found is not None and reads_usual_sizes(*found):
            awaited.append(Measure.USUAL)  # asked for the foot or the usual size: a bare 38 is the usual size
        heard = extract(text, awaited)
        spoken = self._without_cut_names(fold(text), goods_id)
        said_traits = traits_in(spoken) | self._wishes(spoken) | self._versions(spoken, goods_id)
        kept = set(state.size_traits) - ({"loose", "fitted"} if said_traits & {"loose", "fitted"} else set())
        traits = said_traits | kept  # a wish said now replaces the one said before
        asking = asks_size(text)
        continuing = state.size_pending and (not heard.empty or said_whom is not None)
        preference = state.size_advised and bool(said_traits) and not heard.values
        # Measures the product's chart reads (衬衫 1米7 62kg), or the size worn elsewhere, are a size question by
        # themselves; so is another product named right after a size advice (那帆布鞋呢), with the same measures.
        # A height for trousers sold in lengths (九分/长款) is size talk too, though the chart reads no height.
        measured = found is not None and (bool(set(heard.values) & readable_by(found[0])) or heard.usual is not None
                                          or (Measure.HEIGHT in heard.values and bool(found[1].lengths)))
        switched = (found is not None and (state.size_advised or state.size_pending)
                    and (bool(state.measures) or state.usual_size is not None) and goods_id != state.size_goods_id)
        # A measure no chart reads (头围62) for a product without a chart: a person answers whether it fits.
        unread = found is None and goods_id in self.guide.products and bool(heard.unread)
        # A measure and whether it fits, for a product without a chart (腰围120的能系上吗): a person's call too.
        unread = unread or (found is None and goods_id in self.guide.products and bool(heard.values)
                            and _fits_question(text))
        # Another product named after size talk, one without a chart (那渔夫鞋呢): a person sizes it.
        switched = switched or (found is None and goods_id in self.guide.products and goods_id != state.size_goods_id
                                and (state.size_advised or state.size_pending)
                                and (bool(state.measures) or state.usual_size is not None))
        if not (asking or continuing or preference or measured or switched or unread):
            return None
        known = BuyerMeasures(values=state.measures, usual=state.usual_size).merged(heard)
        if found is None:
            # A product without a chart: a size for it is a person's call, when the buyer gave something to go
            # on or asks whether it fits; a bare 什么尺码 is left to the product's own knowledge (均码 …).
            if goods_id in self.guide.products and (not heard.empty or heard.unread or said_traits or switched
                                                     or _fits_question(text)):
                return SizingTurn(goods_id, None, [])
            return None
        chart, sizing = found
        if not chart.measures and known.usual is None and heard.values:
            return None  # measures for a product sized by the usual size alone: the product's own words answer
        advice = advise(chart, sizing, known, traits)
        if sizing.variants and state.size_variant not in sizing.variants and advice.kind != AdviceKind.ASK:
            # 男款/女款 tables: when they disagree for these measures, ask whom it is for instead of guessing.
            readings = self._readings(goods_id, list(sizing.variants), known, traits)
            sized = {variant: r for variant, r in readings.items() if r.kind == AdviceKind.SIZE}
            if len(sized) == 1 and len(readings) > 1 and self._one_scale(goods_id, list(sizing.variants)):
                # One scale of sizes split by whom (女款 35-40, 男款 39-45, the same 39 in both): only one variant's
                # chart reads these measures at all (238mm: 女款 38), so that is the size.
                (variant, advice), = sized.items()
                readings = {variant: advice}
                chart = (self.guide.chart_for(goods_id, variant) or found)[0]
            if len({(r.kind.value, tuple(r.sizes)) for r in readings.values()}) > 1:
                state.measures = dict(known.values)
                state.size_goods_id, state.size_pending, state.size_advised = goods_id, True, False
                whom = "、".join(VARIANT_NAMES[v] for v in sizing.variants if v in VARIANT_NAMES)
                return SizingTurn(goods_id, f"亲，这款分{whom}，请问是哪一款呢？我帮您对照对应的尺码表~",
                                  [chart.source], asked=True)
        state.measures = {measure: value for measure, value in known.values.items()}
        state.usual_size = known.usual
        state.size_traits = sorted(traits)
        state.size_goods_id = goods_id
        if advice.kind == AdviceKind.HUMAN:
            return SizingTurn(goods_id, None, [chart.source])
        state.size_pending = advice.kind == AdviceKind.ASK
        state.size_advised = advice.kind == AdviceKind.SIZE
        answer = reply(advice)
        if advice.kind == AdviceKind.SIZE:
            answer = with_length(answer, sizing.lengths, known.values.get(Measure.HEIGHT))
        return SizingTurn(goods_id, answer, [chart.source], asked=advice.kind == AdviceKind.ASK)

    def _one_scale(self, goods_id: str | None, variants: list[str]) -> bool:
        """The variants' charts give every size they share the same ranges (one scale, split by whom)."""
        seen: dict[str, dict[Measure, tuple[float, float]]] = {}
        for variant in variants:
            found = self.guide.chart_for(goods_id, variant)
            for row in found[0].rows if found is not None else []:
                spans = {m: (s.low, s.high) for m, s in row.spans.items()}
                if seen.setdefault(row.label, spans) != spans:
                    return False
        return True

    def _versions(self, text: str, goods_id: str | None) -> set[str]:
        """The product's version the buyer names (单里的, 加绒款), as a trait its notes may be for."""
        sizing = self.guide.products.get(goods_id or "")
        return {f"version:{v}" for v in (sizing.versions if sizing else []) if v in text}

    def _without_cut_names(self, text: str, goods_id: str | None) -> str:
        """The text less the words of a cut that name the product asked about (那oversize那款面包服呢): the
        product's name, not the buyer's wish."""
        words = self.guide.names.get(goods_id or "", [])
        if goods_id not in mentioned_products(without_traits(text), self.guide.names):
            return text
        for word in sorted(words, key=len, reverse=True):
            if word in text and traits_in(word):
                text = text.replace(word, " ")
        return text

    def _wishes(self, text: str) -> set[str]:
        """Wishes said in the shop's own words for them (合脚, when its notes say 喜欢合脚的选小一码)."""
        return {kind for word, kind in self.guide.wishes.items()
                if (at := text.find(word)) >= 0 and not re.search(r"[不没别]$", text[:at])}

    def _readings(self, goods_id: str | None, variants: list[str], known: BuyerMeasures,
                  traits: set[str]) -> dict[str, Advice]:
        """What each variant's chart says for these measures (a size, a question or a hand-over)."""
        readings: dict[str, Advice] = {}
        for variant in variants:
            found = self.guide.chart_for(goods_id, variant)
            if found is not None:
                reading = advise(found[0], found[1], known, traits)
                readings[variant] = reading
        return readings

    def _product(self, text: str, state: ConversationState) -> str | None:
        # The shoes worn elsewhere (平时穿42的运动鞋) are not the product asked about.
        words = _WORN_ELSEWHERE.sub(" ", without_traits(fold(text)))
        named = mentioned_products(words, self.guide.names, kinds_only=True)
        if not named and _FOLLOW_UP.search(words):
            # A product named by another of its words (那碎花的呢, 格子那件): any word but those of fit, which say
            # what the buyer wishes (修身), not which product.
            names = {gid: [w for w in ws if not _FIT_WORDS.search(w)] for gid, ws in self.guide.names.items()}
            named = mentioned_products(words, names)
        if len(named) > 1:
            # Several products of the kind (牛仔裤): the other words of one of them settle it (加绒加厚的牛仔裤).
            lowered = words.lower()
            said = {gid: sum(len(w) for w in ws if w.lower() in lowered and not _FIT_WORDS.search(w))
                    for gid, ws in self.guide.names.items() if gid in named}
            best = max(said.values(), default=0)
            if best and sum(score == best for score in said.values()) == 1:
                named = [gid for gid, score in said.items() if score == best]
        parts = re.split(r"[\s，,。！!？?；;]+", words)
        if len(parts) > 1 and named:
            # 你家运动鞋买的30码刚好 棉鞋拍多少: the product in the part that asks for a size is the one asked about.
            asked = {gid for part in parts if asks_size(part)
                     for gid in mentioned_products(part, self.guide.names, kinds_only=True)}
            named = sorted(asked) if len(asked) == 1 else named
        if len(named) == 1:
            return named[0]
        if state.goods_id in named or not named:
            following = state.size_advised or state.size_pending  # the product the size talk is about
            return state.size_goods_id if state.size_goods_id and not named and following else state.goods_id
        return named[0]  # another product, named as well as another: the best named


def _fits_question(text: str) -> bool:
    return bool(re.search(r"(?:穿|戴|系|扣|套|塞)(?:得|的)(?:下|上)|能(?:穿|戴|系上|扣上|套进)|"
                          r"会不会(?:太)?(?:大|小|紧|松)|合不合适|合适吗|够不够", fold(text)))


def with_length(answer: str, lengths: dict[str, Span], height: float | None) -> str:
    """The size advice with the length the buyer's height takes (长款), when the product comes in lengths."""
    if height is None or not lengths:
        return answer
    # Past every length's heights, the nearest length (172以上长款穿着也是九分效果: still the longest there is).
    version = next((name for name, span in lengths.items() if span.contains(height)), None) or min(
        lengths, key=lambda name: min(abs(height - lengths[name].low), abs(height - lengths[name].high)))
    said = f"身高{height:g}cm选{version}"
    return f"{answer[:-2]}，{said}哦~" if answer.endswith("哦~") else f"{answer}（{said}）"
