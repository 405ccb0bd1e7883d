"""The offline composer: answers with the sentences of the retrieved knowledge that answer the question.

It never writes a fact of its own. The passage picker (kefu.retrieval.passages) has scored each sentence of the
retrieved items against the question; the reply is the best sentence, plus any other sentence (of that item, or
of a second item from another source) that the picker also finds answering and that adds something new, kept
short. An LLM composer may polish wording in AWS, under the same contract (kefu.answering.composer.Composer).
"""

from __future__ import annotations

import itertools
import re

from kefu.answering.composer import ComposedReply
from kefu.knowledge.views import clean_line
from kefu.models.knowledge import Passage, SearchHit
from kefu.retrieval.linear import load_model
from kefu.retrieval.passages import MODEL_NAME as PASSAGE_MODEL
from kefu.understanding.features import ANSWER_TYPE_CONCEPTS, stated_answer_types

_LEADING_ADDRESS = re.compile(r"^(亲亲|亲爱的|亲)[，,~～ ]*")
_ENDS_SENTENCE = re.compile(r"[。！？!?；;~～]$")
# What one reply may hold: a buyer wants the sentence that answers (graded: ≤ 100 characters without punctuation).
REPLY_BUDGET = 90
# Beyond its best sentence, an item's other sentences join when the picker scores them at least its threshold
# (kefu/data/models/passages.json, chosen leave-one-shop-out by training/train_passages.py).
# A second item joins when it is nearly as likely to answer as the first and its best sentence answers too.
SECOND_ITEM_RATIO = 0.85
LEAD_RATIO = 0.95
MIN_NOVELTY = 0.5
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def novelty(text: str, said: str) -> float:
    """Share of ``text`` (character pairs) that ``said`` does not already contain; a new figure counts as new."""
    if set(_NUMBER.findall(text)) - set(_NUMBER.findall(said)):
        return 1.0
    own = _bigrams(text)
    return len(own - _bigrams(said)) / len(own) if own else 0.0


def _sentence(text: str) -> str:
    text = _LEADING_ADDRESS.sub("", text.strip())
    return text if _ENDS_SENTENCE.search(text) else f"{text}。"


def _fallback_passage(hit: SearchHit) -> Passage:
    """An item without sentence views (a bare attribute): its whole answer, cleaned."""
    text = "".join(clean_line(line) for line in hit.item.answer.splitlines())
    return Passage(text=text[:REPLY_BUDGET] or hit.item.title, score=hit.score)


def pick(hit: SearchHit, budget: int, said: str = "", min_extra: float = 0.5, lead_best: bool = False
         ) -> list[Passage]:
    """The item's best passage, then every other passage the picker is sure of that fits and adds something;
    in the item's own order (steps stay steps) unless ``lead_best``."""
    passages = hit.passages or [_fallback_passage(hit)]
    chosen = [passages[0]]
    used = len(passages[0].text)
    for passage in passages[1:]:
        if passage.score < min_extra or used + len(passage.text) > budget:
            continue
        if novelty(passage.text, said + "".join(p.text for p in chosen)) < MIN_NOVELTY:
            continue
        chosen.append(passage)
        used += len(passage.text)
    if not lead_best:
        return sorted(chosen, key=lambda passage: passage.position)
    # A question for a value (捂多久, 多少钱) gets the sentence that states it first, not the allergy test before it.
    return [chosen[0], *sorted(chosen[1:], key=lambda passage: passage.position)]


class OfflineComposer:
    def __init__(self, min_confidence: float = 0.0, budget: int = REPLY_BUDGET, extra_min: float | None = None) -> None:
        self._min_confidence = min_confidence
        self._budget = budget
        self._extra_min = load_model(PASSAGE_MODEL).threshold if extra_min is None else extra_min

    def compose(self, question: str, hits: list[SearchHit], context: dict[str, str]) -> ComposedReply | None:
        if not hits or hits[0].score < self._min_confidence:
            return None
        # Among the items about as likely to answer as the best one, the one whose sentence answers best leads: a
        # mined one-line answer that says it all beats a section where the answer is one line of many.
        close = [hit for hit in hits[:3] if hit.score >= hits[0].score * LEAD_RATIO]
        first = max(close, key=lambda hit: hit.passages[0].score if hit.passages else 0.0)
        hits = [first, *[hit for hit in hits if hit is not first]]
        asked = {c for c in ANSWER_TYPE_CONCEPTS if c in context.get("asked_types", "").split(",")}
        parts = pick(first, self._budget, min_extra=self._extra_min, lead_best=bool(asked))
        body = "".join(_sentence(p.text) for p in parts)
        sources = [first.item.source]
        for hit in hits[1:3]:
            if not hit.passages or hit.score < first.score * SECOND_ITEM_RATIO:
                continue
            best = hit.passages[0]
            # A second item answers a part the first leaves out: a kind of value the reply does not state yet, or
            # (from another source: the same file restates itself) a sentence the picker is sure of that is new.
            lacks = asked - stated_answer_types(body)
            other_file = hit.item.source.split("#")[0] != first.item.source.split("#")[0]
            useful = (lacks & stated_answer_types(best.text)) or (
                other_file and best.score >= max(self._extra_min, parts[0].score))
            if not useful or len(body) + len(best.text) > self._budget + 20 or novelty(best.text, body) < MIN_NOVELTY:
                continue
            body += _sentence(best.text)
            sources.append(hit.item.source)
            break
        return ComposedReply(text=f"亲，{body}", sources=sources, confidence=first.score)
