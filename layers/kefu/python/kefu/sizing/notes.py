"""What the shop says around a chart: fit notes that move a size, tie rules, range limits; and the buyer's traits.

Traits are rules of language about the person (喜欢合身, 怕紧, 脚背高): a note applies when the buyer has one of
the traits the note names. A trait word that describes the garment (宽松版型) is not the buyer's.
"""

from __future__ import annotations

import re
from collections import Counter

from kefu.models.sizing import FitNote, Measure, Span, TieRule
from kefu.sizing.tables import clean, measure_of_heading, parse_span

# The buyer's traits, as patterns over the buyer's (or the note's) words.
# Degree words between a body part and its trait (脚背特别高, 屁股比较大): a rule of language, not a list of cases.
ADV = r"(?:有点儿?|有些|比较|稍微|稍|偏|很|挺|特别|非常|超级|超|太|蛮|长得|有|老|贼|又)?"
# A body part may carry the colloquial noun suffix 子 (脚面子, 脚背子).
TRAITS: dict[str, str] = {
    "fitted": r"(?:喜欢|想|要|偏好|爱|习惯)(?:穿)?(?:得)?(?:合身|修身|贴身|紧身|显瘦|利落|跟脚|包脚)|跟脚(?:一点|点|些)|(?:合身|修身|贴身|紧)(?:一点|点|些|一些)|"  # noqa: E501 (patterns read as one line)
              r"(?:穿|穿着|穿得)(?:合身|修身|贴身|利落|精神)|(?:不喜欢|不要|不想|别|怕)(?:太|穿得|穿着)?(?:宽松|宽大|松垮|肥大|拖沓|晃荡)",
    "loose": r"(?:喜欢|想|要|爱|习惯)(?:穿)?(?:得)?(?:宽松|宽大|大一号|大一点|松一点|松垮)|oversize|[ｏo]版|"
             r"(?:宽松|宽大|松快)(?:一点|点|些|一些)|(?:穿|穿着|穿得)(?:宽松|松快|松)(?:一点|点|些)?|松松的",
    "tight_averse": r"(?:怕|介意|不喜欢|不想|担心|不要)(?:太|穿着|穿得)?(?:紧|勒|绷|箍|束缚)",
    "heavier": r"(?:肚子|腰腹|小腹|肚腩|腹部|腰上|腰部){ADV}(?:肉|大|胖|凸|鼓)|小肚子|啤酒肚|大肚子|"
               r"微胖|偏胖|胖胖|(?:有点儿?|有些|比较|偏)小?(?:胖|壮|肉)|肉肉|(?:孩子|宝宝|小孩|娃|儿子|女儿|闺女){ADV}小?(?:胖|壮|肉)",
    "wide_hip": r"胯(?:部|骨)?{ADV}(?:宽|大)|臀(?:部)?{ADV}(?:大|宽|翘)|屁股{ADV}(?:大|宽)|大腿{ADV}粗|大屁股|梨形",
    "full_chest": r"胸(?:部|口)?{ADV}(?:大|丰满|宽|厚)|大胸|胸(?:部)?比较?有料",
    "broad_shoulder": r"肩(?:膀|部)?{ADV}(?:宽|厚|圆)|宽肩|虎背",
    "thick_arm": r"(?:手臂|胳膊|大臂|上臂){ADV}(?:粗|肉|胖)|拜拜肉",
    "instep": r"脚背子?{ADV}(?:高|厚)|脚面子?{ADV}(?:高|厚)|高脚背|脚(?:[^，,。背面]{0,3}?又)(?:高|厚)",
    "wide_foot": r"脚(?:掌|型|板)?{ADV}(?:宽|肥|胖|肉)|宽脚|肉脚",
    "narrow_foot": r"瘦脚|窄脚|脚(?:掌|型|板)?{ADV}(?:窄|瘦)",
    "layered": r"(?:里面|里头|内搭|里边|里头|裡面)[^，,。]{0,4}?(?:穿|加|套)(?:件|个|一件)?(?:厚|加厚)?(?:毛衣|卫衣|羽绒服?|棉服|抓绒|衣服)?|(?:穿|加|套)(?:件|个|一件)?(?:厚)?(?:毛衣|卫衣|羽绒|棉服|抓绒)|"  # noqa: E501 (patterns read as one line)
               r"穿得厚|叠穿|(?:厚|加厚|毛|羊毛|棉)(?:的)?袜",
}
_TRAITS = {name: re.compile(pattern.replace("{ADV}", ADV), re.IGNORECASE) for name, pattern in TRAITS.items()}
_NEGATION = re.compile(r"[不别没]\s*$")
_SHIFT = re.compile(r"(?:拍|选|买|穿|要|建议|考虑|再|加|往)(?P<way>大|小|上|下)(?:拍|选|买)?(?P<amount>一|1|两|2|半)(?:个)?(?:码|号|个码)")  # noqa: E501 (patterns read as one line)
_RUNS = re.compile(r"(?:版型|尺码|码数|鞋码|这款|此款|整体)?(?:偏|会)(?P<way>大|小)(?P<amount>一|1|半|两|2)?(?:个)?(?:码|号)")  # noqa: E501 (patterns read as one line)
# The usual size is this product's size (正码; 按平时尺码拍即可; 直接拍平时穿的码).
_TRUE_TO_SIZE = re.compile(r"正码|标准码|尺码标准|码数标准|"
                           r"(?:按|拍|选|买)(?:照)?(?:您|你)?(?:的)?(?:平时|平常|日常|正常)(?:穿)?(?:的)?(?:尺码|码数|鞋码|码|号)")
