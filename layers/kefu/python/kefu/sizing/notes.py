"""What the shop says around a chart: fit notes that move a size, tie rules, range limits; and the buyer's traits.

Traits are rules of language about the person (喜欢合身, 怕紧, 脚背高): a note applies when the buyer has one of
the traits the note names. A trait word that describes the garment (宽松版型) is not the buyer's.
"""

from __future__ import annotations

import re
from collections import Counter

from kefu.models.sizing import MEASURE_WORDS, FitNote, Measure, Span, TieRule
from kefu.sizing.tables import clean, measure_of_heading, parse_span

# The measures a note may go by or name a threshold of (以腰围为准, 领围44以上).
_BODY = (Measure.CALF, Measure.SHOE, Measure.FOOT, Measure.UNDERBUST, Measure.CHEST, Measure.WAIST, Measure.HIP,
         Measure.NECK, Measure.WEIGHT, Measure.HEIGHT)
NOTE_MEASURES = "|".join(sorted((w for m in _BODY for w in MEASURE_WORDS[m].split("|")), key=len, reverse=True))

# The buyer's traits, as patterns over the buyer's (or the note's) words.
# Degree words between a body part and its trait (脚背特别高, 屁股比较大): a rule of language, not a list of cases.
ADV = r"(?:有点儿?|有些|比较|稍微|稍|偏|很|挺|特别|非常|超级|超|太|蛮|长得|有|老|贼|又)?"
# A body part may carry the colloquial noun suffix 子 (脚面子, 脚背子).
TRAITS: dict[str, str] = {
    "fitted": r"(?:喜欢|想|要|偏好|爱|习惯)(?:穿着|穿得|穿)?(?:得)?(?:合身|修身|贴身|紧身|显瘦|利落|跟脚|包脚)|跟脚(?:一点|点|些)|(?:合身|修身|贴身|紧)(?:一点|点|些|一些)|"  # noqa: E501 (patterns read as one line)
              r"(?:穿|穿着|穿得)(?:合身|修身|贴身|利落|精神)|(?:不喜欢|不要|不想|别|怕)(?:穿)?(?:太|穿得|穿着)?(?:太)?(?:宽松|宽大|松垮|肥大|拖沓|晃荡)",
    "loose": r"(?:喜欢|想|要|爱|习惯)(?:穿着|穿得|穿)?(?:得)?(?:宽松|宽大|大一号|大一点|松一点|松垮)|oversize|[ｏo]版|"
             # Room to grow into (想买大点, 能多穿一年, 留点余量): a wish for the larger size.
             r"(?:想|要)(?:买|拍|选|穿)(?:得)?(?:大一点|大点|大一些|大些|大一号|大一码)|多穿(?:一|两|几|\d)?(?:段时间|个月|年|季|阵)|留(?:点|些)?余量|长得(?:很|特别|比较)?快|长个(?:子)?快|"
             r"(?:想|要)?穿(?:得)?久(?:一点|点|些)?|"
             # 明年还能穿, 穿到明年: the same wish, said by the season to come.
             r"(?:明年|下一?年|来年|下一?季)(?:还|接着|继续|也)?(?:能|可以|要|想)?(?:接着|继续)?穿|穿到(?:明年|来年|下一?年)|"
             r"(?:宽松|宽大|松快)(?:一点|点|些|一些)|(?:穿|穿着|穿得)(?:宽松|松快|松)(?:一点|点|些)?|松松的",
    "tight_averse": r"(?:怕|介意|不喜欢|不想|担心|不要)(?:太|穿着|穿得)?(?:紧|勒|绷|箍|束缚)",
    "heavier": r"(?:肚子|腰腹|小腹|肚腩|腹部|腰上|腰部){ADV}(?:肉|大|胖|凸|鼓)|腰{ADV}粗|水桶腰|小肚子|啤酒肚|大肚子|"
               r"有(?:个|点)?小?(?:肚子|肚腩)|微胖|偏胖|胖胖|胖乎乎|胖嘟嘟|肉嘟嘟|圆滚滚|(?:有点儿?|有些|比较|偏)小?(?:胖|壮|肉)|肉肉|(?:孩子|宝宝|小孩|娃|儿子|女儿|闺女){ADV}小?(?:胖|壮|肉)",
    # Late pregnancy (孕晚期, 孕7个月以后, 怀孕八个月): the belly grows, and shops size it up.
    "late_pregnancy": r"孕晚期|(?:孕|怀孕|怀娃|怀宝宝|现在|已经)?(?<![\d.])[7-9](?:\.5)?个(?:半)?月(?:以后|以上|及以后)?",  # noqa: E501 (patterns read as one line)
    # A slight build (偏瘦, 比较瘦, 瘦小): said of the body with a degree word, so 显瘦 (a wish) is not it.
    "slim": r"(?:偏|比较|有点儿?|有些|挺|很|太|特别|超|非常|较)瘦(?!脚|一点|点|些)|瘦瘦|瘦小|苗条|瘦高|瘦长|瘦弱|骨架小",  # noqa: E501 (patterns read as one line)
    "wide_hip": r"胯(?:部|骨)?{ADV}(?:宽|大)|臀(?:部)?{ADV}(?:大|宽|翘)|屁股{ADV}(?:大|宽)|大腿{ADV}粗|大屁股|梨形|"
                # 臀部肉多, 屁股肉肉的: flesh said of the hips is their size.
                r"(?:臀(?:部)?|屁股|大腿){ADV}(?:肉多|肉肉|多肉|有肉)",
    "full_chest": r"胸(?:部|口)?{ADV}(?:大|丰满|宽|厚)|大胸|胸(?:部)?比较?有料",
    "broad_shoulder": r"肩(?:膀|部)?{ADV}(?:宽|厚|圆)|宽肩|虎背",
    "thick_arm": r"(?:手臂|胳膊|大臂|上臂){ADV}(?:粗|肉|胖)|拜拜肉",
    "instep": r"脚背子?{ADV}(?:高|厚)|脚面子?{ADV}(?:高|厚)|高脚背|脚(?:[^，,。背面]{0,3}?又)(?:高|厚)",
    "wide_foot": r"脚(?:掌|型|板|丫子|丫)?{ADV}(?:宽|肥|胖|肉)|宽脚|肉脚",
    "narrow_foot": r"瘦脚|窄脚|脚(?:掌|型|板)?{ADV}(?:窄|瘦)",
    # A foot the buyer calls ordinary (脚正常, 脚型标准): shops name it beside 脚宽 in a note to keep the usual size.
    "normal_foot": r"脚(?:型|掌)?(?:比较|挺|很)?(?:正常|标准|一般|普通)",
    "layered": r"(?:里面|里头|内搭|里边|里头|裡面)[^，,。]{0,4}?(?:穿|加|套)(?:件|个|一件)?(?:厚|加厚)?(?:毛衣|卫衣|羽绒服?|棉服|抓绒|衣服)?|(?:穿|加|套)(?:件|个|一件)?(?:厚)?(?:毛衣|卫衣|羽绒|棉服|抓绒)|"  # noqa: E501 (patterns read as one line)
               r"穿得厚|叠穿|(?:厚|加厚|毛|羊毛)(?:的)?(?:棉)?袜|(?:两|2)双袜",
    # Thin socks (表里的脚长是穿薄袜子的): the chart's own case, the smaller of two sizes.
    "thin_socks": r"薄袜|薄的袜",
}
_TRAITS = {name: re.compile(pattern.replace("{ADV}", ADV), re.IGNORECASE) for name, pattern in TRAITS.items()}
_NEGATION = re.compile(r"[不别没]\s*$")
_SHIFT = re.compile(r"(?:拍|选|买|拿|穿|要|建议|考虑|再|加|往)(?P<way>大|小|上|下)(?:拍|选|买)?(?P<amount>一|1|两|2|半)(?:个)?(?:码|号|个码)")  # noqa: E501 (patterns read as one line)
_RUNS = re.compile(r"(?:版型|尺码|码数|鞋码|这款|此款|整体)?(?:偏|会)(?P<way>大|小)(?P<amount>一|1|半|两|2)?(?:个)?(?:码|号)")  # noqa: E501 (patterns read as one line)
# The usual size is this product's size (正码; 按平时尺码拍即可; 直接拍平时穿的码).
_TRUE_TO_SIZE = re.compile(r"正码|标准码|尺码标准|码数标准|"
                           # 平时穿几码拍几码, 平时穿多少码的牛仔裤就拍多少码: the usual size as it is.
                           r"(?:多少|几)(?:码|号)[^，,。；;]{0,12}?(?:就)?(?:拍|选|买)(?:多少|几)(?:码|号)|"
                           r"(?:按|拍|选|买)(?:照)?(?:您|你)?(?:的)?(?:平时|平常|日常|正常)(?:穿)?(?:的)?(?:尺码|码数|鞋码|码|号)")
