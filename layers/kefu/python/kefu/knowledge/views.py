"""The views an item is matched through: its title, each question variant, each sentence of its answer.

One definition for every backend (the embedded store, the OpenSearch documents, the vectors a snapshot keeps)
and for the composer, which answers with the sentences it picks from these views.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from kefu.models.knowledge import KnowledgeItem

# A sentence ends at 。！？； or a line break; its closing mark stays with it so a reply can be rebuilt from parts.
_SENTENCE = re.compile(r"[^\n。；;！!？?]+[。；;！!？?]*")
_MARKUP = re.compile(r"^\s*(?:[-*+>]\s+|\d+[.、)]\s*|#+\s*)|\*\*|__|【|】|`")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
MIN_SENTENCE_CHARS = 4


class ViewKind(StrEnum):
    TITLE = "title"
    QUESTION = "question"
    SENTENCE = "sentence"


@dataclass(frozen=True)
class RawView:
    kind: ViewKind
    text: str  # as the buyer may read it (markup removed)


def clean_line(line: str) -> str:
    """A line of knowledge as a chat reply shows it: no list bullets, heading marks or bold markers."""
    if _TABLE_RULE.match(line):
        return ""
    line = _MARKUP.sub("", line.strip())
    if line.startswith("|") or line.endswith("|"):  # a Markdown table row: its cells, spaced
        line = "，".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
    return line.strip()


def sentences(answer: str) -> list[str]:
    """The answer's sentences, each cleaned, in order; fragments under MIN_SENTENCE_CHARS are dropped."""
    out: list[str] = []
    for line in answer.splitlines():
        cleaned = clean_line(line)
        for match in _SENTENCE.finditer(cleaned):
            sentence = match.group(0).strip()
            if len(sentence) >= MIN_SENTENCE_CHARS:
                out.append(sentence)
    return out


def item_views(item: KnowledgeItem) -> list[RawView]:
    views = [RawView(ViewKind.TITLE, item.title)]
    views += [RawView(ViewKind.QUESTION, question) for question in item.questions if question.strip()]
    views += [RawView(ViewKind.SENTENCE, sentence) for sentence in sentences(item.answer)]
    return views
