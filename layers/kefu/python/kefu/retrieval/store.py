"""One shop's knowledge, ready to be matched: every view with its features and encoder vector, the shop's IDF.

Built once per snapshot (cold start, or a new version). Retrievers find candidates in it (or in OpenSearch), and
the ranker scores every candidate from it, so that both backends rank alike.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import cast

import jieba
import numpy as np

from kefu.knowledge.vectors import SentenceEncoder, encode_texts, unpack
from kefu.knowledge.views import ViewKind, item_views
from kefu.models.knowledge import KnowledgeItem, KnowledgeSnapshot
from kefu.understanding import signals
from kefu.understanding.features import FAMILY_WEIGHTS, ConceptTable, Featurizer, family, stated_answer_types
from kefu.understanding.normalize import Normalizer

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE_END = re.compile(r"[\s,，。.!！?？~～;；]")
# How far after 送不送 / 有没有卖 the asked-about thing is looked for.
OBJECT_CHARS = 6
# An item that touches many needs (a page's 发货与售后 block) shares a concept with almost any question.
HUB_CONCEPTS = 8
HUB_SLOPE = 0.05
VIEW_KINDS = (ViewKind.TITLE, ViewKind.QUESTION, ViewKind.SENTENCE)


def _distinctive_product_words(items: list[KnowledgeItem]) -> dict[str, set[str]]:
    """goods id → the words (2+ characters) of its short name that no other product's name contains."""
    names: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.goods_id and item.title.strip():
            names[item.goods_id].add(item.title.split()[0])
    words = {gid: {w for name in ns for w in jieba.lcut(name) if len(w) >= 2 and _HAN.fullmatch(w)}
             for gid, ns in names.items()}
    return {gid: {w for w in ws if not any(w in other for og, ons in names.items() if og != gid for other in ons)}
            for gid, ws in words.items()}


@dataclass(frozen=True)
class View:
    item_index: int
    kind: ViewKind
    raw: str  # as a reply may quote it
    text: str  # normalised, for matching


