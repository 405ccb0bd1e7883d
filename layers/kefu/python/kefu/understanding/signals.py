"""Signal detectors over normalised text: ask-for-human, emotion, after-sale, small talk.

Patterns live in data/signals.json; this module only compiles and combines them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kefu.understanding.features import char_pinyin
from kefu.understanding.lexicon import load_data

# A clause of a buyer's message, with its question mark if it has one.
CLAUSE = re.compile(r"[^,，。.!！?？~～;；\s]+[?？]?")
_NEGATED_THREAT = re.compile(r"(不会|不|没|别|不想|不打算)(给|打|去)?(差评|投诉|举报)")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    data = load_data("signals.json")
    return {
        name: re.compile("|".join(f"(?:{p})" for p in patterns))
        for name, patterns in data.items()
        if not name.startswith("_")
    }


def matches(signal: str, text: str) -> bool:
    return bool(_patterns()[signal].search(text))


def finditer(signal: str, text: str) -> list[re.Match[str]]:
    return list(_patterns()[signal].finditer(text))


@dataclass(frozen=True)
class Emotion:
    score: float  # 0 calm … 1 furious
    insult: bool
    threat: bool
    sensitive: bool  # bereavement, illness: never a cheerful canned answer


def emotion(text: str, exclamations: int = 0) -> Emotion:
    insult = matches("insult", text)
    threat = matches("threat", text) and not _NEGATED_THREAT.search(text)
    anger_hits = len(_patterns()["anger"].findall(text))
    score = 0.0
    if insult:
        score = max(score, 0.9)
    if threat:
        score = max(score, 0.85)
    score = max(score, min(0.8, 0.35 * anger_hits))
    if matches("anxiety", text):
        score = max(score, 0.3)
    if exclamations >= 2:
        score = min(1.0, score + 0.15)
    return Emotion(score=round(score, 2), insult=insult, threat=threat, sensitive=matches("sensitive", text))


def sounds(text: str) -> str:
    """The text as toneless pinyin, one syllable per character: 转人宫 → 'zhuan ren gong'."""
    return " ".join(char_pinyin(char) for char in text)


def asks_for_human(text: str, shop_keywords: list[str]) -> bool:
    return (matches("ask_human", text) or matches("ask_human_sounds", sounds(text))
            or any(keyword and keyword in text for keyword in shop_keywords))


def after_sale_needs_human(text: str) -> bool:
    """A real after-sale event (not a pre-sale 'what if'): return address, refund, damage, missing items, a reaction.

    A 'what if' (要是, 万一, 会不会) discounts an event in its own clause or the next one only: 申请退款了 是不是
    能快点 still reports a refund, 要是 漏液了 怎么办 does not."""
    hypothetical = matches("hypothetical", text) and not matches("after_use", text)
    if matches("after_sale_need", text):
        if not hypothetical:
            return True
        clauses = CLAUSE.findall(text)
        for index, clause in enumerate(clauses):
            window = " ".join(clauses[max(0, index - 1): index + 1])
            if matches("after_sale_need", clause) and not matches("hypothetical", window):
                return True
    if hypothetical:
        return False
    return matches("reaction", text) and matches("after_use", text) and not matches("test_context", text)
