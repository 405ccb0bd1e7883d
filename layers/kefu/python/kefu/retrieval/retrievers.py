"""Candidate retrievers: where the ranker's candidates come from (recall only; the ranker decides)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from kefu.retrieval.pair_features import item_share
from kefu.retrieval.query import Query
from kefu.retrieval.store import ShopKnowledge

CANDIDATES_PER_LEG = 15


class Retriever(Protocol):
    def candidates(self, query: Query, k: int = CANDIDATES_PER_LEG) -> list[str]:
        """Item ids worth ranking for the query, best first per leg (any order overall)."""
        ...


class EmbeddedRetriever:
    """In-process: the best items by encoder cosine and by lexical share, ``k`` of each."""

    def __init__(self, store: ShopKnowledge) -> None:
        self.store = store

    def candidates(self, query: Query, k: int = CANDIDATES_PER_LEG) -> list[str]:
        store = self.store
        if not store.views:
            return []
        dense = store.per_item_max(store.dense(query.vector))
        lexical = item_share(store, query.weights)
        picked = list(dict.fromkeys([*np.argsort(-dense)[:k].tolist(), *np.argsort(-lexical)[:k].tolist()]))
        return [store.items[i].item_id for i in picked]
