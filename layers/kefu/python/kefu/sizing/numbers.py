"""Chinese numerals to Arabic digits, only as far as measures need (一米六, 九十八斤, 二十三点五, 两岁半)."""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
_RUN = re.compile(r"[零〇一幺二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?")
# 一 in ordinary words is not a number; these runs are left as they are.
_WORDS = ("两者", "二者", "一下", "一般", "一样", "一点", "一些", "一直", "一起", "一定", "一共", "一致", "万一",
          "统一", "同一", "唯一", "第一", "不一")


def _integer(run: str) -> int:
    """一百二十 → 120, 九十八 → 98, 十 → 10; a run without 十/百/千 (六五) reads digit by digit → 65."""
    if not any(char in UNITS for char in run):
        return int("".join(str(DIGITS[char]) for char in run))
    total, current = 0, 0
    for char in run:
        if char in DIGITS:
            current = DIGITS[char]
        else:
            total += (current or 1) * UNITS[char]
            current = 0
    # 一百二 means 120, 一千五 1500: a trailing digit after a unit is the next place down.
    if current and run[-2:-1] in ("百", "千"):
        current *= UNITS[run[-2]] // 10
    return total + current


def _number(run: str) -> str:
    whole, _, fraction = run.partition("点")
    value = str(_integer(whole)) if whole else "0"
    if fraction:
        value += "." + "".join(str(DIGITS[char]) for char in fraction)
    return value


def arabic(text: str) -> str:
    """The text with Chinese numeral runs as digits; 半 after a number becomes .5 (两岁半 → 2.5岁)."""
    protected = re.sub(r"米零", "米0", text)  # 一米零五 is 1.05 m, not 1.5 m
    # 白/佰 typed for 百 inside a numeral (一白三十斤): a homophone, read as the numeral it sounds.
    protected = re.sub(r"(?<=[一二两三四五六七八九])[白佰](?=[零一二两三四五六七八九十来多斤])", "百", protected)
    for index, word in enumerate(_WORDS):
        protected = protected.replace(word, f"\x00{index}\x01")

    def convert(match: re.Match[str]) -> str:
        run = match.group(0)
        if run in ("千", "百"):
            return run
        try:
            return _number(run)
        except (KeyError, ValueError):
            return run

    converted = _RUN.sub(convert, protected)
    converted = re.sub(r"\x00(\d+)\x01", lambda m: _WORDS[int(m.group(1))], converted)
    # 2尺4半 is 2尺4寸半, 2.45 尺; 2尺半 is 2.5 尺.
    converted = re.sub(r"(?<![\d.])(\d)尺(\d)半", r"\1尺\g<2>5", converted)
    converted = re.sub(r"(\d+)(岁|个月|码|尺|公分|厘米|cm)半", lambda m: f"{m.group(1)}.5{m.group(2)}", converted)
    # 15公分8 is 15.8 cm, as 1米6 is 1.6 m (a single digit after the unit, not a number of its own: 8岁, 8斤).
    converted = re.sub(r"(?<![\d.])(\d{1,2})(公分|厘米)(\d)(?![\d.]|\s*(?:斤|kg|公斤|岁|码|个|月|号|mm|cm))",
                       lambda m: f"{m.group(1)}.{m.group(3)}{m.group(2)}", converted)
    return re.sub(r"(\d+)半(岁|码)", lambda m: f"{m.group(1)}.5{m.group(2)}", converted)


# 市尺 (1尺 = 10寸 = 33.3 cm), how waists are said and written: 2尺4 = 2.4尺 = 80 cm, 3尺 = 100 cm, 2尺4寸.
_CHI = re.compile(r"(?<![\d.])(?P<chi>\d(?:\.\d)?)\s*尺(?:\s*(?P<cun>\d)(?![\d.])(?:\s*寸)?)?(?!码|寸|子)")


def chi_to_cm(text: str) -> str:
    """Lengths in 尺 as centimetres (2尺4 → 80cm, 2尺8-2尺9 → 93.3cm-96.7cm); 尺码 and 尺寸 are left alone."""

    def convert(match: re.Match[str]) -> str:
        chi = float(match.group("chi")) + (float(match.group("cun")) / 10 if match.group("cun") else 0)
        return f"{round(chi * 100 / 3, 1):g}cm"

    return _CHI.sub(convert, text)


_CHI_VALUE = re.compile(r"(?<![\d.])\d(?:\.\d)?\s*尺(?!码|寸|子)")


def chi_as_waist(text: str) -> str:
    """A length in 尺 said without its measure word is a waist, the one measure 市尺 is used for (26码=1尺9 reads
    as 26码=腰围1尺9); after a word (臀围2尺9, 腰围：2尺1) or a range's dash it is left as said. Digits first."""

    def word(match: re.Match[str]) -> str:
        before = text[:match.start()].rstrip(" :：=为是")
        last = before[-1:] or " "
        said = last in "-~～—–到至" or ("\u4e00" <= last <= "\u9fff" and last not in "码号")
        return match.group(0) if said else "腰围" + match.group(0)

    return _CHI_VALUE.sub(word, text)