class ShopKnowledge:
    def __init__(self, snapshot: KnowledgeSnapshot, encoder: SentenceEncoder,
                 normalizer: Normalizer | None = None, featurizer: Featurizer | None = None) -> None:
        self.snapshot = snapshot
        self.items: list[KnowledgeItem] = list(snapshot.items)
        self.encoder = encoder
        self.normalizer = normalizer or Normalizer()
        extra = snapshot.shop.model_extra.get("concepts") if snapshot.shop.model_extra else None
        self.featurizer = featurizer or Featurizer(ConceptTable.load(extra))
        self.views: list[View] = []
        starts: list[int] = []
        for index, item in enumerate(self.items):
            starts.append(len(self.views))
            for raw in item_views(item):
                text = self.normalizer.normalize(raw.text).text
                if text:
                    self.views.append(View(index, raw.kind, raw.text, text))
        self.view_features = [self.featurizer.features(view.text) for view in self.views]
        document_frequency: dict[str, int] = defaultdict(int)
        for features in self.view_features:
            for feature in features:
                document_frequency[feature] += 1
        total = len(self.views) + 1
        self.idf = {f: math.log(total / (1 + df)) + 1.0 for f, df in document_frequency.items()}
        # A query feature the shop never uses is mostly the buyer's own filler (姐妹们都说, 具体): weigh it like a
        # middling feature, not like the rarest one. Needs the shop cannot serve are caught by unknown_needs().
        known = sorted(self.idf.values())
        self.unknown_idf = known[len(known) // 2] if known else 1.0
        self.postings: dict[str, list[int]] = defaultdict(list)
        for view_id, features in enumerate(self.view_features):
            for feature in features:
                self.postings[feature].append(view_id)
        self.item_features: list[set[str]] = [set() for _ in self.items]
        for view, features in zip(self.views, self.view_features, strict=True):
            self.item_features[view.item_index].update(features)
        self.item_states = [stated_answer_types(self.normalizer.normalize(item.answer).text) for item in self.items]
        self.item_focus = np.array([
            1.0 / (1.0 + HUB_SLOPE * max(0, sum(f.startswith("k:") for f in features) - HUB_CONCEPTS))
            for features in self.item_features
        ], dtype=np.float32)
        self.known_concepts = {f[2:] for features in self.view_features for f in features if f.startswith("k:")}
        self.view_items = np.array([view.item_index for view in self.views], dtype=np.int64)
        self.view_kinds = np.array([VIEW_KINDS.index(view.kind) for view in self.views], dtype=np.int64)
        # Items without any view (an empty title and answer) still get a slot: reduceat needs increasing starts.
        self.item_view_counts = np.bincount(self.view_items, minlength=len(self.items)) if self.views else (
            np.zeros(len(self.items), dtype=np.int64))
        self.matrix = self._vectors()
        self.product_words = _distinctive_product_words(self.items)
        self.view_products = [self.mentioned_products(view.text) for view in self.views]
        self.item_products: list[set[str]] = [set() for _ in self.items]
        for view, products in zip(self.views, self.view_products, strict=True):
            self.item_products[view.item_index] |= products

    def mentioned_products(self, text: str) -> set[str]:
        """The products (goods ids) a text names by a word of their name no other product's name has."""
        return {goods_id for goods_id, words in self.product_words.items() if any(w in text for w in words)}

    def target_products(self, text: str, goods_id: str | None) -> set[str]:
        """What a question is about: the products it names, else the one the buyer is looking at."""
        named = self.mentioned_products(text)
        return named or ({goods_id} if goods_id else set())

    def vocabulary(self) -> tuple[Counter[str], set[str]]:
        """The shop's own words (with how often its texts use them) and the Latin tokens it writes (型号, 尺码)."""
        words: Counter[str] = Counter()
        latin: set[str] = set()
        for features in self.view_features:
            for feature, count in features.items():
                if feature.startswith("w:"):
                    words[feature[2:]] += count
                elif feature.startswith("n:") and feature[2:].isalpha():
                    latin.add(feature[2:])
        return words, latin

    # -- vectors

    def _vectors(self) -> np.ndarray:
        texts = [view.text for view in self.views]
        if not texts:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        block = self.snapshot.vectors
        known = unpack(block) if block is not None and block.model_id == self.encoder.model_id else {}
        if any(text not in known for text in texts):
            known = unpack(encode_texts(self.encoder, texts, block))
        return np.vstack([known[text] for text in texts]).astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        return cast(np.ndarray, self.encoder.encode(texts))

    # -- per-view scores

    def weight(self, feature: str) -> float:
        return FAMILY_WEIGHTS[family(feature)] * self.idf.get(feature, self.unknown_idf)

    def lexical(self, weights: dict[str, float]) -> np.ndarray:
        """Per view: the weighted share of the query's features it contains."""
        total = sum(weights.values()) or 1.0
        covered = np.zeros(len(self.views), dtype=np.float32)
        for feature, weight in weights.items():
            postings = self.postings.get(feature)
            if postings:
                covered[postings] += weight
        return covered / total

    def dense(self, vector: np.ndarray) -> np.ndarray:
        """Per view: cosine with the query vector."""
        return self.matrix @ vector if len(self.views) else np.zeros(0, dtype=np.float32)

    def per_item_max(self, per_view: np.ndarray, kind: ViewKind | None = None, empty: float = 0.0) -> np.ndarray:
        """The best view of each item (of one kind, if given); ``empty`` for items without such a view."""
        out = np.full(len(self.items), -np.inf, dtype=np.float32)
        mask = np.ones(len(self.views), dtype=bool) if kind is None else self.view_kinds == VIEW_KINDS.index(kind)
        np.maximum.at(out, self.view_items[mask], per_view[mask])
        out[np.isneginf(out)] = empty
        return out

    def per_item_second(self, per_view: np.ndarray, kind: ViewKind | None = None) -> np.ndarray:
        """The second-best view of each item (of one kind); the best one's value when it has only one."""
        best = self.per_item_max(per_view, kind, empty=-np.inf)
        mask = np.ones(len(self.views), dtype=bool) if kind is None else self.view_kinds == VIEW_KINDS.index(kind)
        # Drop each item's best view once, then take the maximum of the rest.
        values = per_view.copy()
        is_best = mask & (values >= best[self.view_items])
        first_best = np.zeros(len(self.views), dtype=bool)
        seen: set[int] = set()
        for view_id in np.flatnonzero(is_best):
            item = int(self.view_items[view_id])
            if item not in seen:
                seen.add(item)
                first_best[view_id] = True
        second = self.per_item_max(np.where(first_best, -np.inf, values), kind, empty=-np.inf)
        out = np.where(np.isneginf(second), best, second)
        return np.where(np.isneginf(out), 0.0, out).astype(np.float32)

    def best_views(self, per_view: np.ndarray) -> np.ndarray:
        """Per item: the id of its best view by ``per_view`` (-1 for an item without views)."""
        out = np.full(len(self.items), -1, dtype=np.int64)
        if not len(self.views):
            return out
        order = np.lexsort((per_view, self.view_items))  # by item, then ascending value: each item's best is last
        last = np.r_[self.view_items[order][1:] != self.view_items[order][:-1], True]
        out[self.view_items[order][last]] = order[last]
        return out

    def best_view(self, per_view: np.ndarray, item_index: int) -> int:
        """The view id of the item's best view by ``per_view``."""
        ids = np.flatnonzero(self.view_items == item_index)
        return int(ids[np.argmax(per_view[ids])]) if len(ids) else -1

    def item_view_ids(self, item_index: int) -> np.ndarray:
        return np.flatnonzero(self.view_items == item_index)

    # -- needs the shop cannot serve

    def unknown_needs(self, normalized_query: str) -> set[str]:
        """Services the buyer asks about (门店, 海外, 批发 …) that the shop's knowledge never mentions, and things
        the buyer asks the shop to include or sell (送不送挂绳) that its knowledge never names."""
        asked = self.featurizer.concepts_of(normalized_query) & self.featurizer.concepts.scope
        return (asked - self.known_concepts) | self._unknown_objects(normalized_query)

    def _unknown_objects(self, text: str) -> set[str]:
        unknown: set[str] = set()
        for match in signals.finditer("asks_about_object", text):
            # The thing asked about: the words that follow, up to the end of the clause (有没有卖手机支架的).
            span = _CLAUSE_END.split(text[match.end():match.end() + OBJECT_CHARS], maxsplit=1)[0]
            for word in jieba.lcut(span):
                if len(word) < 2 or word in self.featurizer.stopwords or not _HAN.fullmatch(word):
                    continue
                if f"w:{word}" in self.idf or any(f"b:{a}{b}" in self.idf for a, b in itertools.pairwise(word)):
                    continue
                unknown.add(f"object:{word}")
        return unknown
