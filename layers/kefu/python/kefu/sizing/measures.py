"""The measures a buyer gives, in any order and unit: 一米六 / 160cm / 1.6米, 98斤 / 49kg / 52公斤, 脚长23.5 / 235mm,
平时穿38的 / 平时M码, 腰围2尺1, 5岁, 8个月 — converted to each measure's canonical unit (models/sizing.UNITS)."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from pydantic import BaseModel, Field

from kefu.models.sizing import MEASURE_WORDS, Measure
from kefu.sizing.numbers import arabic
from kefu.sizing.tables import measure_of_heading
from kefu.understanding.normalize import Normalizer

NUMBER = r"\d+(?:\.\d+)?"
# Words that say which measure a following number is (身高160, 体重100, 脚长235 …): a chart's words and the
# shorter ones buyers use (个子, 腰, 重). Ages and months follow their number (5岁), so only 月龄/年龄 lead one.
_COLLOQUIAL = {
    Measure.FOOT: r"脚(?!宽|背|面|型|掌宽|板宽)", Measure.BUST_DIFF: r"罩杯差", Measure.UNDERBUST: r"下胸|胸下", Measure.CHEST: r"上胸|上围|胸",  # noqa: E501 (patterns read as one line)
    Measure.WAIST: r"腰", Measure.HIP: r"臀|屁股", Measure.NECK: r"脖子|脖颈|领子|领口|脖",
    Measure.INNER: r"鞋里面|鞋里", Measure.SHOE: r"穿(?=\d{2}码的鞋)",
    Measure.WEIGHT: r"重量|重|称|胖到|瘦到", Measure.HEIGHT: r"个子|个头|高度|高|身长",
    Measure.FINGER: r"手指|无名指|中指|食指|小指|拇指|内直径|内径|直径", Measure.WRIST: r"手腕|腕", Measure.BED: r"床",
    Measure.CALF: r"小腿",
}  # fmt: skip
_LEADING = {Measure.MONTHS: r"月龄", Measure.AGE: r"年龄|今年"}
KEYWORDS: tuple[tuple[Measure, str], ...] = tuple(
    (measure, _LEADING.get(measure) or f"{words}|{_COLLOQUIAL[measure]}") for measure, words in MEASURE_WORDS.items()
)
_KEYWORD = re.compile("|".join(f"(?P<{measure.value}>{pattern})" for measure, pattern in KEYWORDS))
# Number, then an optional unit.
_VALUE = re.compile(
    # A rough figure (130来斤, 90多斤, 二百余斤): the words between the number and its unit say "about".
    rf"(?P<num>{NUMBER})\s*(?:(?P<metre>米|m(?![a-z]))(?P<after>\d{{1,2}}(?![\d.]))?|"
    r"(?:来|多|余)?(?P<unit>cm|厘米|公分|mm|毫米|kg|公斤|千克|斤|岁|周岁|个月|月|尺|码|号|寸)(?P<tenths>(?<=尺)\d{1,2}(?!\d))?|)"
)
_USUAL = re.compile(
    r"(?:平时|平常|一般|日常|正常|以前|别家|别的|其他|其它|之前|都|一直|向来|从来|常年)[^\d，,。;；]{0,10}?"
    r"(?P<value>\d{2,3}[A-G](?![a-z])|\d{2}(?:\.5)?(?![\d.]|\s*(?:斤|kg|公斤|千克|cm|厘米|公分|mm|毫米|岁|个月|米|m))|"
    r"(?<![a-z])[2-9]?X{0,4}[SLM](?![a-z]))\s*(?:码|号|的|size)?",
    re.IGNORECASE,
)
_WORN = re.compile(rf"穿\s*(?:[\u4e00-\u9fff]{{1,3}}鞋)?\s*(?P<value>{NUMBER})\s*(?:码|号)?的?(?:鞋|鞋子|正好|刚好|合适|合脚)|"  # noqa: E501 (patterns read as one line)
                   # 买的30码刚刚好: a size bought before that fit is the size worn.
                   r"(?:买|拍)(?:的|了|过)?\s*(?P<bought>\d{2}(?:\.5)?)\s*(?:码|号)(?:的)?\s*(?:刚刚好|刚好|正好|合适|合脚|挺合适)|"
                   # 她穿36, 他穿41的: a size of two digits worn, nothing of another measure after it.
                   r"穿\s*(?:[\u4e00-\u9fff]{1,3}鞋)?\s*(?P<bare>\d{2}(?:\.5)?)(?![\d.A-Za-z])\s*(?:码|号)?(?:的)?"
                   r"(?!\s*(?:斤|kg|公斤|千克|cm|厘米|公分|mm|毫米|岁|个月|米|m|天|次|年|件|块|元|度|分钟|小时|周))|"
                   # 我38, 我是37码的: a size said of oneself, two digits and nothing after it.
                   r"我(?:是|一般)?\s*(?P<mine>\d{2}(?:\.5)?)\s*(?:码|号)?(?:的)?(?=$|[\s，,。？?！!~])",
                   re.IGNORECASE)
_OTHER_MEASURE = re.compile(r"(脚宽|脚掌宽|头围|肩宽|衣长|裤长|袖长|腿长|臂长)[^\d]{0,3}$")
# A ring's inner diameter (内径/内直径 17mm) is the finger's circumference over π.
_DIAMETER = re.compile(r"(?:内径|内直径|直径)[^\d，,。]{0,3}$")
# A bed named by its width after the number (1.8米的床, 1米5床, 1.5m床): a bed, not a height.
_BED_AFTER = re.compile(r"\s*(?:的|宽)?\s*(?:床|大床|双人床|单人床)")
# A measure named after its number (235的脚, 24.5的脚长, 75的底围): the word that follows says which.
_MEASURE_AFTER = {Measure.FOOT: re.compile(r"\s*(?:mm|毫米|cm|厘米)?\s*的?\s*(?:脚长|脚掌|脚丫|脚)(?!背|面|宽)"),
                  Measure.UNDERBUST: re.compile(r"\s*(?:cm|厘米)?\s*的?\s*(?:下胸围|底围|下胸)"),
                  Measure.NECK: re.compile(r"\s*(?:cm|厘米)?\s*的?\s*(?:领围|脖子|领子)"),
                  Measure.HEIGHT: re.compile(r"\s*(?:cm|厘米|公分)?\s*的\s*(?:身高|个子|个头)")}
_DECISIVE_UNITS = frozenset({"斤", "kg", "公斤", "千克", "岁", "周岁", "个月"})
_ROUNDS = re.compile(r"(?<![\d.])1(?=\s*(?:圈|周)(?!\s*岁))")
_BARE_SIZE = re.compile(r"(?<![\d.A-Za-z])(?P<value>\d{2}(?:\.5)?|[2-9]?X{0,4}[SML])(?![\d.A-Za-z])\s*(?:码|号|的)?(?!\s*(?:斤|kg|公斤|岁|cm|厘米|mm))",  # noqa: E501 (patterns read as one line)
                        re.IGNORECASE)
_ALSO_WORN = re.compile(r"\s*(?:码|号)?\s*(?:、|和|或|跟|/)\s*(\d{2}(?:\.5)?)(?![\d.])"
                        r"(?!\s*(?:斤|kg|公斤|cm|厘米|mm|岁))")
_ORDERED = re.compile(r"(?:买|拍|下单|选)(?:的|了|过)\s*(\d{2,3}(?:\.5)?)"
                      r"(?![\d.]|\s*(?:斤|kg|公斤|cm|厘米|公分|mm|岁))")
_FOREIGN_SIZE = re.compile(r"(?P<system>美码|美国码|US|英码|英国码|UK)\s*(?:码)?\s*(?P<size>\d{1,2}(?:\.5)?)(?![\d.])",
                           re.IGNORECASE)
_FEET = re.compile(r"\d\s*(?:码|号)")


class BuyerMeasures(BaseModel):
    values: dict[Measure, float] = Field(default_factory=dict)
    both_feet: bool = Field(default=False, description="two foot lengths given (the longer one is kept)")
    two_usual: bool = Field(default=False, description="two usual sizes given (平时37、38都能穿; the larger is kept)")
    usual: str | None = Field(default=None, description="the size the buyer says they usually wear: 38, M")
    unread: list[str] = Field(default_factory=list, description="measures given that no chart here reads (头围)")
    in_sneakers: bool = Field(default=False, description="the usual size is the buyer's sneakers' (穿运动鞋44码), "
                              "which shops of other shoes convert (运动鞋码偏大，皮鞋拍小一码)")
    unknown: list[Measure] = Field(default_factory=list, description="measures the buyer says they do not know "
                                   "(体重没称过, 没量腰围): not asked for when what was given reads the chart")

    def merged(self, newer: BuyerMeasures) -> BuyerMeasures:
        return BuyerMeasures(values={**self.values, **newer.values}, usual=newer.usual or self.usual,
                             both_feet=newer.both_feet, two_usual=newer.two_usual,
                             unknown=[m for m in newer.unknown if m not in newer.values],
                             in_sneakers=newer.in_sneakers if newer.usual else self.in_sneakers)

    @property
    def empty(self) -> bool:
        return not self.values and self.usual is None


@lru_cache(maxsize=1)
def _normalizer() -> Normalizer:
    return Normalizer()


# Measure words buyers mistype by sound (角长 → 脚长, 腰为 → 腰围): read as the word when a number follows.
SOUNDED_WORDS = ("脚长", "身高", "体重", "腰围", "胸围", "臀围", "下胸围", "脚码", "鞋码")
# 码 typed as its homophone after a question word or a number (穿几马, 38马): not 马丁靴.
_SIZE_HOMOPHONE = re.compile(r"(?<=几|啥|么|大|个|少|\d)马(?=[^丁\u4e00-\u9fff]|$|的|数|子|啊|呀|呢|合|好|穿|拍)")


@lru_cache(maxsize=1)
def _sounds() -> dict[str, str]:
    from kefu.understanding.features import char_pinyin

    return {"".join(char_pinyin(ch) for ch in word): word for word in SOUNDED_WORDS}


def _by_sound(text: str) -> str:
    from kefu.understanding.features import char_pinyin

    sounds = _sounds()
    out = text
    for size in (3, 2):
        for start in range(len(text) - size + 1):
            window = text[start:start + size]
            word = sounds.get("".join(char_pinyin(ch) for ch in window))
            if word and window != word and re.match(r"\s*[:：是有为]?\s*\d", text[start + size:start + size + 4]):
                out = out[:start] + word + out[start + size:]
    return _SIZE_HOMOPHONE.sub("码", out)


def fold(text: str) -> str:
    """繁→简, width folding, Chinese numerals as digits, measure words mistyped by sound: 個子一米六 → 个子1米6,
    角长23 → 脚长23."""
    return _by_sound(arabic(_normalizer().basic(text)).replace("．", "."))


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
    if measure in (Measure.FOOT, Measure.INNER):
        if unit in ("mm", "毫米"):
            return value
        if unit in ("", "cm", "厘米", "公分"):
            return value * 10 if value < 40 else value
        return None
    if measure == Measure.FINGER:
        if unit in ("mm", "毫米"):
            return value
        if unit in ("", "cm", "厘米", "公分"):
            return value * 10 if value < 10 else value
        return None
    if measure in (Measure.WRIST, Measure.BED):
        if unit in ("mm", "毫米"):
            return value / 10
        if unit in ("", "cm", "厘米", "公分"):
            return value
        return None
    if measure in (Measure.CHEST, Measure.UNDERBUST, Measure.WAIST, Measure.HIP, Measure.NECK, Measure.CALF):
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
    if unit in ("mm", "毫米") and 120 <= value <= 330:
        return Measure.FOOT
    if unit in ("cm", "厘米", "公分") and 45 <= value <= 210:
        return Measure.HEIGHT
    return None


# What a measure plausibly is in its canonical unit: a bare number the buyer gives when one measure is awaited
# (量了下 25公分整, after the agent asked for the foot length) is read as that measure when it fits.
PLAUSIBLE = {Measure.FOOT: (120.0, 330.0), Measure.INNER: (100.0, 340.0), Measure.HEIGHT: (45.0, 210.0),
             Measure.WEIGHT: (10.0, 400.0),
             Measure.WAIST: (40.0, 150.0), Measure.UNDERBUST: (50.0, 130.0), Measure.HIP: (50.0, 160.0),
             Measure.CHEST: (50.0, 160.0), Measure.NECK: (25.0, 60.0), Measure.CALF: (20.0, 60.0),
             Measure.AGE: (0.0, 18.0), Measure.MONTHS: (0.0, 48.0),
             Measure.FINGER: (35.0, 90.0), Measure.WRIST: (10.0, 30.0), Measure.BED: (80.0, 300.0)}


def extract(text: str, awaited: list[Measure] | None = None) -> BuyerMeasures:
    """The measures in a text; ``awaited``: measures the conversation waits for, which a number without a
    measure word is read as when it fits exactly one of them."""
    # 一圈/一周 (臀围量一圈 95) is a count of rounds, not a number of the measure: blanked, positions kept.
    text = _ROUNDS.sub(" ", fold(text))
    values: dict[Measure, float] = {}
    usual: str | None = None
    unread: list[str] = []
    both_feet = False
    two_usual = False
    approximate: set[Measure] = set()
    for match in _USUAL.finditer(text):
        usual = match.group("value").upper()
        also = _ALSO_WORN.match(text, match.end("value"))
        if also and re.fullmatch(r"\d{2}(?:\.5)?", usual):
            usual = max(usual, also.group(1), key=float)  # 平时37、38都能穿: the larger of the two is safe
            two_usual = True
    for match in _WORN.finditer(text):
        usual = match.group("value") or match.group("bare") or match.group("bought") or match.group("mine")
    foreign = _FOREIGN_SIZE.search(text)
    if foreign:
        # 美码8.5, US 9: the usual size in another system, named by its system as a chart's column names it.
        usual = ("US" if re.match(r"美|us", foreign.group("system"), re.IGNORECASE) else "UK") + foreign.group("size")
    if usual is None and awaited and Measure.USUAL in awaited:
        # Asked for the usual size, the buyer answers with a bare one (40, 40码, M码的).
        bare = _BARE_SIZE.search(text)
        usual = bare.group("value").upper() if bare else None
    taken: list[tuple[int, int]] = [m.span("value") for m in _USUAL.finditer(text)]
    taken += [m.span(next(g for g in ("value", "bare", "bought", "mine") if m.group(g))) for m in _WORN.finditer(text)]
    taken += [m.span(1) for m in _ORDERED.finditer(text)]
    taken += [m.span("size") for m in _FOREIGN_SIZE.finditer(text)]  # 我拍的150运动服: a size ordered, not a measure
    for match in _VALUE.finditer(text):
        start = match.start("num")
        if any(a <= start < b for a, b in taken):
            continue
        number = float(match.group("num"))
        if match.group("metre"):
            # 1米6 / 1米65 / 1.6米 / 1.65m: a height in metres, or a bed's width (1.8米的床, 床是1米5的).
            after = match.group("after")
            if number < 3:
                after = None if "." in match.group("num") else after
                centimetres = number * 100 + (float(after) * (10 if len(after) == 1 else 1) if after else 0)
                before = _measure_before(text, start)
                bed = _BED_AFTER.match(text, match.end()) or before == Measure.BED
                # 臀围一米二: a girth said in metres is that girth, not a height.
                girth = before if before in (Measure.CHEST, Measure.WAIST, Measure.HIP) else None
                values.setdefault(girth or (Measure.BED if bed else Measure.HEIGHT), round(centimetres, 1))
            continue
        unit = match.group("unit")
        if unit in ("码", "号", "寸"):
            continue
        if unit == "尺" and match.group("tenths"):
            tenths = match.group("tenths")
            number += float(tenths) / 10 ** len(tenths)  # 2尺1 = 2.1尺, 2尺35 = 2.35尺
        other = _OTHER_MEASURE.search(text[max(0, start - 5):start])
        if other:
            unread.append(other.group(1))
            continue  # 脚宽100, 头围58: a measure no chart here reads, never taken for another
        # A unit that names one measure (98斤, 5岁) wins over a keyword before it (155的个子 85斤).
        by_unit = _by_unit(number, unit) if unit in _DECISIVE_UNITS else None
        after = next((m for m, pattern in _MEASURE_AFTER.items() if pattern.match(text, match.end("num"))), None)
        named = by_unit or _measure_before(text, start) or after
        measure = named or _by_unit(number, unit)
        if awaited and (measure is None or (named is None and measure not in awaited)):
            # The measure the agent asked for, said without its word (腰围? → 量了一下91公分): that one, when it fits.
            fitting = [m for m in awaited if m not in values and _fits(m, number, unit)]
            measure = fitting[0] if len(fitting) == 1 else measure
        if measure is None and unit == "尺":
            measure = Measure.WAIST  # 两尺四的腰, 2尺35: the 市尺 is the waist's unit
        if measure is None and not unit and 130 <= number <= 199 and Measure.HEIGHT not in values:
            measure = Measure.HEIGHT  # "160 100斤": a bare adult height
        elif (measure is None and not unit and values.get(Measure.HEIGHT, 0) >= 130 and Measure.WEIGHT not in values
              and 35 <= number <= 250):
            measure = Measure.WEIGHT  # "175 140", "一米八二 一百五": height, then weight, as buyers pair them
        if measure is None:
            continue
        converted = _convert(measure, number, unit)
        if converted is not None and measure == Measure.FINGER and _DIAMETER.search(text[max(0, start - 6):start]):
            converted = round(converted * math.pi, 1)
        if converted is not None and converted > 0:
            if measure == Measure.FOOT and measure in values:
                values[measure] = max(values[measure], converted)  # two feet: the longer one decides
                both_feet = True
            elif measure in approximate and not _APPROXIMATE.match(text, match.end()):
                values[measure] = converted  # 一百斤出头 103斤: the exact figure said after a rough one
                approximate.discard(measure)
            elif measure not in values:
                values[measure] = converted
                if _APPROXIMATE.match(text, match.end()):
                    approximate.add(measure)
    unknown = [m for m in unknown_measures(text) if m not in values]
    in_sneakers = usual is not None and bool(re.search(r"运动鞋|跑鞋|球鞋", text))
    return BuyerMeasures(values=values, usual=usual, unread=unread, both_feet=both_feet, two_usual=two_usual,
                         unknown=unknown, in_sneakers=in_sneakers)


_NOT_KNOWN = r"(?:不知道|不清楚|不晓得|不记得|忘了|没(?:有)?(?:量|称|测|秤)(?:过)?|没法量|量不了)"
_UNKNOWN = re.compile(rf"{_NOT_KNOWN}(?:的|一下|下)?(?:宝宝的?|孩子的?|我的?)?(?P<before>{'|'.join(SOUNDED_WORDS)})|"
                      rf"(?P<after>{'|'.join(SOUNDED_WORDS)})(?:也|还|都)?{_NOT_KNOWN}")


def unknown_measures(text: str) -> list[Measure]:
    """Measures the buyer says they do not know (体重没称过, 没量腰围, 腰围不知道)."""
    found = [measure_of_heading(m.group("before") or m.group("after")) for m in _UNKNOWN.finditer(text)]
    return [m for m in dict.fromkeys(found) if m is not None]


# A figure given roughly (100斤出头, 160左右, 90多斤): an exact one said after it is the buyer's.
_APPROXIMATE = re.compile(r"\s*(?:出头|多点|多一点|多|左右|上下|不到|的样子)")


def _fits(measure: Measure, number: float, unit: str | None) -> bool:
    converted = _convert(measure, number, unit)
    low, high = PLAUSIBLE.get(measure, (0.0, 0.0))
    return converted is not None and low <= converted <= high


def mentions_worn_size(text: str) -> bool:
    return bool(_FEET.search(fold(text)))
