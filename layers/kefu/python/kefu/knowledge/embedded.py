"""The embedded knowledge index: hybrid lexical + vector matching inside the process.

Each item is seen through several *views* (its title, each question variant,
each sentence of its answer). The lexical leg measures how much of the
buyer's question a view covers (IDF-weighted features); the vector leg is the
cosine of hashed feature vectors. Both are fused per view; an item scores as
its best view; the fused score is mapped to a calibrated confidence.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import jieba
import numpy as np

from kefu.knowledge.embedder import HashingEmbedder
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot, SearchHit
from kefu.understanding import signals
from kefu.understanding.features import FAMILY_WEIGHTS, ConceptTable, Featurizer, family, stated_answer_types
from kefu.understanding.lexicon import load_data
from kefu.understanding.normalize import Normalizer

_SENTENCE_SPLIT = re.compile(r"[\n。；;！!？?]+")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE_END = re.compile(r"[\s,，。.!！?？~～;；]")
# How far after 送不送 / 有没有卖 the asked-about thing is looked for.
OBJECT_CHARS = 6

# How much a view kind can be trusted to stand for the item.
VIEW_WEIGHTS = {"question": 1.0, "title": 0.8, "sentence": 0.9}
LEXICAL_SHARE = 0.8
ITEM_SHARE = 0.6
CONTEXT_DISCOUNT = 0.4
# Without a fitted model (kefu/data/calibration.json, see benchmarks/calibrate.py): a plain logistic curve.
FALLBACK_SLOPE = 6.0
# A buyer need (concept) the shop's knowledge never mentions caps the confidence: the shop cannot answer it.
UNKNOWN_NEED_CAP = 0.25
# Feature families that carry meaning (words, needs, numbers, asked kinds of value, and the character pairs inside
# the question's words), as opposed to the character and pinyin typo net; an item sharing none of them with the
# question is capped at NO_MEANING_CAP.
MEANING_FAMILIES = frozenset({"w", "k", "n", "a"})
NO_MEANING_CAP = 0.4
# An item whose answer states no value of the kind the question asks for (多久 → no duration in it, 多少钱 → no
# price) does not answer it, however many words it shares: its score is scaled down by this factor.
ANSWER_TYPE_MISS = 0.75
# An item that touches many needs (a page's 发货与售后 block: shipping, freight, returns, refunds …) shares a concept
# with almost any question; beyond HUB_CONCEPTS needs its score is damped, so a focused item on the need wins.
HUB_CONCEPTS = 8
HUB_SLOPE = 0.05


@dataclass(frozen=True)
class _View:
    item_index: int
    kind: str
    text: str


def calibrate(raw: float) -> float:
    """Confidence from the fused score alone (pair similarity and the OpenSearch re-scorer)."""
    return confidence(HitFeatures(raw, 0.0, 0.0, 0.0, 0.0))


@dataclass(frozen=True)
class HitFeatures:
    raw: float
    lexical: float
    vector: float
    item_coverage: float
    margin: float

    def as_list(self) -> list[float]:
        return [self.raw, self.lexical, self.vector, self.item_coverage, self.margin]


@lru_cache(maxsize=1)
def _calibration() -> tuple[list[float], float] | None:
    """Logistic weights over HitFeatures, fit by benchmarks/calibrate.py on our own paraphrase sets."""
    try:
        data = load_data("calibration.json")
    except FileNotFoundError:
        return None
    return [float(w) for w in data["weights"]], float(data["bias"])


def confidence(features: HitFeatures) -> float:
    """P(the item answers the question), from the fitted logistic model; falls back to the fused score alone."""
    fitted = _calibration()
    weights, bias = fitted if fitted is not None else ([FALLBACK_SLOPE, 0.0, 0.0, 0.0, 0.0], -FALLBACK_SLOPE * 0.2)
    z = bias + sum(w * x for w, x in zip(weights, features.as_list(), strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class EmbeddedIndex:
    def __init__(
        self,
        snapshot: KnowledgeSnapshot,
        normalizer: Normalizer | None = None,
        featurizer: Featurizer | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._items = list(snapshot.items)
        self.normalizer = normalizer or Normalizer()
        concepts = ConceptTable.load(snapshot.shop.model_extra.get("concepts") if snapshot.shop.model_extra else None)
        self.featurizer = featurizer or Featurizer(concepts)
        self._views: list[_View] = []
        for index, item in enumerate(self._items):
            self._views.append(_View(index, "title", self.normalizer.normalize(item.title).text))
            for question in item.questions:
                self._views.append(_View(index, "question", self.normalizer.normalize(question).text))
            for sentence in _SENTENCE_SPLIT.split(item.answer):
                text = self.normalizer.normalize(sentence).text
                if len(text) >= 4:
                    self._views.append(_View(index, "sentence", text))
        view_features = [self.featurizer.features(view.text) for view in self._views]
        document_frequency: dict[str, int] = defaultdict(int)
        for features in view_features:
            for feature in features:
                document_frequency[feature] += 1
        total = len(self._views) + 1
        self._idf = {f: math.log(total / (1 + df)) + 1.0 for f, df in document_frequency.items()}
        # A query feature the shop never uses is mostly the buyer's own filler (姐妹们都说, 具体): weigh it like a
        # middling feature, not like the rarest one. Needs the shop cannot serve are caught by unknown_needs().
        known = sorted(self._idf.values())
        self._unknown_idf = known[len(known) // 2] if known else 1.0
        self._item_states = [stated_answer_types(self.normalizer.normalize(item.answer).text) for item in self._items]
        self._item_features: list[set[str]] = [set() for _ in self._items]
        for view, features in zip(self._views, view_features, strict=True):
            self._item_features[view.item_index].update(features)
        self._postings: dict[str, list[int]] = defaultdict(list)
        for view_id, features in enumerate(view_features):
            for feature in features:
                self._postings[feature].append(view_id)
        self.embedder = HashingEmbedder(
            featurizer=self.featurizer, normalizer=self.normalizer, idf=self._idf, default_idf=self._unknown_idf
        )
        self._matrix = (
            np.vstack([self.embedder.vector(view.text) for view in self._views])
            if self._views
            else np.zeros((0, self.embedder.dimension), dtype=np.float32)
        )
        self._view_items = np.array([view.item_index for view in self._views], dtype=np.int32)
        self._view_weights = np.array([VIEW_WEIGHTS[view.kind] for view in self._views], dtype=np.float32)
        self._item_focus = [
            1.0 / (1.0 + HUB_SLOPE * max(0, sum(f.startswith("k:") for f in features) - HUB_CONCEPTS))
            for features in self._item_features
        ]
        self._known_concepts: set[str] = set()
        for features in view_features:
            self._known_concepts.update(f[2:] for f in features if f.startswith("k:"))

    @property
    def version(self) -> str:
        return self._snapshot.version

    def items(self) -> list[KnowledgeItem]:
        return list(self._items)

    def unknown_needs(self, normalized_query: str) -> set[str]:
        """Services the buyer asks about (门店, 海外, 批发 …) that the shop's knowledge never mentions, and things
        the buyer asks the shop to include or sell (送不送挂绳) that its knowledge never names."""
        asked = self.featurizer.concepts_of(normalized_query) & self.featurizer.concepts.scope
        return (asked - self._known_concepts) | self._unknown_objects(normalized_query)

    def _unknown_objects(self, text: str) -> set[str]:
        unknown: set[str] = set()
        for match in signals.finditer("asks_about_object", text):
            # The thing asked about: the words that follow, up to the end of the clause (有没有卖手机支架的).
            span = _CLAUSE_END.split(text[match.end():match.end() + OBJECT_CHARS], maxsplit=1)[0]
            for word in jieba.lcut(span):
                if len(word) < 2 or word in self.featurizer.stopwords or not _HAN.fullmatch(word):
                    continue
                if f"w:{word}" in self._idf or any(f"b:{a}{b}" in self._idf for a, b in itertools.pairwise(word)):
                    continue
                unknown.add(f"object:{word}")
        return unknown

    def search(self, query: str, goods_id: str | None = None, k: int = 5) -> list[SearchHit]:
        return self.search_normalized(self.normalizer.normalize(query).text, goods_id, k)

    def similarity(self, normalized_a: str, normalized_b: str) -> float:
        """The same fused similarity the retriever uses, between a question and one known question."""
        coverage = self._coverage(self.featurizer.features(normalized_a), self.featurizer.features(normalized_b))
        cosine = float(self.embedder.vector(normalized_a) @ self.embedder.vector(normalized_b))
        return calibrate(LEXICAL_SHARE * coverage + (1 - LEXICAL_SHARE) * max(cosine, 0.0))

    def _weight(self, feature: str) -> float:
        return FAMILY_WEIGHTS[family(feature)] * self._idf.get(feature, self._unknown_idf)

    def _coverage(self, query: dict[str, int], view: dict[str, int]) -> float:
        total = sum(self._weight(f) for f in query)
        return sum(self._weight(f) for f in query if f in view) / total if total else 0.0

    def search_normalized(
        self, text: str, goods_id: str | None = None, k: int = 5, context: str | None = None,
        own_meaning: bool = False,
    ) -> list[SearchHit]:
        """Search an already normalised question; ``context`` (the previous need, for follow-ups such as
        那西藏呢) fills in what the question leaves out, at a discount so the question's own words lead.
        ``own_meaning``: an item must share meaning with the question itself even with a context (a follow-up
        guessed without 那/呢)."""
        if not self._views or not text:
            return []
        query = self.featurizer.features(text)
        weights = {feature: self._weight(feature) for feature in query}
        query_vector = self.embedder.vector(text)
        if context:
            for feature in self.featurizer.features(context):
                weights.setdefault(feature, CONTEXT_DISCOUNT * self._weight(feature))
            query_vector = query_vector + CONTEXT_DISCOUNT * self.embedder.vector(context)
            query_vector /= float(np.linalg.norm(query_vector)) or 1.0
        total = sum(weights.values()) or 1.0
        covered = np.zeros(len(self._views), dtype=np.float32)
        for feature, weight in weights.items():
            postings = self._postings.get(feature)
            if postings:
                covered[postings] += weight
        lexical = covered / total
        cosine = np.clip(self._matrix @ query_vector, 0.0, 1.0)
        fused = (LEXICAL_SHARE * lexical + (1 - LEXICAL_SHARE) * cosine) * self._view_weights
        best: dict[int, int] = {}
        for view_id in np.argsort(-fused)[: max(k * 8, 40)]:
            item_index = int(self._view_items[view_id])
            if item_index not in best:
                best[item_index] = int(view_id)
        cap = UNKNOWN_NEED_CAP if self.unknown_needs(text) else 1.0
        asked = self.featurizer.asked_answer_types(text)
        scored: list[tuple[float, float, int, int]] = []
        for item_index, view_id in best.items():
            item = self._items[item_index]
            # The best single view may match only half the question (多久 in a title); the item as a whole
            # should cover all of it (多久 and 洗头).
            item_coverage = sum(w for f, w in weights.items() if f in self._item_features[item_index]) / total
            raw = (ITEM_SHARE * item_coverage + (1 - ITEM_SHARE) * float(fused[view_id])
                   + _goods_adjustment(item, goods_id))
            if asked - self._item_states[item_index]:
                raw *= ANSWER_TYPE_MISS
            raw *= self._item_focus[item_index]
            scored.append((raw, item_coverage, item_index, view_id))
        scored.sort(key=lambda entry: -entry[0])
        hits: list[SearchHit] = []
        meaningful = {f for f in query if family(f) in MEANING_FAMILIES}
        # A word the two texts cut differently (贴歪 / 贴歪了) still shares its character pairs.
        meaningful |= {f"b:{a}{b}" for f in query if family(f) == "w" for a, b in itertools.pairwise(f[2:])}
        for rank, (raw, item_coverage, item_index, view_id) in enumerate(scored[:k]):
            # How far ahead of the best other item: an answer that barely beats another is a guess.
            rival = scored[1][0] if rank == 0 and len(scored) > 1 else scored[0][0]
            features = HitFeatures(raw, float(lexical[view_id]), float(cosine[view_id]), item_coverage, raw - rival)
            # An item that shares no word, need or number with the question met it through characters and sounds
            # alone (老板是谁, 有没有情侣款): a typo net, not an answer, unless the previous need fills the gap.
            # A guessed follow-up must share a word or need of its own, not just the kind of value it asks for.
            own = {f for f in meaningful if family(f) != "a"} if own_meaning else meaningful
            shares = own & self._item_features[item_index] or (context and not own_meaning)
            item_cap = cap if shares else min(cap, NO_MEANING_CAP)
            hits.append(
                SearchHit(
                    item=self._items[item_index],
                    score=min(item_cap, confidence(features)),
                    lexical=features.lexical,
                    vector=features.vector,
                    raw=raw,
                    features=features.as_list(),
                    matched_question=self._views[view_id].text,
                )
            )
        hits.sort(key=lambda hit: -hit.score)
        return hits


def _goods_adjustment(item: KnowledgeItem, goods_id: str | None) -> float:
    """Prefer the product the chat was opened from; a shop-wide item is neutral."""
    if item.goods_id is None or goods_id is None:
        return 0.0
    if item.goods_id == goods_id:
        return 0.03
    # Product texts and answers mined from chats about one product speak of that product only.
    return -0.06 if item.kind in (ItemKind.PRODUCT_FACT, ItemKind.PRODUCT_SECTION, ItemKind.MINED_QA) else 0.0
