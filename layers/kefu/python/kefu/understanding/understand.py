"""Understanding one buyer message: normalised text, intent, emotion, entities, and context."""

from __future__ import annotations

import re
from dataclasses import replace
from enum import StrEnum

from pydantic import BaseModel, Field

from kefu.models.conversation import ConversationState
from kefu.understanding import signals
from kefu.understanding.features import ANSWER_TYPE_CONCEPTS, NON_MATCHING_CONCEPTS, ConceptTable
from kefu.understanding.normalize import Normalizer
from kefu.understanding.pinyin_input import PinyinReader
from kefu.understanding.questions import question_parts


class Intent(StrEnum):
    PRODUCT_QUESTION = "product_question"
    SHIPPING = "shipping"
    LOGISTICS = "logistics"
    AFTER_SALE = "after_sale"
    COMPLAINT = "complaint"
    BARGAINING = "bargaining"
    GREETING = "greeting"
    THANKS = "thanks"
    ASK_HUMAN = "ask_human"
    MEDIA = "media"
    OTHER = "other"


class Entities(BaseModel):
    order_numbers: list[str] = Field(default_factory=list)
    colours: list[str] = Field(default_factory=list)
    sizes: list[str] = Field(default_factory=list)
    quantities: list[str] = Field(default_factory=list)


class Understanding(BaseModel):
    text: str = Field(description="normalised text")
    query: str = Field(description="what to look up: the text, completed from context for follow-ups")
    intent: Intent
    emotion: float = 0.0
    insult: bool = False
    threat: bool = False
    sensitive: bool = False
    asks_for_human: bool = False
    after_sale_needs_human: bool = False
    dissatisfied: bool = False
    is_followup: bool = False
    implicit_followup: bool = Field(default=False, description="a follow-up without 那/呢: asks a value, names no need")
    questions: list[str] = Field(default_factory=list, description="the questions of a message that asks several")
    entities: Entities = Field(default_factory=Entities)


_FOLLOWUP_START = re.compile(r"^(那|那么|那要是|要是|如果是|如果|换成|还有)")
_FOLLOWUP_END = re.compile(r"(呢|的呢|怎么样|咋样)[?？]?$")
_QUANTITY = re.compile(r"([0-9一二两三四五六七八九十]+)\s*(盒|瓶|个|件|支|套|包|袋)")
_SIZE = re.compile(r"\b(xs|s|m|l|xl|xxl|xxxl|\d{2,3}码|\d{2,3}cm)\b", re.IGNORECASE)
FOLLOWUP_MAX_CHARS = 14


class Understander:
    def __init__(self, normalizer: Normalizer | None = None, colours: list[str] | None = None,
                 handoff_keywords: list[str] | None = None, sizes: list[str] | None = None,
                 concepts: ConceptTable | None = None, pinyin: PinyinReader | None = None) -> None:
        self.normalizer = normalizer or Normalizer()
        self._pinyin = pinyin
        self._concepts = concepts
        self._colours = sorted({self.normalizer.basic(c) for c in colours or []}, key=len, reverse=True)
        self._sizes = sorted({self.normalizer.basic(s) for s in sizes or []}, key=len, reverse=True)
        self._handoff_keywords = [self.normalizer.basic(k) for k in handoff_keywords or []]

    def understand(self, raw: str, state: ConversationState | None = None) -> Understanding:
        normalized = self.normalizer.normalize(raw)
        if self._pinyin is not None:
            read = self._pinyin.read(normalized.text)
            if read != normalized.text:  # typed in pinyin: normalised again as if typed in characters
                normalized = replace(normalized, text=self.normalizer.normalize(read).text)
        text = normalized.text
        mood = signals.emotion(text, normalized.exclamations)
        entities = Entities(
            order_numbers=normalized.order_numbers,
            colours=[c for c in self._colours if c in text],
            sizes=[s for s in self._sizes if s in text] or [m.group(0) for m in _SIZE.finditer(text)],
            quantities=[m.group(0) for m in _QUANTITY.finditer(text)],
        )
        understanding = Understanding(
            text=text,
            query=text,
            intent=Intent.OTHER,
            emotion=mood.score,
            insult=mood.insult,
            threat=mood.threat,
            sensitive=mood.sensitive,
            asks_for_human=signals.asks_for_human(text, self._handoff_keywords),
            after_sale_needs_human=signals.after_sale_needs_human(text),
            dissatisfied=signals.matches("repeat_complaint", text),
            entities=entities,
            questions=question_parts(text),
        )
        understanding.intent = self._intent(understanding)
        if state is not None and state.last_query and (self._leans_on_context(text) or self._asks_value_only(text)):
            understanding.is_followup = True
            understanding.implicit_followup = not self._leans_on_context(text)
            understanding.query = f"{state.last_query} {text}"
        return understanding

    def _intent(self, u: Understanding) -> Intent:
        text = u.text
        if u.asks_for_human:
            return Intent.ASK_HUMAN
        if u.insult or u.threat or u.emotion >= 0.6:
            return Intent.COMPLAINT
        if u.after_sale_needs_human:
            return Intent.AFTER_SALE
        if signals.matches("greeting", text):
            return Intent.GREETING
        if signals.matches("thanks", text):
            return Intent.THANKS
        if signals.matches("bargain", text):
            return Intent.BARGAINING
        if signals.matches("logistics", text):
            return Intent.LOGISTICS
        if signals.matches("shipping", text):
            return Intent.SHIPPING
        return Intent.PRODUCT_QUESTION if text else Intent.OTHER

    @staticmethod
    def _leans_on_context(text: str) -> bool:
        """Elliptical follow-ups: 那长头发呢 / 黑色的呢 / 要是漂过的呢 — short, and not a question of their own."""
        short = len(text) <= FOLLOWUP_MAX_CHARS
        return short and bool(_FOLLOWUP_START.search(text) or _FOLLOWUP_END.search(text))

    def _asks_value_only(self, text: str) -> bool:
        """A short question that asks for a value (多久, 多少钱) and names no need of its own: 申请完多久能拿到
        after asking about the invoice. (Retrieval still wants the question's own words met: 你们店开了几年了 is not
        the previous need again.)"""
        if self._concepts is None or len(text) > FOLLOWUP_MAX_CHARS:
            return False
        found = self._concepts.find(text)
        return bool(found & ANSWER_TYPE_CONCEPTS) and not found - ANSWER_TYPE_CONCEPTS - NON_MATCHING_CONCEPTS