_USUAL = re.compile(r"平时|平常|日常|一般穿|习惯穿|别家|其他家|其它家|以前穿|之前穿|别的牌子|其他品牌")
_SENTENCES = re.compile(r"[。；;\n！!]")
_STATEMENTS = re.compile(r"[。\n！!]")
# Buyers whose trait needs no other size here (脚背高的一般不用拍大).
_EXEMPT = re.compile(r"(?:一般)?(?:不用|不必|无需|不需要|没必要)(?:再)?(?:拍|选|买|拿|加)?(?:大|小)|"
                     # 脚背高的把魔术贴调松一点就行，按表选码: the chart as it is, for them too.
                     r"(?:按|照)(?:尺码)?表(?:格)?(?:中|里|上)?(?:的)?(?:对应)?(?:的)?(?:尺码|码)?(?:正常|直接)?(?:选|拍|来)(?!\s*(?:大|小)\s*(?:一|1|两|2|半))")
_AS_CHARTED = re.compile(r"(?:按|照)(?:尺码)?表")
_AGAINST_LARGER = re.compile(r"(?:不建议|不要|别|不宜|不推荐)(?:买|拍|选)(?:得)?大"
                             r"(?!\s*(?:两|2|二)\s*(?:个)?(?:码|号))")  # 不要大两码 is about two sizes, not one
