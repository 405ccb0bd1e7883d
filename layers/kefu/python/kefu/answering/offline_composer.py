"""The offline composer: quotes the retrieved knowledge, shaped as a chat reply.

It never writes a fact of its own; an LLM composer may polish wording in AWS,
under the same contract (kefu.answering.composer.Composer).
"""

from __future__ import annotations

import re

from kefu.answering.composer import ComposedReply
from kefu.models.knowledge import SearchHit

_LEADING_ADDRESS = re.compile(r"^(亲亲|亲爱的|亲)[，,~～ ]*")
_MARKUP = re.compile(r"^\s*(?:[-*]\s+|\d+\.\s+)|\*\*|【|】", re.MULTILINE)
MAX_REPLY_CHARS = 320
SECOND_HIT_RATIO = 0.85


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
            if hit.raw >= hits[0].raw * SECOND_HIT_RATIO and other_file:
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
