"""The knowledge index interface: the embedded index and OpenSearch both implement it."""

from __future__ import annotations

from typing import Protocol

from kefu.models.knowledge import KnowledgeItem, SearchHit


class Embedder(Protocol):
    """Text → unit-length vector. Offline twin locally, Bedrock (Titan V2 / Cohere) in AWS."""

    dimension: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class KnowledgeIndex(Protocol):
    """One shop's learned knowledge, searchable by a buyer's (normalised) question."""

    @property
    def version(self) -> str: ...

    def search(self, query: str, goods_id: str | None = None, k: int = 5) -> list[SearchHit]:
        """Best items first; each hit's score is a calibrated confidence in [0, 1]."""
        ...

    def items(self) -> list[KnowledgeItem]: ...


class IndexWriter(Protocol):
    """Builds or replaces a shop's index from learned items (atomically, behind an alias)."""

    def publish(self, shop_id: str, version: str, items: list[KnowledgeItem]) -> None: ...