_CONFLICT = re.compile(rf"(?:不在同一|不是同一|不一致|不一样|对应不同|不同尺码|不同的码|对不上|冲突).{{0,12}}?(?:以|按)(?P<by>{NOTE_MEASURES})(?:为准|来选|选)|"  # noqa: E501 (patterns read as one line)
                       rf"(?:以|按)(?P<by2>{NOTE_MEASURES})(?:尺寸|数据)?为(?:准|主)|"
                       # 按领围选码, 按领围选最准: the one measure the sizes are chosen by.
                       # 按身高对表选码, 按身高标码, 正常体型按身高拍: the measure the sizes are read by.
                       rf"(?:以|按)(?:现在的?|目前的?|孕前|实际|宝宝的?|孩子的?)?(?P<by3>{NOTE_MEASURES})"
                       r"(?:[(（][^)）]{0,6}[)）])?(?:来|对表|对照表?|查表)?(?:选(?:码|最准|尺码|号|(?=[A-Za-z\d]))|标码|"
                       rf"(?:拍|选)(?:就行|就可以|即可)?(?![大小一\d]))|"
                       # 对应不同尺码时，优先按胸围: the measure put first.
                       rf"优先(?:按|以|看|参考)(?:照)?(?P<by4>{NOTE_MEASURES})")
_LARGER_OF = re.compile(r"宁大勿小|宁大不小|就大不就小|(?:取|选|按|以|拍|买)(?:其中|两者中|二者中|两者|两个中)?(?:较大|大的|更大|偏大)(?:的)?(?:那个|一个)?(?:尺码|码|号)?(?:为准)?")  # noqa: E501 (patterns read as one line)
_BOUNDARY = re.compile(r"(?:分界|中间|之间|交界|临界|卡在|正好在|刚好在|压线|两个码)[^。；;喜宽合]{0,28}?(?:(?:选|拍|取|建议)(?:择)?|往|按)(?P<way>大|小)|"  # noqa: E501 (patterns read as one line)
                       # 卡在两个码中间的宁大勿小: the idiom for the larger of two.
                       r"(?:分界|中间|之间|交界|临界|卡在|压线|两个码)[^。；;喜宽合]{0,28}?(?:宁大勿小|宁大不小|就大不就小|宁可大)")
_BETWEEN = re.compile(r"交界|分界|(?:两|2|二)\s*(?:个)?\s*(?:尺码|码|号)\s*之间|中间|卡在|压线|介于")
_LIMIT = re.compile(
    r"(?:适合|适用|只到|仅适合|范围|只适合|适穿)(?:的)?(?P<measure>身高|体重|脚长|年龄)[:：在为]?\s*(?P<range>\d+(?:\.\d+)?\s*"
    r"(?:cm|kg|斤|mm|岁|m(?![a-z])|米)?\s*(?:-|~|～|—|–|到|至)+\s*\d+(?:\.\d+)?\s*(?:cm|厘米|kg|公斤|斤|mm|岁|m(?![a-z])|米)?)",
    re.IGNORECASE,
)
# A length the product comes in (九分款, 长版, 加长款): a range said for it picks the length, not a size.
_LENGTH_VERSION = re.compile(r"(?:[七八九7-9]分|长|短|加长|常规|标准)(?:款|版|裤|裙)\s*(?:的)?\s*$")
_MORE_LIMIT = re.compile(
    r"\s*(?:、|，|,|和|及|\s)\s*(?P<measure>身高|体重|脚长|年龄)[:：在为]?\s*(?P<range>\d+(?:\.\d+)?\s*"
    r"(?:cm|kg|斤|mm|岁|m(?![a-z])|米)?\s*(?:-|~|～|—|–|到|至)+\s*\d+(?:\.\d+)?\s*(?:cm|厘米|kg|公斤|斤|mm|岁|m(?![a-z])|米)?)",
    re.IGNORECASE,
)
_ONE_SIZE = re.compile(r"(?<![\d.])(?:\d{2,3}(?:\.5)?|[2-9]?X{0,4}[SML])\s*(?:码|号)(?:的|鞋|衣服)?\s*$", re.IGNORECASE)
# A sentence that sends some buyers to a person (身高175以上请联系客服): its thresholds bound the chart.
_TO_PERSON = re.compile(r"联系客服|咨询客服|找客服|私聊|私信|联系在线客服|人工客服|单独咨询|咨询一下客服|问客服|联系我们")  # noqa: E501 (patterns read as one line)


# A note for the buyer whose other measure is past the size chosen (臀围超出所选码的范围 … 拍大一码).
_OVER = re.compile(rf"(?P<measure>{NOTE_MEASURES})(?:[（(][^）)]{{0,6}}[）)])?(?:超出|超过|大于|比)(?:了)?"
                   r"(?:所选|对应|选的|所拍|这个)?(?:的)?"
                   r"(?:尺码|码数|码|号)?(?:的)?(?:范围|上限|数据|尺寸)?")

