"""Buyers who type pinyin (fa huo ji tian dao, baoyou bu) or initials (kd, sf): read by sound against the shop.

A run of Latin letters that spells pinyin syllables from start to end is turned back into characters: the
shop's own words first (its texts are where 发货, 包邮 and its couriers' names live), then the generic need and
function words (多久, 几天, 吗), then single characters. A short run of consonants only is read as the initials
of a word the shop uses often (kd → 快递). Latin words the shop itself writes (型号 pro, 尺码 XL) stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache

from kefu.understanding.features import char_pinyin

_LATIN_RUN = re.compile(r"[a-z]+(?:[ '][a-z]+)*")
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
_VOWELS = set("aeiouv")
MAX_WORD_CHARS = 4
# Source weights: a shop's own word beats a generic one of the same length, which beats single characters.
SHOP_WEIGHT, GENERIC_WEIGHT, CHAR_WEIGHT = 3.0, 2.0, 1.0
# Every piece of a reading costs this much, so one syllable read as one character beats three half-syllables.
PIECE_COST = 1.5
MIN_INITIALS, MAX_INITIALS = 2, 4
# Latin words of shop chat that happen to spell pinyin (mi ni, ma te): never read as characters.
COMMON_LATIN = frozenset({"mini", "mate", "logo", "diy", "nova", "note", "pad", "pin", "ban", "fan", "guan"})


@cache
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written v), from pypinyin's character table."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
            found.add(plain.replace("ü", "v"))
    # Interjections without a vowel (嗯 n, 呣 m, 哼 hng) would split real syllables apart (zhuan → zhu a n).
    return frozenset(s for s in found if s.isascii() and s.isalpha() and _VOWELS & set(s))


@cache
def _common_characters() -> dict[str, str]:
    """syllable → the most frequent character with that sound (jieba's dictionary frequencies)."""
    import jieba

    jieba.initialize()
    best: dict[str, tuple[int, str]] = {}
    for word, frequency in jieba.dt.FREQ.items():
        if len(word) != 1 or not frequency or not _HAN_ONLY.match(word):
            continue
        sound = char_pinyin(word)
        if sound not in best or frequency > best[sound][0]:
            best[sound] = (frequency, word)
    return {sound: word for sound, (_, word) in best.items()}


def _sound(word: str) -> str:
    return "".join(char_pinyin(ch) for ch in word)


def _initials(word: str) -> str:
    return "".join(char_pinyin(ch)[:1] for ch in word)


class PinyinReader:
    def __init__(self, shop_words: Counter[str], generic_words: Iterable[str], shop_latin: Iterable[str] = ()) -> None:
        self._entries: dict[str, tuple[float, str]] = {}
        self._initials: dict[str, tuple[float, str]] = {}
        # Single characters a buyer's question is made of (吗, 呢, 几): generic function words before frequency.
        self._characters = dict(_common_characters())
        for word in generic_words:
            if len(word) == 1 and _HAN_ONLY.match(word):
                self._characters[char_pinyin(word)] = word
            self._add(word, GENERIC_WEIGHT, 1)
        for word, count in shop_words.items():
            self._add(word, SHOP_WEIGHT, count)
        self._shop_latin = {token.lower() for token in shop_latin} | COMMON_LATIN
        syllables()  # built now, not on the first buyer's pinyin
        self._longest = max((len(sound) for sound in self._entries), default=0)

    def _add(self, word: str, weight: float, count: int) -> None:
        if not (1 < len(word) <= MAX_WORD_CHARS) or not _HAN_ONLY.match(word):
            return
        sound = _sound(word)
        score = weight * len(word) ** 2
        if sound not in self._entries or self._entries[sound][0] < score:
            self._entries[sound] = (score, word)
        initials = _initials(word)
        if MIN_INITIALS <= len(initials) <= MAX_INITIALS:
            # Among words with the same initials, the one the shop writes most often.
            rank = weight * count
            if initials not in self._initials or self._initials[initials][0] < rank:
                self._initials[initials] = (rank, word)

    def read(self, text: str) -> str:
        """The text with every pinyin or initials run written in characters (unchanged when none reads)."""
        if not any("a" <= ch <= "z" for ch in text):
            return text
        return _LATIN_RUN.sub(lambda match: self._run(match.group(0)), text)

    def _run(self, run: str) -> str:
        """Tokens of consonants only are initials (sf); the tokens between them are read as pinyin together."""
        out: list[str] = []
        chunk: list[str] = []

        def flush() -> None:
            if chunk:
                decoded = self._decode("".join(chunk))
                out.append(decoded if decoded is not None else " ".join(chunk))
                chunk.clear()

        for token in re.split(r"[ ']", run):
            if not token:
                continue
            if token in self._shop_latin:
                flush()
                out.append(f" {token} ")
            elif not (_VOWELS & set(token)):
                flush()
                entry = self._initials.get(token)
                out.append(entry[1] if entry and MIN_INITIALS <= len(token) <= MAX_INITIALS else f" {token} ")
            else:
                chunk.append(token)
        flush()
        return " ".join(part.strip() for part in out if part.strip()) if len(out) > 1 else (out[0].strip()
                                                                                              if out else run)

    def _decode(self, letters: str) -> str | None:
        """Best segmentation into words and characters by sound; None unless it reads whole with ≥ 2 syllables."""
        n = len(letters)
        best: list[tuple[float, int, str] | None] = [None] * (n + 1)  # (score, syllables, text)
        best[0] = (0.0, 0, "")
        common = self._characters
        known = syllables()
        for start in range(n):
            here = best[start]
            if here is None:
                continue
            for end in range(start + 1, min(n, start + self._longest + 6) + 1):
                piece = letters[start:end]
                options: list[tuple[float, int, str]] = []
                entry = self._entries.get(piece)
                if entry is not None:
                    options.append((entry[0], len(entry[1]), entry[1]))
                if piece in known and piece in common:
                    options.append((CHAR_WEIGHT, 1, common[piece]))
                for score, count, word in options:
                    candidate = (here[0] + score - PIECE_COST, here[1] + count, here[2] + word)
                    if best[end] is None or candidate[0] > best[end][0]:  # type: ignore[index]
                        best[end] = candidate
        final = best[n]
        return final[2] if final is not None and final[1] >= 2 else None
