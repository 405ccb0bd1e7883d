"""One ranker for every backend: a learned logistic model over the pair features of each candidate.

Its output is the probability that the item answers the question, learned from the development shops' cases and
chat-log questions (training/train_ranker.py, leave-one-shop-out); the brain answers above the model's own
calibrated threshold and hands over below it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kefu.models.knowledge import SearchHit
from kefu.retrieval.linear import LogisticModel, load_model
from kefu.retrieval.pair_features import FEATURE_NAMES, INDEX, pair_features
from kefu.retrieval.query import Query
from kefu.retrieval.store import ShopKnowledge

MODEL_NAME = "ranker"


class Ranker:
    def __init__(self, model: LogisticModel | None = None) -> None:
        self.model = (model or load_model(MODEL_NAME)).check(FEATURE_NAMES)

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def rank(self, store: ShopKnowledge, query: Query, candidates: Sequence[int] | None = None,
             k: int = 5) -> list[SearchHit]:
        if not store.items:
            return []
        x = pair_features(store, query)
        probability = self.model.probability(x)
        pool = np.arange(len(store.items)) if candidates is None else np.asarray(sorted(set(candidates)), dtype=int)
        if len(pool) == 0:
            return []
        order = pool[np.argsort(-probability[pool], kind="stable")][:k]
        dense = store.dense(query.vector)
        hits: list[SearchHit] = []
        for item_index in order:
            view_id = store.best_view(dense, int(item_index))
            row = x[item_index]
            hits.append(SearchHit(
                item=store.items[int(item_index)],
                score=float(np.clip(probability[item_index], 0.0, 1.0)),
                lexical=float(row[INDEX["lex_view"]]),
                vector=float(row[INDEX["dense_best"]]),
                raw=float(row[INDEX["dense_x_lex"]]),
                features=[round(float(v), 4) for v in row],
                matched_question=store.views[view_id].text if view_id >= 0 else None,
            ))
        return hits