_FALLBACK = re.compile(rf"不知道(?:自己的)?(?:{NOTE_MEASURES})(?:的|多少)?(?:亲|话|朋友|宝宝)?[，,]?(?:也)?(?:可以)?(?:先)?"  # noqa: E501 (patterns read as one line)
                       rf"(?:按|看|参考|用|对照)(?:着)?(?P<by>{NOTE_MEASURES})|"
                       # 腰围优先，其次看体重 / 先看腰围，再看体重: the second serves when the first is unknown.
                       rf"(?:(?:{NOTE_MEASURES})优先|(?:首先|先)(?:看|按)(?:{NOTE_MEASURES}))[，,、]?\s*"
                       rf"(?:其次|再)(?:是)?(?:看|按|参考)?(?P<second>{NOTE_MEASURES})")

BY_MEASURE = {Measure.WEIGHT: TieRule.BY_WEIGHT, Measure.HEIGHT: TieRule.BY_HEIGHT, Measure.HIP: TieRule.BY_HIP,
              Measure.WAIST: TieRule.BY_WAIST, Measure.FOOT: TieRule.BY_FOOT, Measure.NECK: TieRule.BY_NECK,
              Measure.CHEST: TieRule.BY_CHEST, Measure.SHOE: TieRule.BY_SHOE, Measure.UNDERBUST: TieRule.BY_UNDERBUST}
# A note for buyers past a measure (臀围100cm以上的亲 … 拍大一码): its condition is that threshold.
_THRESHOLD = re.compile(
    rf"(?P<measure>{NOTE_MEASURES})(?P<word>在|超过|大于|≥|>|达到|小于|低于|不到|不足|少于|<|≤)?\s*(?P<value>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>cm|厘米|公分|斤|kg|公斤|mm|毫米|m(?![a-z])|米)?\s*(?P<side>以上|及以上|或以上|以下|及以下)?"
)


_PRODUCT_CUT = re.compile(r"(?:本款|这款|此款|该款|整体)?(?:是|为|属于|采用)?\s*(?:oversize|[ｏo]版)?\s*"
                          r"(?:宽松|修身|紧身|oversize|落肩|收腰)\s*(?:款|版型|版|型)|"
                          # oversize面包服, 宽松卫衣: a cut word naming the garment is the product's, not a wish.
                          r"(?:oversize|宽松|修身|紧身)\s*(?=[\u4e00-\u9fff]{0,3}(?:服|衣|裤|裙|外套|夹克|衫|恤))",
                          re.IGNORECASE)
_NOT_SHIFT = re.compile(r"(?:不|别|没必要|不建议|不推荐)(?:要|用|能|可以)?(?:买|拍|选|穿)?(?:得)?(?:大|小)?$")
_SAME_AS_ALL = re.compile(r"也一样|一样|同样|照样|照旧|也是|也都")
_BELOW = ("小于", "低于", "不到", "不足", "少于", "<", "≤")


def threshold_condition(text: str) -> str | None:
    """'hip>=100' for 臀围100cm以上; None when the text names no measure threshold."""
    from kefu.sizing.tables import measure_of_heading, to_canonical

    match = _THRESHOLD.search(text)
    if match is None or not (match.group("side") or re.search(r"超过|大于|≥|>", match.group(0))
                             or match.group("word") in _BELOW):
        return None
    measure = measure_of_heading(match.group("measure"))
    if measure is None:
        return None
    value = to_canonical(measure, float(match.group("value")), match.group("unit"))
    below = match.group("side") in ("以下", "及以下") or match.group("word") in _BELOW
    side = "<=" if below else ">="
    return f"{measure.value}{side}{value:g}"


# An adjective said twice over (宽宽大大, 松松垮垮) is the adjective (宽大, 松垮): a rule of Chinese morphology.
_AABB = re.compile(r"([\u4e00-\u9fff])\1([\u4e00-\u9fff])\2")


def traits_in(text: str) -> set[str]:
    text = _AABB.sub(r"\1\2", text)
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
    # (喜欢宽松拍大1码、肚子大拍大1码等): instructions listed as examples of what a product's note may say.
    text = _EXAMPLES_LISTED.sub(" ", clean(text))
    notes: list[FitNote] = []
    for statement in _STATEMENTS.split(text):
        between = _BETWEEN.search(statement)
        # 卡在两个码中间的：脚宽选大一码；脚瘦选小一码: a list the colon opens is notes that pick one of the two; a
        # between clause with its own instruction (净胸围在两个码之间的拍大一码；肩宽的拍大一码) is one clause.
        opened = between is not None and re.match(r"[^：:。；;]*?[：:]", statement[between.end():]) is not None
        for sentence in _SENTENCES.split(statement):
            if between and (opened or _BETWEEN.search(sentence)):
                notes.extend(_between_notes(sentence, half_sizes))
            else:
                notes.extend(_sentence_notes(sentence, half_sizes))
    return unique(notes)


_EXAMPLES_LISTED = re.compile(r"[（(][^）)]*等[）)]")


def said_amount(text: str) -> str | None:
    """How much a note's instruction moves the size, as the note says it (拍小半码 → 半)."""
    match = _SHIFT.search(clean(text))
    return match.group("amount") if match else None


