"""Parsers that turn each part of a shop bundle into knowledge items (formats.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kefu.models.knowledge import KnowledgeItem


@dataclass(frozen=True)
class Dropped:
    """Something a source or the miner chose not to learn, and why (for the learning report)."""

    reason: str
    source: str
    example: str = ""


@dataclass
class SourceResult:
    items: list[KnowledgeItem] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
