"""One ranker for every backend, in two learned stages (training/train_ranker.py, leave-one-shop-out).

1. **Ranking**: a linear score over the pair features of each item, fit listwise (the softmax over a question's
   candidates puts its mass on the items that state the expected facts: a conditional logit).
2. **Confidence**: the probability that the best-ranked item really answers, from its score, its margin over
   the next item, its share of the softmax and a few of its features; fit on held-out ranker scores, so it is
   calibrated for shops the ranker never saw. The brain answers above the threshold chosen the same way.

Both are computed over every item of the shop (the store has them all), so a candidate scores the same whether
the embedded index or OpenSearch proposed it.
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
# Two findings the linear confidence cannot express for every shop size, kept as caps below the threshold: an item
# that shares no word, need or number with the question (leave-one-shop-out: 5 of 17 such best items were right),
# and a question about a service or thing the shop never mentions (1 of 28 right).
CAP_BELOW_THRESHOLD = 0.8
# What the confidence model sees of a ranked item.
CONFIDENCE_FEATURES: tuple[str, ...] = (
    "score",  # the ranking score
    "margin",  # minus the best other item's score
    "share",  # its softmax share among all the shop's items
    "group_share",  # the share of it and the near-duplicates of its best view (the same fact learned twice)
    "agreement",  # how alike the best views of the next-ranked items are to its own (they say the same)
    "dense_best",
    "lex_item",
    "meaning_item",
    "unknown_need",
    "no_meaning",
    "type_miss",
    "concept_none",
    "goods_other",
    "question_chars",
    "followup",
)


# Best views at least this alike (encoder cosine) say the same thing; the shares of such items are pooled.
SAME_FACT_COSINE = 0.9
AGREEMENT_ITEMS = 3


def confidence_features(x: np.ndarray, scores: np.ndarray, best_vectors: np.ndarray) -> np.ndarray:
    """Rows = items: CONFIDENCE_FEATURES from the pair features, the ranking scores of all items and the vector
    of each item's best view (the same fact learned from a page, a rule and a chat log is agreement, not doubt)."""
    order = np.argsort(-scores)
    best = scores[order[0]]
    second = scores[order[1]] if len(scores) > 1 else best - 10.0
    others_best = np.where(np.arange(len(scores)) == order[0], second, best)
    shifted = np.exp(scores - best)
    share = shifted / shifted.sum()
    alike = best_vectors @ best_vectors[order[:AGREEMENT_ITEMS + 1]].T  # items x the top few
    group_share = ((alike >= SAME_FACT_COSINE) * share[order[:AGREEMENT_ITEMS + 1]]).sum(axis=1)
    group_share = np.maximum(group_share, share)
    agreement = np.zeros(len(scores), dtype=np.float32)
    top = order[:AGREEMENT_ITEMS + 1]
    for column, item in enumerate(top):
        others = [c for c in range(len(top)) if c != column]
        agreement[item] = float(np.mean(alike[item, others])) if others else 0.0
    columns = [scores, scores - others_best, share, group_share, agreement]
    columns += [x[:, INDEX[name]] for name in CONFIDENCE_FEATURES[5:]]
    return np.column_stack(columns).astype(np.float32)


def best_view_vectors(store: ShopKnowledge, dense: np.ndarray) -> np.ndarray:
    ids = store.best_views(dense)
    vectors = np.zeros((len(store.items), store.matrix.shape[1]), dtype=np.float32)
    present = ids >= 0
    vectors[present] = store.matrix[ids[present]]
    return vectors


class Ranker:
    def __init__(self, ranking: LogisticModel | None = None, confidence: LogisticModel | None = None) -> None:
        self.ranking = (ranking or load_model(MODEL_NAME, "ranking")).check(FEATURE_NAMES)
        self.confidence = (confidence or load_model(MODEL_NAME, "confidence")).check(CONFIDENCE_FEATURES)

    @property
    def threshold(self) -> float:
        return self.confidence.threshold

    def score(self, store: ShopKnowledge, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pair features, ranking scores, confidences) of every item."""
        x = pair_features(store, query)
        scores = self.ranking.linear(x)
        vectors = best_view_vectors(store, store.dense(query.vector))
        confidence = self.confidence.probability(confidence_features(x, scores, vectors))
        capped = (x[:, INDEX["no_meaning"]] > 0) | (x[:, INDEX["unknown_need"]] > 0)
        cap = CAP_BELOW_THRESHOLD * self.threshold
        return x, scores, np.where(capped, np.minimum(confidence, cap), confidence)

    def rank(self, store: ShopKnowledge, query: Query, candidates: Sequence[int] | None = None,
             k: int = 5) -> list[SearchHit]:
        if not store.items:
            return []
        x, scores, confidence = self.score(store, query)
        pool = np.arange(len(store.items)) if candidates is None else np.asarray(sorted(set(candidates)), dtype=int)
        if len(pool) == 0:
            return []
        order = pool[np.argsort(-scores[pool], kind="stable")][:k]
        dense = store.dense(query.vector)
        hits: list[SearchHit] = []
        for item_index in order:
            view_id = store.best_view(dense, int(item_index))
            row = x[item_index]
            hits.append(SearchHit(
                item=store.items[int(item_index)],
                score=float(np.clip(confidence[item_index], 0.0, 1.0)),
                lexical=float(row[INDEX["lex_view"]]),
                vector=float(row[INDEX["dense_best"]]),
                raw=float(scores[item_index]),
                features=[round(float(v), 4) for v in row],
                matched_question=store.views[view_id].text if view_id >= 0 else None,
            ))
        return hits