def _between_notes(sentence: str, half_sizes: bool) -> list[FitNote]:
    """Trait notes of a sentence about a measure between two sizes; one without a trait is the tie rule."""
    notes = []
    picks = [*_SHIFT.finditer(sentence),
             *(m for m in _PICK.finditer(sentence) if not _SHIFT.match(sentence, m.start()))]
    for match in sorted(picks, key=lambda m: m.start()):
        if "amount" in match.re.groupindex and match.group("amount") == "半" and not half_sizes:
            continue
        who = re.split(r"[：:，,）)]", sentence[:match.start()])[-1]
        way = 1 if match.group("way") in ("大", "上") else -1
        traits = traits_in(who) | said_wishes(who, way)
        if traits:
            notes.append(FitNote(text=f"{who.strip(' ，,·-*')}选{'大' if way > 0 else '小'}的", shift=way,
                                 condition=",".join(sorted(traits)), between=True))
    return notes


# Of two sizes, the larger or the smaller one (选小的那个码): a pick between them, said without an amount.
_PICK = re.compile(r"(?:选|拍|买|穿|要)(?P<way>大|小)的(?:那个|那一个|一个)?(?:码|号)?")
_WISH = re.compile(r"(?:喜欢|想要|偏好|爱)(?:穿)?(?:得|着)?(?P<word>[\u4e00-\u9fff]{2})(?:一点|点|些)?(?:的|一些)")


def said_wishes(phrase: str, way: int) -> set[str]:
    """A wish the shop names in a note and answers with its shift (喜欢合脚的选小一码: 合脚 is a wish to fit)."""
    return {"loose" if way > 0 else "fitted" for _ in _WISH.finditer(phrase)}


def wish_words(text: str) -> dict[str, str]:
    """The shop's words for a wish, read from its notes (喜欢合脚的选小一码 → 合脚: fitted)."""
    words: dict[str, str] = {}
    for sentence in _SENTENCES.split(clean(text)):
        for match in _SHIFT.finditer(sentence):
            way = 1 if match.group("way") in ("大", "上") else -1
            for wish in _WISH.finditer(re.split(r"[：:，,、）)]", sentence[:match.start()])[-1]):
                words.setdefault(wish.group("word"), "loose" if way > 0 else "fitted")
    return words


def _sentence_notes(sentence: str, half_sizes: bool) -> list[FitNote]:
    """The shifts, exemptions and keep-the-usual-size notes of one sentence, each with whom it is for."""
    notes: list[FitNote] = []
    for match in _SHIFT.finditer(sentence):
        if match.group("amount") == "半" and not half_sizes:
            continue  # half a size on a chart of whole sizes: quoted, not applied
        if _NOT_SHIFT.search(sentence[max(0, match.start() - 3):match.start() + 1]):
            continue  # 不要大两码, 不建议买大: what not to do
        shift = _amount(match.group("amount")) * (1 if match.group("way") in ("大", "上") else -1)
        before = sentence[:match.start()]
        before = re.split(r"[，,](?=[^，,]*(?:的话|如果|若))", before)[-1] if "的话" in before else before
        # 本款是oversize宽松版，建议拍小一码: the product's cut, not the buyer's wish.
        before = _PRODUCT_CUT.sub(" ", before)
        traits = traits_in(before) | said_wishes(before, shift)
        if traits and _SAME_AS_ALL.search(before[-6:]):
            continue  # 脚瘦的也一样拍小一码: the product's own shift, said for them too, not one more
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
    for part in re.split(r"[，,（）()]", sentence):
        exempt = _EXEMPT.search(part)
        traits = traits_in(part[:exempt.start()]) if exempt else set()
        if exempt and not traits and not _SHIFT.search(sentence[:sentence.find(part)]):
            traits = traits_in(sentence[:sentence.find(part)])  # 脚背高的…就行，按表选码: whom the sentence named
        if _AGAINST_LARGER.search(part):
            traits.add("loose")  # 学步鞋不建议买大: room to grow is not to be had by a larger size here
        if traits:
            notes.append(FitNote(text=sentence.strip(" ，,·-"), shift=0, condition=",".join(sorted(traits)),
                                 exempt=True, as_charted=bool(exempt and _AS_CHARTED.match(exempt.group(0)))))
    for part in re.split(r"[，,]", sentence):
        kept = _TRUE_TO_SIZE.search(part)
        traits = traits_in(part[:kept.start()]) if kept else set()
        if kept and not traits and _EXEMPT.search(sentence[:sentence.find(part)]):
            # 脚背高的亲不用拍小，按平时的码数拍: the buyers the first clause named keep their usual size.
            traits = traits_in(sentence[:sentence.find(part)])
        if kept and traits:
            # 脚宽的亲按平时码数拍: these buyers keep their usual size, whatever the product's own shift.
            notes.append(FitNote(text=sentence.strip(" ，,·-"), shift=0, condition=",".join(sorted(traits)),
                                 to_usual=True))
    return notes


# A sentence converting the buyer's sneaker size to this kind of shoe (平时穿运动鞋的，皮鞋一般拍小一码).
_SNEAKERS = re.compile(r"运动鞋|跑鞋|球鞋")
_OTHER_SHOES = re.compile(r"皮鞋|靴|单鞋|布鞋|休闲鞋|豆豆鞋|乐福鞋|高跟鞋|凉鞋|帆布鞋|板鞋")


def is_sneaker_conversion(sentence: str) -> bool:
    return bool(_SNEAKERS.search(sentence) and _OTHER_SHOES.search(sentence) and _SHIFT.search(sentence))


