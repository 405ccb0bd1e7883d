"""Find and mask personal data (PII) in Chinese e-commerce chat text.

Used when learning from chat logs and before anything is logged, so it is
dependency-free, compiled once and linear in the text length. Masking replaces
each finding with a typed placeholder (``[手机号]``, ``[地址]`` ...) so the
text stays readable while no personal value survives.

What counts as PII here: mainland mobile numbers (also written with spaces or
dashes, with +86), landlines and 400/800 numbers, ID card numbers, order
numbers (PDD style ``251121-604218735`` and long digit runs), tracking numbers,
postal addresses down to street / building level, personal names introduced by
收件人/姓名/我叫/联系人 (or written next to a phone number or address, or as
surname + honorific such as 刘姐), and e-mail addresses. City or province names
on their own (``广东广州发货``) are not PII.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Placeholders (user-facing text, so Chinese).
MOBILE = "[手机号]"
PHONE = "[电话]"
ID_CARD = "[身份证号]"
ORDER_NO = "[订单号]"
TRACKING_NO = "[快递单号]"
ADDRESS = "[地址]"
NAME = "[姓名]"
EMAIL = "[邮箱]"

PLACEHOLDERS = (MOBILE, PHONE, ID_CARD, ORDER_NO, TRACKING_NO, ADDRESS, NAME, EMAIL)

_CJK = r"\u4e00-\u9fff"
_DIGIT_SEP = r"[\s\-]?"

# The 120 most frequent surnames cover ~90% of the population; used only for
# "surname + honorific" (刘姐, 王先生), never for bare surnames.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
    "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
    "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_HONORIFICS = "先生|女士|小姐|姐姐|哥哥|阿姨|叔叔|大哥|大姐|姐|哥|总|老师|师傅"
# A street-level keyword that makes a place name an address when digits follow.
_STREET = r"(?:大道|大街|街道|胡同|路|街|道|巷|弄|里|村|小区|花园|公寓|大厦|广场|苑|园|庄|屯|组)"
_UNIT = r"(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|弄|附|户|组|排)"
_ADMIN = r"(?:特别行政区|自治区|自治州|省|市|区|县|旗|镇|乡|街道)"


@dataclass(frozen=True)
class _Pattern:
    kind: str
    placeholder: str
    regex: re.Pattern[str]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Order matters: more specific patterns first; spans already masked are skipped.
_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern("email", EMAIL, _compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    # PDD order numbers: yymmdd-<9..12 digits>; other platforms use long digit runs (below).
    _Pattern("order_no", ORDER_NO, _compile(r"(?<![\dA-Za-z])\d{6}-\d{8,15}(?!\d)")),
    _Pattern(
        "id_card",
        ID_CARD,
        _compile(
            r"(?<![\dA-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
        ),
    ),
    _Pattern(
        "mobile",
        MOBILE,
        _compile(
            rf"(?<![\dA-Za-z])(?:(?:\+|00)?86{_DIGIT_SEP})?1[3-9]\d{_DIGIT_SEP}\d{{4}}{_DIGIT_SEP}\d{{4}}(?!\d)"
        ),
    ),
    _Pattern(
        "phone",
        PHONE,
        _compile(
            r"(?<![\dA-Za-z])(?:[48]00[\s\-]?\d{3}[\s\-]?\d{4}|\(?0\d{2,3}\)?[\s\-]?\d{7,8}(?:[\s\-]?转\d{1,5})?)(?!\d)"
        ),
    ),
    # Carrier-prefixed tracking numbers (SF1234567890123, JT0001234567890, YT..., EMS ...).
    _Pattern(
        "tracking_no",
        TRACKING_NO,
        _compile(
            r"(?<![A-Za-z0-9])(?:SF|JT|YT|ZTO|STO|JD|JDV|EMS|YD|DPK|KYE|EA|EB|EE|LP)\d{9,16}(?:[A-Z]{2})?(?!\d)"
        ),
    ),
    # Any other run of 10+ digits is an order or tracking number (never a price or a duration).
    _Pattern("order_no", ORDER_NO, _compile(r"(?<![\d.])\d{10,24}(?![\d.])")),
    # Address: optional admin chain, a street-level keyword, then a house / building number.
    _Pattern(
        "address",
        ADDRESS,
        _compile(
            rf"(?:[{_CJK}]{{1,10}}?{_ADMIN}){{0,6}}"
            rf"[{_CJK}\dA-Za-z]{{1,12}}?{_STREET}"
            rf"(?:[{_CJK}]{{0,8}}?)"
            rf"(?:[\d一二三四五六七八九十百零〇]+[\-－]?{_UNIT}?){{1,8}}"
            rf"(?:[\d一二三四五六七八九十]+{_UNIT}|[{_CJK}]{{0,6}}?(?:小区|花园|公寓|大厦))*"
            rf"(?:附?[\d\-]+{_UNIT}?)*"
        ),
    ),
    # Admin chain with a district / county level and a residential complex, even without a number.
    _Pattern(
        "address",
        ADDRESS,
        _compile(
            rf"(?:[{_CJK}]{{2,8}}?(?:省|市|自治区)){{1,3}}[{_CJK}]{{1,8}}?(?:区|县|镇)[{_CJK}\d]{{2,16}}?(?:小区|花园|公寓|大厦|村)"
        ),
    ),
    # Labelled address: "地址：..." up to the end of the clause.
    _Pattern("address", ADDRESS, _compile(rf"地址[:：是为\s]*(?P<v>[{_CJK}\dA-Za-z\-#]{{4,40}})")),
    # Names introduced by a label (联系人工客服 is "contact a human agent", not a label and a name).
    _Pattern(
        "name",
        NAME,
        _compile(rf"(?:收件人|收货人|联系人(?!工)|姓名|我叫|名字叫|名字)[:：\s是为]*(?P<v>[{_CJK}·]{{2,4}})"),
    ),
    _Pattern("name", NAME, _compile(rf"(?:我姓|免贵姓|(?<![{_CJK}\[])姓)(?P<v>[{_CJK}])(?![{_CJK}])")),  # not [姓名]
    _Pattern("name", NAME, _compile(rf"[{_SURNAMES}](?:{_HONORIFICS})(?![妹们弟夫嫂])")),
)

_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
# A 2-3 character name written right next to a phone number or an address (收件信息: 地址 姓名 电话).
_NAME_NEAR = re.compile(
    rf"(?<![{_CJK}])([{_SURNAMES}][{_CJK}]{{1,2}})(?=\s*(?:\[手机号\]|\[电话\]))"
    rf"|(?<=\[地址\])\s*([{_SURNAMES}][{_CJK}]{{1,2}})(?![{_CJK}])"
    rf"|(?<=\[手机号\])\s*([{_SURNAMES}][{_CJK}]{{1,2}})(?![{_CJK}])"
)
# Words that look like "surname + 1-2 chars" but are common chat words next to phone numbers.
_NOT_NAMES = frozenset(
    {"电话", "手机", "号码", "联系", "电话是", "手机号", "打电话", "留电话", "收", "方便", "明天", "今天"}
)
_PREFIX_NOT_NAME = ("电话", "手机", "号码", "联系", "方式", "打", "收")


def _spans(text: str) -> list[tuple[int, int, _Pattern]]:
    taken: list[tuple[int, int, _Pattern]] = []
    for pattern in _PATTERNS:
        for match in pattern.regex.finditer(text):
            group = "v" if "v" in pattern.regex.groupindex else 0
            start, end = match.span(group)
            value = match.group(group)
            stripped = value.strip(" :：是为")
            if pattern.kind == "address":
                stripped = _ADDRESS_LEAD.sub("", stripped)
            if not stripped or (len(stripped) < 2 and pattern.kind != "name"):
                continue
            start += value.index(stripped[0])
            end = start + len(stripped)
            if pattern.kind == "address" and not _is_address(stripped):
                continue
            if any(start < t_end and end > t_start for t_start, t_end, _ in taken):
                continue
            taken.append((start, end, pattern))
    return sorted(taken, key=lambda span: span[0])


_ADDRESS_LEAD = re.compile(r"^(?:(?:收货|收件|寄件|退货)?地址[:：是为\s]*|住在|寄到|寄往|送到)")


def _is_address(value: str) -> bool:
    # A street keyword alone ("马路", "一路顺风") is not an address: demand a number or two admin levels.
    has_number = bool(re.search(r"[\d一二三四五六七八九十]" + _UNIT, value)) or bool(re.search(r"\d", value))
    admin_levels = len(re.findall(_ADMIN, value))
    return len(value) >= 5 and (has_number or admin_levels >= 2)


def _mask_names_near(text: str) -> tuple[str, list[str]]:
    names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name in _NOT_NAMES or name.startswith(_PREFIX_NOT_NAME):
            return match.group(0)
        names.append(name)
        return match.group(0).replace(name, NAME)

    return _NAME_NEAR.sub(replace, text), names


def _mask(text: str) -> tuple[str, list[str]]:
    if not text:
        return text, []
    spans = _spans(text)
    if not spans:
        return _mask_names_near(text) if NAME in text or MOBILE in text or ADDRESS in text else (text, [])
    pieces: list[str] = []
    found: list[str] = []
    cursor = 0
    for start, end, pattern in spans:
        pieces.append(text[cursor:start])
        pieces.append(pattern.placeholder)
        found.append(text[start:end])
        cursor = end
    pieces.append(text[cursor:])
    masked, names = _mask_names_near("".join(pieces))
    return masked, found + names


def mask_pii(text: str) -> str:
    """The text with every PII value replaced by a typed placeholder."""
    return _mask(text)[0]


def find_pii(text: str) -> list[str]:
    """The PII values found in the text (names found next to a phone or address come last)."""
    return _mask(text)[1]


def has_pii(text: str) -> bool:
    return bool(find_pii(text))


def contains_placeholder(text: str) -> bool:
    """True when the text was masked (or already carries a placeholder)."""
    return bool(_PLACEHOLDER_RE.search(text))
