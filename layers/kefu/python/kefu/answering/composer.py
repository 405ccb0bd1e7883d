"""The composer interface: turn retrieved knowledge into a reply, or refuse (→ the caller hands off).

The offline composer (quotes the knowledge) and the Bedrock composer (Converse API,
grounded on the same knowledge) both implement it.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from kefu.models.knowledge import SearchHit


class ComposedReply(BaseModel):
    text: str = Field(description="the reply as sent to the buyer")
    sources: list[str] = Field(default_factory=list, description="KnowledgeItem.source of each item used")
    confidence: float = Field(ge=0.0, le=1.0)


class Composer(Protocol):
    def compose(self, question: str, hits: list[SearchHit], context: dict[str, str]) -> ComposedReply | None:
        """A grounded reply to the (PII-masked) question, or None: nothing in the hits answers it."""
        ...