def sneaker_shift(text: str) -> int | None:
    """Sizes from the buyer's sneaker size to this product's (运动鞋码偏大，皮鞋拍小一码 → -1), if the shop says."""
    for sentence in _SENTENCES.split(clean(text)):
        shift = _SHIFT.search(sentence)
        if shift is not None and is_sneaker_conversion(sentence):
            return _amount(shift.group("amount")) * (1 if shift.group("way") in ("大", "上") else -1)
    return None


def without_sneaker_conversion(text: str) -> str:
    return "。".join(s for s in _SENTENCES.split(clean(text)) if not is_sneaker_conversion(s))


def usual_shift(text: str, half_sizes: bool = False) -> int | None:
    """How the shop's sizes relate to the buyer's usual size: 偏大一码 → -1, 偏小一码 → +1, 正码 → 0, unknown → None.

    Half a size (偏小半码): one row on a chart with half sizes. On a chart of whole sizes, a product half a size
    small is the next whole size up (the usual one would be tight); half a size large, with no instruction of the
    shop's, is unknown (the usual size or the one below both fit some feet): the chart's measure is asked for.
    """
    text = without_sneaker_conversion(text)  # how the buyer's sneaker size converts is not how this one runs
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
    general = [rule for rule, traits in _conflicts(text) if not traits]
    if general:
        return general[0]
    text = clean(text)
    for sentence in _SENTENCES.split(text):
        if re.search(r"不在同一|不是同一|不一致|不一样|对应不同|不同尺码|对不上", sentence) and _LARGER_OF.search(sentence):  # noqa: E501 (patterns read as one line)
            return TieRule.LARGER
    return None


def decisive_measure(text: str) -> Measure | None:
    """The measure the shop says sizes go by (以腰围为准), if one."""
    rule = conflict_rule(text)
    return next((measure for measure, by in BY_MEASURE.items() if by == rule), None)


def trait_conflicts(text: str) -> dict[str, TieRule]:
    """Decisive measures for some buyers only (肚子大的、啤酒肚的以腰围为准): trait → rule."""
    found: dict[str, TieRule] = {}
    for rule, traits in _conflicts(text):
        for trait in traits:
            found.setdefault(trait, rule)
    return found


def _conflicts(text: str) -> list[tuple[TieRule, set[str]]]:
    """Each 以…为准 of the text, with the buyer traits its clause is for (none: for everyone)."""
    text = clean(text)
    found = []
    for match in _CONFLICT.finditer(text):
        by = match.group("by") or match.group("by2") or match.group("by3") or match.group("by4")
        measure = measure_of_heading(by)
        rule = BY_MEASURE.get(measure, TieRule.LARGER) if measure is not None else TieRule.LARGER
        clause = re.split(r"[。；;\n，,]", text[:match.start()])[-1]
        found.append((rule, traits_in(clause)))
    return found


_REFERENCE = re.compile(rf"(?P<measure>{NOTE_MEASURES})(?:只|仅)?(?:作|做|供|能|是)(?:为)?参考|"
                        # 不看体重, 不按体重推荐尺码: a measure the shop does not size this product by.
                        rf"(?:不看|不按|不以|不参考)(?P<not>{NOTE_MEASURES})|"
                        # （参考体重30-40斤）: a figure given for reference beside the chart's measure.
                        rf"参考(?P<ref>{NOTE_MEASURES})\s*[:：]?\s*\d")


def reference_measures(text: str) -> list[Measure]:
    """Measures the shop calls a reference only (体重只作参考, 身高作参考, 仅供参考)."""
    found = [measure_of_heading(m.group("measure") or m.group("not") or m.group("ref"))
             for m in _REFERENCE.finditer(clean(text))]
    return list(dict.fromkeys(m for m in found if m is not None))


_ROOM = (r"\s*[+＋加]\s*(?P<a{n}>\d+(?:\.\d+)?)\s*(?:[-~～到]\s*(?P<b{n}>\d+(?:\.\d+)?))?"
         r"\s*(?P<unit{n}>cm|厘米|mm|毫米)?")
_BY = (r"\s*(?P<a{n}>\d+(?:\.\d+)?)\s*(?:[-~～到]\s*(?P<b{n}>\d+(?:\.\d+)?))?\s*(?P<unit{n}>cm|厘米|mm|毫米)?")
_ALLOWANCE = re.compile(rf"内长\s*[=＝≈]\s*(?:宝宝的?)?脚长{_ROOM.format(n=1)}|"
                        rf"脚长{_ROOM.format(n=2)}\s*[=＝≈]\s*(?:鞋)?内长|"
                        # 内长比脚长长0.5-1cm; 脚长加0.5-1cm，对照下面的内长选码: the same room said in words.
                        rf"内长(?:要|应该|应)?比(?:宝宝的?)?脚长(?:长|多|大)(?:出)?{_BY.format(n=3)}|"
                        rf"脚长{_ROOM.format(n=4)}[，,]?\s*(?:再)?(?:对照|对应|看|选|比对)[^。；;\n]{{0,8}}内长",
                        re.IGNORECASE)


