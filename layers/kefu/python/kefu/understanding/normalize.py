"""Text normalisation: the first step of understanding.

繁→简 (OpenCC), full-width → half-width (NFKC), invisible and directional
characters removed, emoji and sticker codes dropped, repeated punctuation
collapsed, platform placeholders recognised, colloquial and dialect words
mapped to standard Mandarin from a lexicon kept as data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import opencc

from kefu.understanding.lexicon import Lexicon

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise

PLACEHOLDERS = {"[图片]": "image", "[视频]": "video", "[商品]": "goods_card", "[订单]": "order_card", "[语音]": "voice"}
_STICKER = re.compile(r"\[[^\[\]\d]{1,6}\]|/:[a-zA-Z\-]{1,12}")  # [太阳], [微笑], /:handclap
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_REPEAT_PUNCT = re.compile(r"([!?。！？~～,，.、…])\1+")
_SPACES = re.compile(r"\s+")
_ANGRY_EMOJI = ("😡", "🤬", "💢", "😠", "👿", "🖕")
_CLAUSE_END = re.compile(r"[,，。.!！?？~～;；\s]")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
ORDER_SN = re.compile(r"(?<![\dA-Za-z])(?:\d{6}-\d{6,}|\d{15,24})(?![\dA-Za-z])")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # tw2sp also maps Taiwan vocabulary (矽油→硅油, 軟體→软件), a superset of plain t2s for buyers' text.
    return opencc.OpenCC("tw2sp")


def _is_emoji(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Cs", "Co") or 0xFE00 <= ord(char) <= 0xFE0F or ord(char) == 0x20E3


@dataclass
class NormalizedText:
    original: str
    text: str  # normalised, for matching
    placeholders: list[str] = field(default_factory=list)
    order_numbers: list[str] = field(default_factory=list)
    exclamations: int = 0


class Normalizer:
    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or Lexicon()

    def basic(self, text: str) -> str:
        """Script-level folding only (for fact matching and keyword rules)."""
        text = unicodedata.normalize("NFKC", text)
        text = _INVISIBLE.sub("", text)
        # tw2sp's variant table turns a lone 么 into 幺 (在么 → 在幺); written as 麼 it comes back as 么.
        return _t2s().convert(text.replace("么", "麼")).lower()

    def normalize(self, raw: str) -> NormalizedText:
        text = self.basic(raw)
        placeholders = [kind for token, kind in PLACEHOLDERS.items() if token in text]
        for token in PLACEHOLDERS:
            text = text.replace(token, " ")
        order_numbers = ORDER_SN.findall(text)
        text = ORDER_SN.sub(" 订单号 ", text)
        text = _STICKER.sub(" ", text)
        # Angry faces count like exclamation marks before emoji are dropped.
        exclamations = text.count("!") + sum(text.count(face) for face in _ANGRY_EMOJI)
        text = "".join(" " if _is_emoji(ch) else ch for ch in text)
        text = _REPEAT_PUNCT.sub(r"\1", text)
        text = self._apply_lexicon(text)
        # Model names are written run together or spaced (iphone15pro / iPhone 15 Pro, mate60pro): split letters from
        # digits so both read as the same tokens.
        text = _LETTER_DIGIT.sub(" ", text)
        text = _SPACES.sub(" ", text).strip()
        return NormalizedText(raw, text, placeholders, order_numbers, exclamations)

    def _apply_lexicon(self, text: str) -> str:
        text = self._final_particles(text)
        for word, standard in self.lexicon.words.items():
            if word in text:
                text = text.replace(word, standard)
        if self.lexicon.single_char_tokens:
            tokens = jieba.lcut(text, HMM=False)
            text = "".join(self.lexicon.single_char_tokens.get(token, token) for token in tokens)
        return text

    def _final_particles(self, text: str) -> str:
        """能染不 / 够不 / 收到了没 / 到冒 → …吗, only at the end of a clause."""
        out: list[str] = []
        for clause, sep in _split_clauses(text):
            stripped = clause.rstrip()
            for particle, standard in self.lexicon.final_particles.items():
                # "不" alone is a question only after at least two characters (能染不), not in 不不;
                # words that merely end in a particle character (什么, 还没) are not questions.
                if (stripped.endswith(particle) and len(stripped) > len(particle) + 1
                        and not any(stripped.endswith(word) for word in self.lexicon.particle_words)):
                    stripped = stripped[: -len(particle)] + standard
                    break
            out.append(stripped + sep)
        return "".join(out)


def _split_clauses(text: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    start = 0
    for match in _CLAUSE_END.finditer(text):
        parts.append((text[start : match.start()], match.group()))
        start = match.end()
    parts.append((text[start:], ""))
    return parts
