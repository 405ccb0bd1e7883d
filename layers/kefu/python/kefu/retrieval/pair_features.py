"""What the ranker knows about one (question, item) pair: dense, lexical, sound, need and shape features.

Computed for every item of the shop at once (a few hundred items, one matrix-vector product), from the store
alone, so a candidate scores the same whichever retriever found it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from kefu.knowledge.views import ViewKind
from kefu.models.knowledge import ItemKind
from kefu.retrieval.query import Query
from kefu.retrieval.store import ShopKnowledge
from kefu.understanding.features import family

# Families that carry meaning (words, needs, numbers, asked kinds of value), as opposed to the character and
# pinyin typo net.
MEANING_FAMILIES = frozenset({"w", "k", "n", "a"})

FEATURE_NAMES: tuple[str, ...] = (
    "dense_best",  # best cosine over the item's views
    "dense_title",
    "dense_question",  # best cosine over its question variants (0 without any)
    "has_questions",
    "dense_sentence",
    "dense_second",  # the item's second-best sentence (a whole item about the question, not one lucky line)
    "log_views",  # how many views the item has: the best of many views is high by chance alone
    "dense_gap",  # dense_best minus the best item's
    "dense_top",  # 1 for the item with the best dense_best
    "lex_view",  # best single view's weighted share of the question's features
    "lex_item",  # the whole item's share
    "lex_gap",
    "meaning_item",  # share of the question's meaning features (words, needs, numbers, kinds) the item has
    "sound_item",  # share of its pinyin pairs (homophone typos)
    "concept_share",  # share of the question's needs the item names
    "concept_none",  # the question names needs and the item none of them
    "type_miss",  # the question asks a kind of value (多久, 多少钱) the item never states
    "goods_same",
    "goods_other",  # the item speaks of another product than the one the buyer is on
    "names_target",  # the item's text names the product the question is about
    "names_other_only",  # it names other products and not that one
    "kind_rule",
    "kind_fact",
    "kind_section",
    "kind_mined",
    "hub",  # the item touches many needs (a catch-all block)
    "unknown_need",  # the question asks for a service or thing the shop never mentions
    "no_meaning",  # the item shares no word, need or number with the question itself
    "followup",
    "question_chars",
    "dense_x_lex",
)
INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def item_share(store: ShopKnowledge, weights: dict[str, float]) -> np.ndarray:
    """Per item: the weighted share of ``weights`` whose features occur anywhere in the item."""
    out = np.zeros(len(store.items), dtype=np.float32)
    total = sum(weights.values())
    if not total:
        return out
    for feature, weight in weights.items():
        postings = store.postings.get(feature)
        if postings:
            out[np.unique(store.view_items[postings])] += weight
    return out / total


def pair_features(store: ShopKnowledge, query: Query) -> np.ndarray:
    """Rows = the shop's items (store order), columns = FEATURE_NAMES."""
    n = len(store.items)
    x = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0 or not store.views:
        return x
    dense = store.dense(query.vector)
    best = store.per_item_max(dense)
    x[:, INDEX["dense_best"]] = best
    x[:, INDEX["dense_title"]] = store.per_item_max(dense, ViewKind.TITLE)
    x[:, INDEX["dense_question"]] = store.per_item_max(dense, ViewKind.QUESTION)
    x[:, INDEX["has_questions"]] = [1.0 if item.questions else 0.0 for item in store.items]
    sentence_best = store.per_item_max(dense, ViewKind.SENTENCE)
    x[:, INDEX["dense_sentence"]] = sentence_best
    x[:, INDEX["dense_second"]] = store.per_item_second(dense, ViewKind.SENTENCE)
    x[:, INDEX["log_views"]] = np.log1p(store.item_view_counts)
    x[:, INDEX["dense_gap"]] = best - best.max()
    x[int(np.argmax(best)), INDEX["dense_top"]] = 1.0

    lexical = store.lexical(query.weights)
    x[:, INDEX["lex_view"]] = store.per_item_max(lexical)
    lex_item = item_share(store, query.weights)
    x[:, INDEX["lex_item"]] = lex_item
    x[:, INDEX["lex_gap"]] = lex_item - lex_item.max()
    own = {f: store.weight(f) for f in query.features}
    meaning = {f: w for f, w in own.items() if family(f) in MEANING_FAMILIES}
    x[:, INDEX["meaning_item"]] = item_share(store, meaning)
    x[:, INDEX["sound_item"]] = item_share(store, {f: w for f, w in own.items() if family(f) == "p"})
    concepts = {f: 1.0 for f in query.features if family(f) == "k"}
    if concepts:
        share = item_share(store, concepts)
        x[:, INDEX["concept_share"]] = share
        x[:, INDEX["concept_none"]] = (share == 0).astype(np.float32)
    if query.asked_types:
        x[:, INDEX["type_miss"]] = [1.0 if query.asked_types - states else 0.0 for states in store.item_states]
    if query.goods_id:
        for i, item in enumerate(store.items):
            if item.goods_id == query.goods_id:
                x[i, INDEX["goods_same"]] = 1.0
            elif item.goods_id is not None:
                x[i, INDEX["goods_other"]] = 1.0
    if query.products:
        for i, named in enumerate(store.item_products):
            if named & query.products:
                x[i, INDEX["names_target"]] = 1.0
            elif named:
                x[i, INDEX["names_other_only"]] = 1.0
    kinds = {ItemKind.RULE_SECTION: "kind_rule", ItemKind.PRODUCT_FACT: "kind_fact",
             ItemKind.PRODUCT_SECTION: "kind_section", ItemKind.MINED_QA: "kind_mined",
             # A taught answer has a mined one's shape: buyers' questions and a human's answer.
             ItemKind.TAUGHT_QA: "kind_mined"}
    for i, item in enumerate(store.items):
        x[i, INDEX[kinds[item.kind]]] = 1.0
    x[:, INDEX["hub"]] = 1.0 - store.item_focus
    x[:, INDEX["unknown_need"]] = 1.0 if query.unknown else 0.0
    # A word the two texts cut differently (贴歪 / 贴歪了) still shares its character pairs.
    sharing = set(meaning) | {f"b:{a}{b}" for f in query.features if family(f) == "w" for a, b in
                              itertools.pairwise(f[2:])}
    if query.own_meaning:
        sharing = {f for f in sharing if family(f) != "a"}
    elif query.context:  # an elliptical follow-up (那西藏呢) shares its meaning through the previous need
        sharing |= {f for f in query.weights if family(f) in MEANING_FAMILIES}
    shares = np.zeros(n, dtype=bool)
    for feature in sharing:
        postings = store.postings.get(feature)
        if postings:
            shares[np.unique(store.view_items[postings])] = True
    x[:, INDEX["no_meaning"]] = (~shares).astype(np.float32)
    x[:, INDEX["followup"]] = 1.0 if query.context else 0.0
    x[:, INDEX["question_chars"]] = math.log1p(len(query.text)) / 4.0
    x[:, INDEX["dense_x_lex"]] = best * lex_item
    return x