def allowance(text: str) -> float | None:
    """mm a shoe's inner length is over the foot (内长=脚长+1cm左右 → 10; 脚长+0.5-1cm=内长 → 7.5)."""
    room = allowance_span(text)
    return (room.low + room.high) / 2 if room is not None else None


def allowance_span(text: str) -> Span | None:
    """The room a shoe's inner length has over the foot, in mm, as the shop gives it (0.5-1cm → 5-10)."""
    match = _ALLOWANCE.search(clean(text))
    if match is None:
        return None
    low = float(next(g for n in "1234" if (g := match.group(f"a{n}"))))
    high = float(next((g for n in "1234" if (g := match.group(f"b{n}"))), low))
    unit = next((g for n in "1234" if (g := match.group(f"unit{n}"))), "").lower()
    scale = 1 if unit in ("mm", "毫米") or (low + high) / 2 >= 4 else 10
    return Span(low=low * scale, high=high * scale)


_USUAL_ITEM = r"(?:\d{2,3}[A-G]|\d{2}(?:\.5)?|[2-9]?X{0,4}[SML])"
_USUAL_MAP = re.compile(rf"(?<![\dA-Za-z])(?P<usual>{_USUAL_ITEM}(?:\s*[/、]\s*{_USUAL_ITEM})*)"
                        r"\s*(?:穿|选|拍|对应|=|→)\s*"
                        r"(?P<size>[2-9]?X{0,4}[SML]|\d{2,3}(?:\.5)?)(?![\dA-Za-z.])(?!\s*(?:斤|kg|cm|mm|岁))",
                        re.IGNORECASE)


def usual_sizes(text: str) -> dict[str, str]:
    """The shop's table from usual sizes to this product's (70A/70B/75A穿S, 平时穿L的拍M): usual → size."""
    found: dict[str, str] = {}
    for match in _USUAL_MAP.finditer(clean(text)):
        for usual in re.split(r"\s*[/、]\s*", match.group("usual")):
            found.setdefault(usual.upper(), match.group("size").upper())
    return found


# 脚宽、穿厚袜的也是拍大1码就够了: these buyers' one size more is the product's own, not another on top.
_SINGLE = re.compile(r"也(?:是|只)?(?:拍|选)?大(?:一|1)码就(?:够|行|可以)|"
                     # 拍大一码就够了，不用再额外加码: one size more in all, not one on top of the product's own.
                     r"大(?:一|1)码就(?:够|行|可以)(?:了)?\s*[,，]?\s*(?:不用|无需|不必|不需要)(?:再)?(?:额外)?(?:加|拍大)")


# The chart's sizes already carry how the product runs (表里的脚长已经按偏大半码算好，按脚长对照直接拍，不用再减码).
_SHIFT_IN_CHART = re.compile(r"已(?:经)?(?:按|根据|把)[^。；;\n]{0,16}?(?:算好|算进去|调整好|调好|换算好)|"
                             r"(?:不用|不需要|无需|不必)再(?:加|减|拍大|拍小)(?:码|一码|半码|一个码)")


def shift_in_chart(text: str) -> bool:
    """The shop says its chart's sizes are what to order: its shift for everyone is for the usual size alone."""
    return bool(_SHIFT_IN_CHART.search(clean(text)))


# The smallest size is the least there is (26码是最小码; 没有更小的码了): a size down past it stays at it.
_SMALLEST = re.compile(r"(?:是|为)(?:本款)?最小(?:的)?(?:码|号|尺码)|没有(?:再|更)?小(?:的)?(?:码|号|尺码)了?|"
                       # 本款最小29码; 最小码是S: the least size named.
                       r"最小(?:的)?(?:码|号|尺码)?(?:是|为|只有|到)?\s*(?:\d{2,3}|[2-9]?X{0,3}S|M)\s*(?:码|号)?|"
                       # 脚瘦也拍34（没有33码）: the size below the least is not made.
                       r"[（(]\s*没有\s*\d{2}\s*(?:码|号)", re.IGNORECASE)


def smallest_stays(text: str) -> bool:
    """The shop says its smallest size is the least it makes, so a size down from it is that size."""
    return bool(_SMALLEST.search(clean(text)))


def single_shift(text: str) -> bool:
    """The trait notes add nothing to the product's own shift (脚宽、穿厚袜的也是拍大1码就够了)."""
    return bool(_SINGLE.search(clean(text)))


def fallback_measure(text: str) -> Measure | None:
    """The measure the shop says to go by when the decisive one is not known (不知道腰围的亲可以按体重参考)."""
    match = _FALLBACK.search(clean(text))
    return measure_of_heading(match.group("by") or match.group("second")) if match else None


def _boundary(text: str) -> re.Match[str] | None:
    """The shop's rule for a measure between two sizes; one that depends on the buyer's wish (两个码中间的：想穿着
    跟脚选小的) is a preference, not a rule."""
    return next((m for m in _BOUNDARY.finditer(text) if not traits_in(m.group(0))), None)


def boundary_rule(text: str) -> TieRule | None:
    match = _boundary(clean(text))
    if match is None:
        return None
    return TieRule.LARGER if match.group("way") in ("大", None) else TieRule.SMALLER


