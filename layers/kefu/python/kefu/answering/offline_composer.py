"""The offline composer: quotes the retrieved knowledge, shaped as a chat reply.

It never writes a fact of its own; an LLM composer may polish wording in AWS,
under the same contract (kefu.answering.composer.Composer).
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from kefu.answering.composer import ComposedReply
from kefu.models.knowledge import ItemKind, SearchHit
from kefu.understanding.features import ANSWER_TYPE_CONCEPTS, ConceptTable, stated_answer_types

_LEADING_ADDRESS = re.compile(r"^(亲亲|亲爱的|亲)[，,~～ ]*")
_MARKUP = re.compile(r"^\s*(?:[-*]\s+|\d+\.\s+)|\*\*|【|】", re.MULTILINE)
MAX_REPLY_CHARS = 320
SECOND_HIT_RATIO = 0.85
# A question that asks for two kinds of value (容量多大 价钱多少) may need a second item for the one the first lacks.
MISSING_TYPE_HIT_RATIO = 0.8


MIN_NOVELTY = 0.3
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"[。\n]+")
_CLAUSE_SPLIT = re.compile(r"[，,；;]")
FOCUS_SHARE = 0.8


@lru_cache(maxsize=1)
def _concepts() -> ConceptTable:
    return ConceptTable.load()


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def _focus(body: str, question: str) -> str | None:
    """A long answer (a price per model, stock per colour …) cut to fit: the clauses that share the most with the
    question (小米14 防窥 in 小米14防窥膜多少钱), each with the opening clause of its sentence (拼单价： / 单独购买：)
    so a figure is never read under the wrong heading. None when no clause stands out, and the plain cut applies."""
    sentences = [[c for c in _CLAUSE_SPLIT.split(sentence) if c.strip()] for sentence in _SENTENCE_END.split(body)]
    sentences = [clauses for clauses in sentences if clauses]
    asked = _bigrams(question.lower())
    scores = [[len(_bigrams(clause.lower()) & asked) for clause in clauses] for clauses in sentences]
    best = max((score for row in scores for score in row[1:]), default=0)
    if best == 0:
        return None
    kept: list[str] = []
    for clauses, row in zip(sentences, scores, strict=True):
        chosen = [clause for clause, score in zip(clauses[1:], row[1:], strict=True) if score >= FOCUS_SHARE * best]
        if chosen or not kept:
            kept.append("，".join([clauses[0], *chosen]) + "。")
    text = "\n".join(kept)
    return text if len(text) <= MAX_REPLY_CHARS else None


def _novelty(hit: SearchHit, chosen: list[SearchHit]) -> float:
    """Share of the hit's answer (character pairs) that the chosen answers do not already say; a figure they do not
    state (12.9元 in an otherwise identical price template) is new by itself."""
    if set(_NUMBER.findall(hit.item.answer)) - set().union(*(_NUMBER.findall(c.item.answer) for c in chosen)):
        return 1.0
    own = _bigrams(hit.item.answer)
    said = set().union(*(_bigrams(c.item.answer) for c in chosen))
    return len(own - said) / len(own) if own else 0.0


def novelty(text: str, said: str) -> float:
    """Share of ``text`` (character pairs) that ``said`` does not already contain."""
    own = _bigrams(text)
    return len(own - _bigrams(said)) / len(own) if own else 0.0


def clean(text: str) -> str:
    lines = [_MARKUP.sub("", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


class OfflineComposer:
    def __init__(self, min_confidence: float = 0.5) -> None:
        self._min_confidence = min_confidence

    def compose(self, question: str, hits: list[SearchHit], context: dict[str, str]) -> ComposedReply | None:
        if not hits or hits[0].score < self._min_confidence:
            return None
        chosen = [hits[0]]
        # A second item from another source that scores almost as well often carries the other half of the answer.
        for hit in hits[1:3]:
            other_file = hit.item.source.split("#")[0] != hits[0].item.source.split("#")[0]
            # The same fact learned twice (the page's 产品参数 and the product record's attribute) adds nothing.
            if hit.raw >= hits[0].raw * SECOND_HIT_RATIO and other_file and _novelty(hit, chosen) >= MIN_NOVELTY:
                chosen.append(hit)
                break
        # The question asks for a kind of value (a price, a duration) the chosen answers do not state: a close
        # item that states it carries that part of the question.
        missing = (_concepts().find(question) & ANSWER_TYPE_CONCEPTS) - set().union(
            *(stated_answer_types(hit.item.answer) for hit in chosen))
        if missing:
            for hit in hits[1:3]:
                if (hit not in chosen and hit.raw >= hits[0].raw * MISSING_TYPE_HIT_RATIO
                        and missing & stated_answer_types(hit.item.answer)):
                    chosen.append(hit)
                    break
        body = "\n".join(_LEADING_ADDRESS.sub("", clean(hit.item.answer)) for hit in chosen)
        if len(body) > MAX_REPLY_CHARS:
            # Only a generated list (a price or stock per model) is cut by clause: prose cut that way can change
            # its meaning (a warning's 请不要使用 under another step).
            listed = len(chosen) == 1 and chosen[0].item.kind == ItemKind.PRODUCT_FACT
            focused = _focus(body, question) if listed else None
            body = focused or body[:MAX_REPLY_CHARS].rsplit("\n", 1)[0] or body[:MAX_REPLY_CHARS]
        return ComposedReply(
            text=f"亲，{body}",
            sources=[hit.item.source for hit in chosen],
            confidence=hits[0].score,
        )