_USUAL = re.compile(r"平时|平常|日常|一般穿|习惯穿|别家|其他家|其它家|以前穿|之前穿|别的牌子|其他品牌")
_SENTENCES = re.compile(r"[。；;\n！!]")
_CONFLICT = re.compile(r"(?:不在同一|不是同一|不一致|不一样|对应不同|不同尺码|不同的码|对不上|冲突).{0,12}?(?:以|按)(?P<by>体重|身高|腰围|臀围|脚长)(?:为准|来选|选)|"  # noqa: E501 (patterns read as one line)
                       r"(?:以|按)(?P<by2>体重|身高|脚长|腰围|臀围)(?:尺寸|数据)?为(?:准|主)")
_LARGER_OF = re.compile(r"(?:取|选|按|以|拍|买)(?:其中)?(?:较大|大的|更大|偏大)(?:的)?(?:那个|一个)?(?:尺码|码|号)?(?:为准)?")  # noqa: E501 (patterns read as one line)
_BOUNDARY = re.compile(r"(?:分界|中间|之间|交界|临界|卡在|正好在|刚好在|压线|两个码)[^。；;喜宽合]{0,28}?(?:选|拍|取|建议)(?:择)?(?P<way>大|小)")  # noqa: E501 (patterns read as one line)
_BETWEEN = re.compile(r"交界|分界|两个码之间|两码之间|2个码之间|中间|卡在|压线|介于")
_LIMIT = re.compile(
    r"(?:适合|适用|只到|仅适合|范围|只适合|适穿)(?:的)?(?P<measure>身高|体重|脚长|年龄)[:：在为]?\s*(?P<range>\d+(?:\.\d+)?\s*"
    r"(?:cm|kg|斤|mm|岁|m(?![a-z])|米)?\s*(?:-|~|～|—|–|到|至)+\s*\d+(?:\.\d+)?\s*(?:cm|厘米|kg|公斤|斤|mm|岁|m(?![a-z])|米)?)",
    re.IGNORECASE,
)
# A sentence that sends some buyers to a person (身高175以上请联系客服): its thresholds bound the chart.
_TO_PERSON = re.compile(r"联系客服|咨询客服|找客服|私聊|私信|联系在线客服|人工客服|单独咨询|咨询一下客服|问客服|联系我们")  # noqa: E501 (patterns read as one line)


# A note for the buyer whose other measure is past the size chosen (臀围超出所选码的范围 … 拍大一码).
_OVER = re.compile(r"(?P<measure>身高|体重|腰围|臀围|胸围|脚长)(?:超出|超过|大于)(?:了)?(?:所选|对应|选的|所拍|这个)?(?:的)?"  # noqa: E501 (patterns read as one line)
                   r"(?:尺码|码数|码|号)?(?:的)?(?:范围|上限|数据|尺寸)?")

_FALLBACK = re.compile(r"不知道(?:自己的)?(?:身高|体重|腰围|臀围|胸围|脚长)(?:的|多少)?(?:亲|话|朋友|宝宝)?[，,]?(?:也)?(?:可以)?(?:先)?"  # noqa: E501 (patterns read as one line)
                       r"(?:按|看|参考|用|对照)(?:着)?(?P<by>体重|身高|腰围|臀围|脚长)")