def boundary_measure(text: str) -> Measure | None:
    """The measure a boundary rule names just before it (领围卡两个码中间选大一码): it applies to that one alone.
    Rules the same way for several measures (腰围在两个码之间的选大一码 … 体重正好在分界处选大一码) serve them all."""
    text = clean(text)
    first = _boundary(text)
    if first is None:
        return None
    named: set[Measure | None] = set()
    for match in _BOUNDARY.finditer(text):
        if traits_in(match.group(0)) or match.group("way") != first.group("way"):
            continue
        before = re.split(r"[。；;\n，,：:]", text[:match.start()])[-1]
        named |= {measure_of_heading(word) for word in re.findall(NOTE_MEASURES, before)} or {None}
    return named.pop() if len(named) == 1 else None  # 身高或体重正好在两个码交界: both measures


def limits(text: str) -> dict[Measure, Span]:
    """Ranges the shop says the chart is for (适合身高155~170cm): outside them the agent hands over."""
    found: dict[Measure, Span] = {}
    cleaned = clean(text)
    pairs: list[tuple[str, str]] = []
    for match in _LIMIT.finditer(cleaned):
        clause = re.split(r"[。；;\n，,！!]", cleaned[:match.start()])[-1]
        if _ONE_SIZE.search(clause):
            continue  # 35码适合脚长220-225mm: one row of the chart said again, not the chart's range
        if _LENGTH_VERSION.search(clause):
            continue  # 九分款适合身高150-162cm: which length to take, not whom the sizes are for
        pairs.append((match.group("measure"), match.group("range")))
        end = match.end()
        # 适合身高155-172cm、体重85-135斤: the measures listed after the first are limits too.
        while more := _MORE_LIMIT.match(cleaned, end):
            pairs.append((more.group("measure"), more.group("range")))
            end = more.end()
    spans = [(measure, span) for name, found_range in pairs if (measure := measure_of_heading(name)) is not None
             and (span := parse_span(measure, found_range, None)) is not None and span.high > span.low]
    # 适合脚长241-245mm on every row is the chart itself, not a limit of it (the same range said twice is one).
    counts = Counter(measure for measure, _ in {(m, (s.low, s.high)) for m, s in spans})
    for measure, span in spans:
        if counts[measure] == 1:
            found.setdefault(measure, span)
    for sentence in _SENTENCES.split(clean(text)):
        if not _TO_PERSON.search(sentence):
            continue
        said = None  # 脚长小于220mm或者大于275mm: the measure said once serves the bound after it
        for part in re.split(r"或者|或|、|，|,|及|和", sentence):
            condition = threshold_condition(part)
            if condition is None and said is not None and re.match(r"\s*(?:超过|大于|小于|低于|不到|在|\d)", part):
                condition = threshold_condition(said + part)
            if condition is None:
                continue
            said = next(iter(re.findall(NOTE_MEASURES, part)), said)
            measure_name, side, value = re.fullmatch(r"(\w+)(>=|<=)([\d.]+)", condition).groups()  # type: ignore[union-attr]
            measure = Measure(measure_name)
            bound = float(value)
            span = found.get(measure, Span(low=0.0, high=1e9))
            # 175以上找客服: the chart is for heights up to 175 (a buyer at exactly 175 is still the chart's).
            found[measure] = (Span(low=span.low, high=min(span.high, bound)) if side == ">="
                              else Span(low=max(span.low, bound), high=span.high))
    return found


def unique(notes: list[FitNote]) -> list[FitNote]:
    seen: set[tuple[int, str | None, bool, bool, bool, bool]] = set()
    kept = []
    for note in notes:
        key = (note.shift, note.condition, note.to_usual, note.exempt, note.between, note.as_charted)
        if key not in seen:
            seen.add(key)
            kept.append(note)
    return kept


# A length a product comes in (九分款, 长版, 加长款), and the heights the shop gives it, said either way round.
_VERSION = r"(?:[七八九7-9]分|长|短|加长|常规|标准)(?:款|版)|[七八九7-9]分"
_HEIGHTS = r"\d{3}(?:\.\d)?\s*(?:cm|厘米)?\s*(?:-|~|～|—|–|到|至)\s*\d{3}(?:\.\d)?\s*(?:cm|厘米)?"
_LENGTH_FOR = re.compile(rf"(?P<version>{_VERSION})[^。；;\n，,]{{0,14}}?适合(?:身高)?\s*(?P<range>{_HEIGHTS})|"
                         rf"身高\s*(?P<range2>{_HEIGHTS})\s*(?:的)?\s*(?:建议|推荐)?(?:拍|选|穿)(?P<version2>{_VERSION})",
                         re.IGNORECASE)


def length_versions(text: str) -> dict[str, Span]:
    """The product's lengths and the heights each is for (九分款适合身高150-162cm，长款适合163-172cm)."""
    found: dict[str, Span] = {}
    for match in _LENGTH_FOR.finditer(clean(text)):
        version = match.group("version") or match.group("version2")
        span = parse_span(Measure.HEIGHT, match.group("range") or match.group("range2"), None)
        if span is not None and span.high > span.low:
            found.setdefault(re.sub(r"^9分", "九分", version).replace("7分", "七分").replace("8分", "八分"), span)
    return found if len(found) >= 2 else {}
