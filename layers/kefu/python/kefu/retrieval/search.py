"""The brain's one door to a shop's knowledge: build the query, get candidates, rank them."""

from __future__ import annotations

from collections import Counter
from typing import Protocol

import numpy as np

from kefu.knowledge.vectors import SentenceEncoder
from kefu.models.knowledge import KnowledgeItem, KnowledgeSnapshot, SearchHit
from kefu.models.sizing import SizeGuide
from kefu.retrieval.passages import PassagePicker
from kefu.retrieval.query import Query, build_query
from kefu.retrieval.ranker import Ranker
from kefu.retrieval.retrievers import EmbeddedRetriever, Retriever
from kefu.retrieval.store import ShopKnowledge
from kefu.understanding.features import Featurizer
from kefu.understanding.normalize import Normalizer


class KnowledgeSearch:
    def __init__(self, snapshot: KnowledgeSnapshot, encoder: SentenceEncoder | None = None,
                 retriever: Retriever | None = None, ranker: Ranker | None = None,
                 normalizer: Normalizer | None = None, picker: PassagePicker | None = None) -> None:
        if encoder is None:
            from kefu.encoder.bge import shared_encoder

            encoder = shared_encoder()
        self.store = ShopKnowledge(snapshot, encoder, normalizer)
        self.retriever: Retriever = retriever or EmbeddedRetriever(self.store)
        self.ranker = ranker or Ranker()
        self.picker = picker or PassagePicker()
        self._positions = {item.item_id: i for i, item in enumerate(self.store.items)}

    @property
    def version(self) -> str:
        return self.store.snapshot.version

    @property
    def threshold(self) -> float:
        """The answer-or-hand-off bar the ranker was calibrated with."""
        return self.ranker.threshold

    @property
    def normalizer(self) -> Normalizer:
        return self.store.normalizer

    @property
    def featurizer(self) -> Featurizer:
        return self.store.featurizer

    def items(self) -> list[KnowledgeItem]:
        return list(self.store.items)

    def size_guide(self) -> SizeGuide:
        return self.store.snapshot.sizing

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.store.encode(texts)

    def query(self, text: str, goods_id: str | None = None, context: str | None = None,
              own_meaning: bool = False) -> Query:
        return build_query(self.store, text, goods_id, context, own_meaning)

    def search(self, query: Query, k: int = 5) -> list[SearchHit]:
        ids = self.retriever.candidates(query)
        positions = [self._positions[i] for i in ids if i in self._positions]  # ids of another version are skipped
        hits = self.ranker.rank(self.store, query, positions, k)
        items = [self._positions[hit.item.item_id] for hit in hits]
        for hit, passages in zip(hits, self.picker.passages(self.store, query, items), strict=True):
            hit.passages = passages
        return hits

    def search_text(self, text: str, goods_id: str | None = None, k: int = 5) -> list[SearchHit]:
        """Search a raw (not yet normalised) question: tools, tests and `kefu knowledge search`."""
        return self.search(self.query(self.normalizer.normalize(text).text, goods_id), k)

    def similarity(self, normalized_a: str, normalized_b: str) -> float:
        """How alike two questions are in meaning: the encoder's cosine (re-asked questions, `kefu match`)."""
        vectors = self.store.encode([normalized_a, normalized_b])
        return float(np.clip(vectors[0] @ vectors[1], 0.0, 1.0))

    def unknown_needs(self, normalized_query: str) -> set[str]:
        return self.store.unknown_needs(normalized_query)

    def vocabulary(self) -> tuple[Counter[str], set[str]]:
        return self.store.vocabulary()


class Knowledge(Protocol):
    """What the brain needs of a shop's knowledge (KnowledgeSearch; a test double in unit tests)."""

    @property
    def version(self) -> str: ...

    @property
    def threshold(self) -> float: ...

    @property
    def normalizer(self) -> Normalizer: ...

    @property
    def featurizer(self) -> Featurizer: ...

    def items(self) -> list[KnowledgeItem]: ...

    def size_guide(self) -> SizeGuide: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str, goods_id: str | None = None, context: str | None = None,
              own_meaning: bool = False) -> Query: ...

    def search(self, query: Query, k: int = 5) -> list[SearchHit]: ...

    def search_text(self, text: str, goods_id: str | None = None, k: int = 5) -> list[SearchHit]: ...

    def similarity(self, normalized_a: str, normalized_b: str) -> float: ...

    def unknown_needs(self, normalized_query: str) -> set[str]: ...

    def vocabulary(self) -> tuple[Counter[str], set[str]]: ...
