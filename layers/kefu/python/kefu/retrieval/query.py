"""A buyer's question as the retrievers and the ranker see it: features, weights, encoder vector, asked kinds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kefu.retrieval.store import ShopKnowledge

# A follow-up's previous need (那西藏呢 after 包邮吗) fills in what the question leaves out, at a discount so the
# question's own words lead.
CONTEXT_DISCOUNT = 0.4


@dataclass
class Query:
    text: str  # normalised question
    goods_id: str | None
    context: str | None  # the previous need, for a follow-up
    own_meaning: bool  # a guessed follow-up must still share meaning of its own with its answer
    features: Counter[str]  # of the text itself
    weights: dict[str, float]  # feature → weight, the context's features discounted
    vector: np.ndarray
    asked_types: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)  # goods ids the question is about (named, or the page's)

    @property
    def matching_text(self) -> str:
        return f"{self.context} {self.text}" if self.context else self.text


def build_query(store: ShopKnowledge, text: str, goods_id: str | None = None, context: str | None = None,
                own_meaning: bool = False, vector: np.ndarray | None = None) -> Query:
    features = store.featurizer.features(text)
    weights = {feature: store.weight(feature) for feature in features}
    if context:
        for feature in store.featurizer.features(context):
            weights.setdefault(feature, CONTEXT_DISCOUNT * store.weight(feature))
    matching = f"{context} {text}" if context else text
    if vector is None:
        vector = store.encode([matching])[0]
    return Query(
        text=text,
        goods_id=goods_id,
        context=context,
        own_meaning=own_meaning,
        features=features,
        weights=weights,
        vector=vector,
        asked_types=store.featurizer.asked_answer_types(text),
        unknown=store.unknown_needs(text),
        products=store.target_products(matching, goods_id),
    )
