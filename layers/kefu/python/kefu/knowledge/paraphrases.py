"""Teach the official knowledge how buyers ask, from the shop's own chat history.

Every learnable question/answer pair in the logs (asked once or often) is aligned
through the agent's answer to the rule section or product text that says the same
thing; the buyer's question then becomes a question variant of that item. Only the
question is kept (masked): the item's own text stays the answer, so a clumsy agent
answer can teach phrasing but never content.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from kefu.knowledge.vectors import SentenceEncoder
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.shop import ShopConfig

# The agent's answer against the item: the share of its features the item has, blended with the encoder cosine.
MIN_ALIGNMENT = 0.55
MIN_MARGIN = 0.04  # ahead of the next item from another section, or the alignment is ambiguous
LEXICAL_SHARE = 0.5
MAX_PER_ITEM = 12
OFFICIAL = (ItemKind.RULE_SECTION, ItemKind.PRODUCT_SECTION, ItemKind.PRODUCT_FACT)


def align(shop: ShopConfig, items: list[KnowledgeItem], pairs: list[tuple[str, str]],
          encoder: SentenceEncoder) -> dict[str, list[str]]:
    """item_id → buyer questions whose agent answer this item supports."""
    from kefu.retrieval.pair_features import item_share
    from kefu.retrieval.query import build_query
    from kefu.retrieval.store import ShopKnowledge

    official = [item for item in items if item.kind in OFFICIAL]
    if not official or not pairs:
        return {}
    store = ShopKnowledge(KnowledgeSnapshot(shop_id=shop.shop_id, version="align", shop=shop, items=official),
                          encoder)
    answers = [store.normalizer.normalize(answer).text for _, answer in pairs]
    vectors = store.encode(answers)
    attached: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for (question, _), answer, vector in zip(pairs, answers, vectors, strict=True):
        if not answer:
            continue
        query = build_query(store, answer, vector=vector)
        score = (LEXICAL_SHARE * item_share(store, query.weights)
                 + (1 - LEXICAL_SHARE) * store.per_item_max(store.dense(vector)))
        order = np.argsort(-score)
        top = store.items[int(order[0])]
        if score[order[0]] < MIN_ALIGNMENT:
            continue
        rival = next((int(i) for i in order[1:4] if store.items[int(i)].source.split("#")[0] != top.source.split("#")[0]
                      or store.items[int(i)].kind != top.kind), None)
        if rival is not None and score[order[0]] - score[rival] < MIN_MARGIN:
            continue
        key = (top.item_id, question.strip())
        if key in seen or len(attached[top.item_id]) >= MAX_PER_ITEM:
            continue
        seen.add(key)
        attached[top.item_id].append(question.strip())
    return dict(attached)


def apply(items: list[KnowledgeItem], paraphrases: dict[str, list[str]]) -> list[KnowledgeItem]:
    out: list[KnowledgeItem] = []
    for item in items:
        extra = [q for q in paraphrases.get(item.item_id, []) if q not in item.questions]
        out.append(item.model_copy(update={"questions": [*item.questions, *extra]}) if extra else item)
    return out
