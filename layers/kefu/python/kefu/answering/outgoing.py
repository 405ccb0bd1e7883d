"""The last check on every reply before it is stored and sent: no words the platform forbids in chat.

Platforms punish shops whose chat leads buyers off the platform (other apps, private payment or
contact: 微信, 加V, QQ, 支付宝转账, 私下交易 ...). Whatever composed the reply (the offline composer
quoting the knowledge, an LLM, a mined answer), a clause carrying such a word is removed with the rest of its
sentence unless the sentence's other clauses stand on their own; when nothing useful is left, the whole reply
becomes a safe fallback. Every filtered reply is counted.

The list is data: ``kefu/data/forbidden_words.json`` (every platform's), the platform's own (its wording,
``kefu/platform/<name>/``) plus the shop's own
``forbidden_words`` (shop.json). Matching ignores case, full-width forms and zero-width characters,
and spaces inside Chinese words (``微 信``, ``ＱＱ``, ``微\u200b信`` all match); a Latin word
matches only as a whole word, so ``vx`` does not hit inside an unrelated Latin word.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from kefu.platform import registry
from kefu.platform.registry import DEFAULT_PLATFORM

FALLBACK_REPLY = "亲，有任何问题直接在这里留言就可以哦，我们会在平台内为您处理~"
# Sentence ends: the reply is filtered sentence by sentence.
_SENTENCE = re.compile(r"[^。！？!?；;\n~～]*[。！？!?；;\n~～]*")
# Invisible or spacing characters a word can be split with.
_INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
_LEADING_ADDRESS = re.compile(r"^(亲亲|亲爱的|亲)[，,~～ ]*$")
_CLAUSE = re.compile(r"[，,]")
MIN_KEPT_CLAUSE_CHARS = 6


@lru_cache(maxsize=8)
def default_words(platform: str = DEFAULT_PLATFORM) -> tuple[str, ...]:
    """Every platform's words (kefu/data/forbidden_words.json) and the platform's own (its wording)."""
    text = resources.files("kefu.data").joinpath("forbidden_words.json").read_text(encoding="utf-8")
    return tuple(json.loads(text)["words"]) + registry.wording(platform).forbidden_words


def _fold(text: str, keep_spaces: bool = False) -> str:
    """The form words are matched in: NFKC (full-width → ASCII), lower case, no invisibles (nor spaces)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if keep_spaces:  # Latin words: spaces separate words, only the invisible characters go
        return _INVISIBLE.sub(lambda m: " " if any(c.isspace() for c in m.group()) else "", text)
    return _INVISIBLE.sub("", text)


class _Matcher:
    """Two patterns: Latin words as whole words over spaced text, everything else over squeezed text."""

    def __init__(self, words: Iterable[str]) -> None:
        latin: set[str] = set()
        other: set[str] = set()
        for word in words:
            folded = _fold(word)
            if folded:
                (latin if folded.isascii() and folded.isalnum() else other).add(folded)
        self._latin = self._compile(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" for w in self._longest_first(latin))
        self._other = self._compile(re.escape(w) for w in self._longest_first(other))

    @staticmethod
    def _longest_first(words: set[str]) -> list[str]:
        return sorted(words, key=lambda w: (-len(w), w))

    @staticmethod
    def _compile(parts: Iterable[str]) -> re.Pattern[str] | None:
        joined = "|".join(parts)
        return re.compile(joined) if joined else None

    def findall(self, text: str) -> list[str]:
        found: list[str] = []
        if self._other is not None:
            found += self._other.findall(_fold(text))
        if self._latin is not None:
            found += self._latin.findall(_fold(text, keep_spaces=True))
        return found


@dataclass
class FilterResult:
    text: str
    hits: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.hits)


class OutgoingFilter:
    """``check(reply, extra_words)`` → the reply with every offending sentence removed (or the fallback)."""

    def __init__(self, words: Iterable[str] | None = None, fallback: str = FALLBACK_REPLY) -> None:
        self._words = tuple(default_words() if words is None else words)
        self._fallback = fallback
        self._matchers: dict[tuple[str, ...], _Matcher] = {}
        self._lock = threading.Lock()
        self.filtered = 0  # replies changed since start (the responder may publish it as a metric)

    def _matcher(self, extra: tuple[str, ...]) -> _Matcher:
        with self._lock:
            if extra not in self._matchers:
                self._matchers[extra] = _Matcher(self._words + extra)
            return self._matchers[extra]

    def hits(self, text: str, extra_words: Iterable[str] = ()) -> list[str]:
        """The forbidden words in ``text`` (in their folded form)."""
        return self._matcher(tuple(extra_words)).findall(text)

    def check(self, reply: str, extra_words: Iterable[str] = ()) -> FilterResult:
        matcher = self._matcher(tuple(extra_words))
        if not matcher.findall(reply):
            return FilterResult(reply)
        kept: list[str] = []
        hits: list[str] = []
        for sentence in _SENTENCE.findall(reply):
            found = matcher.findall(sentence)
            if found:
                hits += found
                # Replies are one or two sentences: keep the clauses of this one that say nothing forbidden
                # (付款后48小时内发货，急的话加微信… → 付款后48小时内发货。), unless a clause is all that is left of it.
                clauses = [c for c in _CLAUSE.split(sentence.rstrip("。！？!?；;\n~～")) if c.strip()]
                clean = [c for c in clauses if not matcher.findall(c)]
                if clean and len(clean) < len(clauses) and len("".join(clean)) >= MIN_KEPT_CLAUSE_CHARS:
                    kept.append("，".join(clean) + "。")
            elif sentence.strip():
                kept.append(sentence.lstrip(" \t") if kept else sentence)
        text = "".join(kept).strip()
        # Nothing left but a greeting word or punctuation: say something safe instead.
        if not re.search(r"[\w\u4e00-\u9fff]", text) or _LEADING_ADDRESS.match(text):
            text = self._fallback
        with self._lock:
            self.filtered += 1
        return FilterResult(text, hits)

    def __call__(self, reply: str, extra_words: Iterable[str] = ()) -> str:
        return self.check(reply, extra_words).text
