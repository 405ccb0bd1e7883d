"""The offline composer: quotes the retrieved knowledge, shaped as a chat reply.

It never writes a fact of its own; an LLM composer may polish wording in AWS,
under the same contract (kefu.answering.composer.Composer).
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from kefu.answering.composer import ComposedReply
from kefu.models.knowledge import SearchHit
from kefu.understanding.features import ANSWER_TYPE_CONCEPTS, ConceptTable, stated_answer_types

_LEADING_ADDRESS = re.compile(r"^(亲亲|亲爱的|亲)[，,~～ ]*")
_MARKUP = re.compile(r"^\s*(?:[-*]\s+|\d+\.\s+)|\*\*|【|】", re.MULTILINE)
MAX_REPLY_CHARS = 320
SECOND_HIT_RATIO = 0.85
# A question that asks for two kinds of value (容量多大 价钱多少) may need a second item for the one the first lacks.
MISSING_TYPE_HIT_RATIO = 0.8


MIN_NOVELTY = 0.3
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@lru_cache(maxsize=1)
def _concepts() -> ConceptTable:
    return ConceptTable.load()


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def _novelty(hit: SearchHit, chosen: list[SearchHit]) -> float:
    """Share of the hit's answer (character pairs) that the chosen answers do not already say; a figure they do not
    state (12.9元 in an otherwise identical price template) is new by itself."""
    if set(_NUMBER.findall(hit.item.answer)) - set().union(*(_NUMBER.findall(c.item.answer) for c in chosen)):
        return 1.0
    own = _bigrams(hit.item.answer)
    said = set().union(*(_bigrams(c.item.answer) for c in chosen))
    return len(own - said) / len(own) if own else 0.0


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
            body = body[:MAX_REPLY_CHARS].rsplit("\n", 1)[0] or body[:MAX_REPLY_CHARS]
        return ComposedReply(
            text=f"亲，{body}",
            sources=[hit.item.source for hit in chosen],
            confidence=hits[0].score,
        )