BY_WORD = {"体重": TieRule.BY_WEIGHT, "身高": TieRule.BY_HEIGHT, "臀围": TieRule.BY_HIP, "腰围": TieRule.BY_WAIST,
           "脚长": TieRule.BY_FOOT}
# A note for buyers past a measure (臀围100cm以上的亲 … 拍大一码): its condition is that threshold.
_THRESHOLD = re.compile(
    r"(?P<measure>身高|体重|腰围|臀围|下胸围|胸围|脚长)(?:在|超过|大于|≥|>|达到)?\s*(?P<value>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>cm|厘米|公分|斤|kg|公斤|mm|毫米|m(?![a-z])|米)?\s*(?P<side>以上|及以上|或以上|以下|及以下)?"
)


def threshold_condition(text: str) -> str | None:
    """'hip>=100' for 臀围100cm以上; None when the text names no measure threshold."""
    from kefu.sizing.tables import measure_of_heading, to_canonical

    match = _THRESHOLD.search(text)
    if match is None or not (match.group("side") or re.search(r"超过|大于|≥|>", match.group(0))):
        return None
    measure = measure_of_heading(match.group("measure"))
    if measure is None:
        return None
    value = to_canonical(measure, float(match.group("value")), match.group("unit"))
    side = "<=" if match.group("side") in ("以下", "及以下") else ">="
    return f"{measure.value}{side}{value:g}"


def traits_in(text: str) -> set[str]:
    found: set[str] = set()
    for name, pattern in _TRAITS.items():
        for match in pattern.finditer(text):
            if not _NEGATION.search(text[max(0, match.start() - 2):match.start()]):
                found.add(name)
    return found


_CONDITIONAL = re.compile(r"如果|若|的话|的亲|的朋友|的宝宝|的人|的[，,\s]*(?:建议|请|可以|最好|要|就)*[，,\s]*$")


def without_traits(text: str) -> str:
    """The text with its trait phrases removed (穿厚袜子 is a wish about fit, not the socks on sale)."""
    for pattern in _TRAITS.values():
        text = pattern.sub(" ", text)
    return text


def _amount(word: str | None) -> int:
    return 2 if word in ("两", "2") else 1


def fit_notes(text: str, half_sizes: bool = False) -> list[FitNote]:
    """Instructions that move the size (拍小一码, 脚背高选大一码), each with the traits it is for. Half a size
    (拍大半码) is one row of a chart that has half sizes (36.5); on a chart of whole sizes it is quoted, not applied."""
    text = clean(text)
    notes: list[FitNote] = []
    for sentence in _SENTENCES.split(text):
        if _BETWEEN.search(sentence):
            continue  # 正好在两个码交界的拍大一码: a tie rule (boundary_rule), not a shift for everyone
        for match in _SHIFT.finditer(sentence):
            if match.group("amount") == "半" and not half_sizes:
                continue  # half a size on a chart of whole sizes: quoted, not applied
            shift = _amount(match.group("amount")) * (1 if match.group("way") in ("大", "上") else -1)
            before = sentence[:match.start()]
            before = re.split(r"[，,](?=[^，,]*(?:的话|如果|若))", before)[-1] if "的话" in before else before
            traits = traits_in(before)
            threshold = threshold_condition(before)
            over = _OVER.search(before)
            over_measure = measure_of_heading(over.group("measure")) if over else None
            if threshold:
                condition: str | None = threshold
            elif over_measure is not None:
                condition = f"over:{over_measure.value}"
                if traits:
                    condition += "," + ",".join(sorted(traits))
            elif traits:
                condition = ",".join(sorted(traits))
            elif _USUAL.search(before) or _USUAL.search(sentence[match.end():]):
                condition = "usual"  # 偏大一码，建议拍小一码（平时穿38的拍37）: about the usual size
            elif _CONDITIONAL.search(before):
                continue  # a condition we cannot read: never applied to everyone
            else:
                condition = None
            notes.append(FitNote(text=sentence.strip(" ，,·-"), shift=shift, condition=condition))
        for part in re.split(r"[，,]", sentence):
            kept = _TRUE_TO_SIZE.search(part)
            traits = traits_in(part[:kept.start()]) if kept else set()
            if kept and traits:
                # 脚宽的亲按平时码数拍: these buyers keep their usual size, whatever the product's own shift.
                notes.append(FitNote(text=sentence.strip(" ，,·-"), shift=0, condition=",".join(sorted(traits)),
                                     to_usual=True))
    return unique(notes)


