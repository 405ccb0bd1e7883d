"""Teach the official knowledge how buyers ask, from the shop's own chat history.

Every learnable question/answer pair in the logs (asked once or often) is aligned
through the agent's answer to the rule section or product text that says the same
thing; the buyer's question then becomes a question variant of that item. Only the
question is kept (masked): the item's own text stays the answer, so a clumsy agent
answer can teach phrasing but never content.
"""

from __future__ import annotations

from collections import defaultdict

from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.shop import ShopConfig

MIN_ALIGNMENT = 0.45  # raw fused score of the agent's answer against the item
MIN_MARGIN = 0.04  # ahead of the next item from another section, or the alignment is ambiguous
MAX_PER_ITEM = 12
OFFICIAL = (ItemKind.RULE_SECTION, ItemKind.PRODUCT_SECTION, ItemKind.PRODUCT_FACT)


def align(shop: ShopConfig, items: list[KnowledgeItem], pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """item_id → buyer questions whose agent answer this item supports."""
    from kefu.knowledge.embedded import EmbeddedIndex

    official = [item for item in items if item.kind in OFFICIAL]
    if not official or not pairs:
        return {}
    index = EmbeddedIndex(KnowledgeSnapshot(shop_id=shop.shop_id, version="align", shop=shop, items=official))
    attached: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for question, answer in pairs:
        hits = index.search(answer, k=3)
        if not hits or hits[0].raw < MIN_ALIGNMENT:
            continue
        top = hits[0]
        rival = next((h for h in hits[1:] if h.item.source.split("#")[0] != top.item.source.split("#")[0]
                      or h.item.kind != top.item.kind), None)
        if rival is not None and top.raw - rival.raw < MIN_MARGIN:
            continue
        key = (top.item.item_id, question.strip())
        if key in seen or len(attached[top.item.item_id]) >= MAX_PER_ITEM:
            continue
        seen.add(key)
        attached[top.item.item_id].append(question.strip())
    return dict(attached)


def apply(items: list[KnowledgeItem], paraphrases: dict[str, list[str]]) -> list[KnowledgeItem]:
    out: list[KnowledgeItem] = []
    for item in items:
        extra = [q for q in paraphrases.get(item.item_id, []) if q not in item.questions]
        out.append(item.model_copy(update={"questions": [*item.questions, *extra]}) if extra else item)
    return out
