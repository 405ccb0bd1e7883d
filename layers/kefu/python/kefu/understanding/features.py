"""Matching features of a normalised text: words, characters, pinyin and concepts.

Pinyin bigrams make homophone typos (发或/发货, 过民/过敏, 湿诊/湿疹) meet their
intended words without a list of typos; character bigrams catch near-form
typos; concept features let a buyer's wording (多长时间, 留着下次用) meet the
shop's wording (停留, 储存) through data-driven synonym groups.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

from kefu.understanding.lexicon import load_data

_CONTENT_CHAR = re.compile(r"[\u4e00-\u9fff]")
_ALNUM = re.compile(r"[a-z0-9.]+(?:-[0-9.]+)?")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Answer types: a question about 多久 meets an answer that states a duration, 多少钱 one that states a price.
_ANSWER_TYPES = (
    ("duration", re.compile(r"[0-9一二两三四五六七八九十半]+\s*(?:[-~到至]\s*[0-9一二两三四五六七八九十]+\s*)?"
                            r"(?:个?(?:小时|钟头|星期|礼拜|工作日)|分钟|天|周|个月)"
                            r"|(?<![0-9])[0-9一二两三四五六七八九十半]{1,2}\s*(?:[-~到至]\s*[0-9]{1,2}\s*)?年")),
    ("price", re.compile(r"[0-9]+(?:\.[0-9]+)?\s*元|¥\s*[0-9]")),
)

# Feature families and their weight in similarity; words and concepts carry meaning, single
# characters and pinyin are the typo safety net.
FAMILY_WEIGHTS = {"w": 1.0, "b": 0.6, "p": 0.4, "k": 3.0, "a": 1.0, "n": 1.2, "c": 0.15}
# Concepts that say what kind of answer is wanted (多久 → a duration, 多少钱 → a price) rather than what
# it is about: shared with the answer-type patterns below, and weaker than topic concepts.
ANSWER_TYPE_CONCEPTS = frozenset({"duration", "price"})
# Concepts that carry no need at all (a greeting inside a question): never a matching feature.
NON_MATCHING_CONCEPTS = frozenset({"greeting"})


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from importlib import resources

    text = resources.files("kefu.data").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=8192)
def char_pinyin(char: str) -> str:
    if not _CONTENT_CHAR.match(char):
        return char
    readings = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return readings[0] if readings else char  # a rare character pypinyin has no reading for


@dataclass(frozen=True)
class ConceptTable:
    """Concept groups, as a surface form → concept id map matched by longest form first."""

    forms: tuple[tuple[str, str], ...]
    scope: frozenset[str] = frozenset()  # service concepts whose absence from a shop's texts means "not offered"

    @classmethod
    def load(cls, extra: dict[str, list[str]] | None = None) -> ConceptTable:
        groups: dict[str, list[str]] = {
            k: v for k, v in load_data("concepts.json")["groups"].items() if not k.startswith("_")
        }
        for name, forms in (extra or {}).items():
            groups.setdefault(name, []).extend(forms)
        pairs = [(form, name) for name, forms in groups.items() for form in forms]
        pairs.sort(key=lambda pair: -len(pair[0]))
        scope = frozenset(load_data("concepts.json").get("scope_concepts", {}).get("names", []))
        return cls(tuple(pairs), scope)

    def find(self, text: str) -> set[str]:
        # What kind of answer is wanted is read in a pass of its own: 多久 inside 多久能到 asks for a duration
        # as well as for the arrival that claims those characters.
        return self._claim(text, answer_types=False) | self._claim(text, answer_types=True)

    @cached_property
    def _by_first_char(self) -> dict[tuple[bool, str], list[int]]:
        """(answer-type pass, first character) -> positions in ``forms``: only forms that can occur are tried."""
        index: dict[tuple[bool, str], list[int]] = {}
        for position, (form, name) in enumerate(self.forms):
            if form:
                index.setdefault((name in ANSWER_TYPE_CONCEPTS, form[0]), []).append(position)
        return index

    def _claim(self, text: str, answer_types: bool) -> set[str]:
        found: set[str] = set()
        taken = [False] * len(text)
        index = self._by_first_char
        # Longest form first, exactly as over the whole table.
        positions = sorted(p for char in set(text) for p in index.get((answer_types, char), ()))
        for form, name in (self.forms[p] for p in positions):
            start = text.find(form)
            while start >= 0:
                end = start + len(form)
                if not any(taken[start:end]):
                    found.add(name)
                    for i in range(start, end):
                        taken[i] = True
                start = text.find(form, start + 1)
        return found


class Featurizer:
    def __init__(self, concepts: ConceptTable | None = None) -> None:
        self.concepts = concepts or ConceptTable.load()
        self._stop = stopwords()
        self.stopwords = self._stop

    @lru_cache(maxsize=4096)  # noqa: B019 - one featurizer per shop, bounded cache of hot texts
    def features(self, text: str) -> Counter[str]:
        """Weighted bag of features of an already normalised text."""
        bag: Counter[str] = Counter()
        for word in jieba.lcut(text, HMM=True):
            word = word.strip()
            if not word or word in self._stop:
                continue
            if _ALNUM.fullmatch(word):
                bag[f"n:{word}"] += 1
            elif _CONTENT_CHAR.search(word) and len(word) > 1:
                bag[f"w:{word}"] += 1
        for number in _ALNUM.findall(text):
            bag[f"n:{number}"] += 1
        for run in _HAN_RUN.findall(text):
            chars = [ch for ch in run if ch not in self._stop]
            for ch in chars:
                bag[f"c:{ch}"] += 1
            for first, second in itertools.pairwise(chars):
                bag[f"b:{first}{second}"] += 1
                bag[f"p:{char_pinyin(first)}_{char_pinyin(second)}"] += 1
        for concept in self.concepts.find(text):
            if concept in ANSWER_TYPE_CONCEPTS:
                bag[f"a:{concept}"] += 1
            elif concept not in NON_MATCHING_CONCEPTS:
                bag[f"k:{concept}"] += 1
        for concept, pattern in _ANSWER_TYPES:
            if pattern.search(text):
                bag[f"a:{concept}"] += 1
        return bag

    def concepts_of(self, text: str) -> set[str]:
        return self.concepts.find(text)

    def asked_answer_types(self, text: str) -> set[str]:
        """The kinds of answer a question asks for in words (多久 → duration, 多少钱 → price)."""
        return self.concepts.find(text) & ANSWER_TYPE_CONCEPTS


def stated_answer_types(text: str) -> set[str]:
    """The kinds of answer a text states (20-30分钟 → duration, 39.9元 → price)."""
    return {concept for concept, pattern in _ANSWER_TYPES if pattern.search(text)}


def family(feature: str) -> str:
    return feature.split(":", 1)[0]
