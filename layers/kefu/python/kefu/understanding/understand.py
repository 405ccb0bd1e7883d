"""Understanding one buyer message: normalised text, intent, emotion, entities, and context."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, Field

from kefu.models.conversation import ConversationState
from kefu.understanding import signals
from kefu.understanding.classifier import SignalClassifier
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
    angry: bool = Field(default=False, description="angry, sarcastic or threatening: a human takes over")
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
# Without the classifier: the rule-based emotion score from which a buyer counts as angry.
ANGRY_SCORE = 0.6


class Understander:
    def __init__(self, normalizer: Normalizer | None = None, colours: list[str] | None = None,
                 handoff_keywords: list[str] | None = None, sizes: list[str] | None = None,
                 concepts: ConceptTable | None = None, pinyin: PinyinReader | None = None,
                 classifier: SignalClassifier | None = None,
                 encode: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.normalizer = normalizer or Normalizer()
        self._pinyin = pinyin
        # With the learned classifier (and the encoder it reads vectors from) the handoff signals are heard by
        # meaning; without them (unit tests of the rules) the rule patterns decide alone.
        self._classifier = classifier
        self._encode = encode
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
        # The shop's own keywords are compared with the buyer's own words (script folding only) and always win.
        keyword = any(k and k in self.normalizer.basic(raw) for k in self._handoff_keywords)
        mood = signals.emotion(text, normalized.exclamations)
        entities = Entities(
            order_numbers=normalized.order_numbers,
            colours=[c for c in self._colours if c in text],
            sizes=[s for s in self._sizes if s in text] or [m.group(0) for m in _SIZE.finditer(text)],
            quantities=[m.group(0) for m in _QUANTITY.finditer(text)],
        )
        if self._classifier is not None and self._encode is not None and text:
            scores = self._classifier.scores(text, self._encode([text])[0], normalized.exclamations)
            fires = self._classifier.fires
            emotion, angry = round(scores.anger, 2), fires(scores, "anger")
            sensitive, asks = fires(scores, "distress"), fires(scores, "ask_human")
            after_sale = fires(scores, "after_sale")
        else:
            emotion, angry, sensitive = mood.score, mood.score >= ANGRY_SCORE, mood.sensitive
            asks = signals.asks_for_human(text, [])
            after_sale = signals.after_sale_needs_human(text)
        understanding = Understanding(
            text=text,
            query=text,
            intent=Intent.OTHER,
            emotion=emotion,
            angry=angry,
            insult=mood.insult,
            threat=mood.threat,
            sensitive=sensitive,
            asks_for_human=keyword or asks,
            after_sale_needs_human=after_sale,
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
        if u.angry:
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
