"""Pair similarity for `kefu match`: the retriever's own question-to-question similarity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kefu.knowledge.embedded import EmbeddedIndex
from kefu.models.knowledge import KnowledgeSnapshot
from kefu.models.shop import ShopConfig


def pair_scorer(shop_dir: Path | None = None) -> Callable[[str, str], float]:
    if shop_dir is not None:
        from kefu.knowledge.learn import learn_bundle

        snapshot = learn_bundle(shop_dir).snapshot
    else:
        snapshot = KnowledgeSnapshot(shop_id="none", version="none", shop=ShopConfig(shop_id="none", shop_name="-"),
                                     items=[])
    index = EmbeddedIndex(snapshot)

    def score(a: str, b: str) -> float:
        return index.similarity(index.normalizer.normalize(a).text, index.normalizer.normalize(b).text)

    return score
