"""Knowledge interfaces at the edges: embedders and index writers (OpenSearch; the snapshot is the other)."""

from __future__ import annotations

from typing import Protocol

from kefu.models.knowledge import KnowledgeItem, VectorBlock


class Embedder(Protocol):
    """Text → unit-length vector: the bundled sentence encoder, or Bedrock (Titan V2 / Cohere) by config."""

    dimension: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class IndexWriter(Protocol):
    """Builds or replaces a shop's index from learned items (atomically, behind an alias); ``vectors`` are the
    snapshot's encoder vectors of the views, indexed as they are when they come from the writer's model."""

    def publish(self, shop_id: str, version: str, items: list[KnowledgeItem],
                vectors: VectorBlock | None = None) -> None: ...
