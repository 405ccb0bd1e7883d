"""The passage picker: which sentences of a retrieved item answer *this* question.

A buyer asking 要捂多久 wants the sentence with the duration, not the whole usage section. Each sentence of the
item is scored by a learned logistic model (training/train_passages.py) over its encoder cosine with the question,
its lexical and need overlap, whether it states the kind of value asked (a duration, a price), and its place in
the answer; the composer quotes the best ones.
"""

from __future__ import annotations

import math

import numpy as np

from kefu.knowledge.views import ViewKind
from kefu.models.knowledge import Passage
from kefu.retrieval.linear import LogisticModel, load_model
from kefu.retrieval.pair_features import MEANING_FAMILIES
from kefu.retrieval.query import Query
from kefu.retrieval.store import ShopKnowledge
from kefu.understanding.features import family, stated_answer_types

MODEL_NAME = "passages"
PASSAGE_FEATURES: tuple[str, ...] = (
    "cosine",  # with the question (and the previous need of a follow-up)
    "cosine_gap",  # minus the item's best sentence
    "cosine_top",  # 1 for the item's best sentence
    "lexical",  # weighted share of the question's features in the sentence
    "meaning",  # share of its words, needs and numbers
    "type_match",  # the sentence states a kind of value the question asks for
    "type_miss",  # the question asks a kind of value the sentence does not state
    "states_value",  # the sentence states a duration or a price at all
    "first",  # the answer's first sentence
    "position",  # log place in the answer
    "chars",  # log length
    "single",  # the item has only this sentence
    "names_target",  # names the product the question is about
    "names_other_only",  # names other products, not that one
)


class PassagePicker:
    def __init__(self, model: LogisticModel | None = None) -> None:
        self.model = (model or load_model(MODEL_NAME)).check(PASSAGE_FEATURES)

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def features(self, store: ShopKnowledge, query: Query, item_index: int,
                 dense: np.ndarray, lexical: np.ndarray, meaning: np.ndarray) -> tuple[list[int], np.ndarray]:
        """(sentence view ids of the item, their feature rows)."""
        ids = [int(v) for v in store.item_view_ids(item_index) if store.views[v].kind == ViewKind.SENTENCE]
        x = np.zeros((len(ids), len(PASSAGE_FEATURES)), dtype=np.float32)
        if not ids:
            return ids, x
        cosines = dense[ids]
        best = float(cosines.max())
        for row, view_id in enumerate(ids):
            view = store.views[view_id]
            states = stated_answer_types(view.text)
            named = store.view_products[view_id]
            x[row] = (
                cosines[row],
                cosines[row] - best,
                1.0 if cosines[row] >= best else 0.0,
                lexical[view_id],
                meaning[view_id],
                1.0 if query.asked_types & states else 0.0,
                1.0 if query.asked_types - states else 0.0,
                1.0 if states else 0.0,
                1.0 if row == 0 else 0.0,
                math.log1p(row),
                math.log1p(len(view.raw)) / 5.0,
                1.0 if len(ids) == 1 else 0.0,
                1.0 if named & query.products else 0.0,
                1.0 if named and not named & query.products else 0.0,
            )
        return ids, x

    def passages(self, store: ShopKnowledge, query: Query, items: list[int]) -> list[list[Passage]]:
        """For each item index: its sentences as passages, best first."""
        dense = store.dense(query.vector)
        lexical = store.lexical(query.weights)
        meaning = store.lexical({f: w for f, w in query.weights.items() if family(f) in MEANING_FAMILIES})
        out: list[list[Passage]] = []
        for item_index in items:
            ids, x = self.features(store, query, item_index, dense, lexical, meaning)
            if not ids:
                out.append([])
                continue
            probability = self.model.probability(x)
            passages = [Passage(text=store.views[v].raw, score=float(np.clip(p, 0.0, 1.0)), position=row)
                        for row, (v, p) in enumerate(zip(ids, probability, strict=True))]
            out.append(sorted(passages, key=lambda passage: -passage.score))
        return out