def usual_shift(text: str, half_sizes: bool = False) -> int | None:
    """How the shop's sizes relate to the buyer's usual size: 偏大一码 → -1, 偏小一码 → +1, 正码 → 0, unknown → None.

    Half a size (偏小半码): one row on a chart with half sizes. On a chart of whole sizes, a product half a size
    small is the next whole size up (the usual one would be tight); half a size large, with no instruction of the
    shop's, is unknown (the usual size or the one below both fit some feet): the chart's measure is asked for.
    """
    text = clean(text)
    for note in fit_notes(text, half_sizes):
        if note.condition == "usual":
            return note.shift
    match = _RUNS.search(text)
    if match and match.group("amount") == "半":
        if half_sizes:
            return -1 if match.group("way") == "大" else 1
        if match.group("way") == "小":
            return 1
    elif match:
        return _amount(match.group("amount")) * (-1 if match.group("way") == "大" else 1)
    # Half a size large on whole sizes, with the shop's word to take the usual one (没有半码的按平时码拍); a word
    # for some buyers only (脚宽的亲按平时码拍) is their note, not the product's.
    for part in re.split(r"[，,。；;\n]", text):
        kept = _TRUE_TO_SIZE.search(part)
        if kept and not traits_in(part[:kept.start()]):
            return 0
    return None


def conflict_rule(text: str) -> TieRule | None:
    text = clean(text)
    match = _CONFLICT.search(text)
    if match:
        by = match.group("by") or match.group("by2")
        return BY_WORD.get(by, TieRule.LARGER)
    for sentence in _SENTENCES.split(text):
        if re.search(r"不在同一|不是同一|不一致|不一样|对应不同|不同尺码|对不上", sentence) and _LARGER_OF.search(sentence):  # noqa: E501 (patterns read as one line)
            return TieRule.LARGER
    return None


def fallback_measure(text: str) -> Measure | None:
    """The measure the shop says to go by when the decisive one is not known (不知道腰围的亲可以按体重参考)."""
    match = _FALLBACK.search(clean(text))
    return measure_of_heading(match.group("by")) if match else None


def boundary_rule(text: str) -> TieRule | None:
    match = _BOUNDARY.search(clean(text))
    if match is None:
        return None
    return TieRule.LARGER if match.group("way") == "大" else TieRule.SMALLER


def limits(text: str) -> dict[Measure, Span]:
    """Ranges the shop says the chart is for (适合身高155~170cm): outside them the agent hands over."""
    found: dict[Measure, Span] = {}
    matches = list(_LIMIT.finditer(clean(text)))
    # 适合脚长241-245mm on every row is the chart itself, not a limit of it.
    counts = Counter(m.group("measure") for m in matches)
    repeated = {name for name, count in counts.items() if count > 1}
    for match in matches:
        if match.group("measure") in repeated:
            continue
        measure = measure_of_heading(match.group("measure"))
        if measure is None:
            continue
        span = parse_span(measure, match.group("range"), None)
        if span is not None and span.high > span.low:
            found.setdefault(measure, span)
    for sentence in _SENTENCES.split(clean(text)):
        if not _TO_PERSON.search(sentence):
            continue
        for part in re.split(r"或|或者|、|，|,|及|和", sentence):
            condition = threshold_condition(part)
            if condition is None:
                continue
            measure_name, side, value = re.fullmatch(r"(\w+)(>=|<=)([\d.]+)", condition).groups()  # type: ignore[union-attr]
            measure = Measure(measure_name)
            bound = float(value)
            span = found.get(measure, Span(low=0.0, high=1e9))
            # 175以上找客服: the chart is for heights up to 175 (a buyer at exactly 175 is still the chart's).
            found[measure] = (Span(low=span.low, high=min(span.high, bound)) if side == ">="
                              else Span(low=max(span.low, bound), high=span.high))
    return found


def unique(notes: list[FitNote]) -> list[FitNote]:
    seen: set[tuple[int, str | None, bool]] = set()
    kept = []
    for note in notes:
        key = (note.shift, note.condition, note.to_usual)
        if key not in seen:
            seen.add(key)
            kept.append(note)
    return kept
