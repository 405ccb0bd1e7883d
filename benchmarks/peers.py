#!/usr/bin/env python3
"""kefu against three peers on the same cases, knowledge, reception pipeline and grader.

Peers (benchmark code, not product code) replace only how the knowledge is searched:
1. keyword rules: the platform back-office's 关键词自动回复; each learned item's title words are its keywords, the
   first item whose keyword occurs in the message answers; no hit hands over.
2. BM25 over jieba tokens of each item (title + questions + answer).
3. naive dense: the same bge-small-zh encoder kefu uses, cosine of the message with each item's best view.
The best hit's whole text is the reply. BM25's and the dense bot's answer-or-hand-off thresholds are the best ones
for them on these very cases (an upper bound for the peer). Understanding, handoff rules (human request, emotion,
after-sale, media) and the grader are the same for every system, so the comparison isolates retrieval, ranking and
the choice of passage. Run:  python benchmarks/peers.py [--shop examples/shops/shoes ...]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import jieba
import numpy as np
from kefu_dev.evaluation.grade import facts_present, grade
from kefu_dev.evaluation.replay import Replayer, load_cases, load_orders
from kefu_dev.evaluation.suite import case_files
from rank_bm25 import BM25Okapi

from kefu.answering.offline_composer import OfflineComposer
from kefu.knowledge.learn import learn_bundle
from kefu.knowledge.views import clean_line
from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.decision import Action
from kefu.models.knowledge import KnowledgeItem, KnowledgeSnapshot, Passage, SearchHit
from kefu.reception.brain import ShopBrain
from kefu.retrieval.query import Query
from kefu.retrieval.search import KnowledgeSearch
from kefu.understanding.features import stopwords

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHOPS = ["hair-dye", "shoes", "fruit", "kitchen", "pets"]
Ranked = list[tuple[float, KnowledgeItem]]


def keyword_rules(items: list[KnowledgeItem]) -> Callable[[str], Ranked]:
    stop = stopwords()
    rules = [(item, [w for w in jieba.lcut(item.title.split("·")[-1]) if len(w) >= 2 and w not in stop])
             for item in items]

    def rank(text: str) -> Ranked:
        return [(1.0, item) for item, words in rules if any(word in text for word in words)][:1]
    return rank


def bm25(items: list[KnowledgeItem]) -> Callable[[str], Ranked]:
    stop = stopwords()

    def tokens(text: str) -> list[str]:
        return [w for w in jieba.lcut(text) if w.strip() and w not in stop]
    index = BM25Okapi([tokens(item.search_text()) for item in items])

    def rank(text: str) -> Ranked:
        scores = index.get_scores(tokens(text))
        return sorted(zip((float(s) for s in scores), items, strict=True), key=lambda pair: -pair[0])
    return rank


def naive_dense(search: KnowledgeSearch) -> Callable[[str], Ranked]:
    store = search.store
    items = list(store.items)
    owners, vectors = store.view_items, store.matrix

    def rank(text: str) -> Ranked:
        cosines = vectors @ search.encode([text])[0]
        best = np.full(len(items), -1.0)
        np.maximum.at(best, owners, cosines)
        return sorted(zip((float(s) for s in best), items, strict=True), key=lambda pair: -pair[0])
    return rank


class PeerKnowledge(KnowledgeSearch):
    """kefu's knowledge door with the search swapped for a peer's: above its threshold the best hit answers."""

    def __init__(self, snapshot: KnowledgeSnapshot, make: Callable[[KnowledgeSearch], Callable[[str], Ranked]],
                 threshold: float = float("-inf")) -> None:
        super().__init__(snapshot)
        self.rank = make(self)
        self.cut = threshold

    def search(self, query: Query, k: int = 5) -> list[SearchHit]:
        ranked = self.rank(query.text)
        if not ranked or ranked[0][0] < self.cut:
            return []
        item = ranked[0][1]
        whole = "".join(clean_line(line) for line in item.answer.splitlines()) or item.title
        return [SearchHit(item=item, score=1.0, passages=[Passage(text=whole, score=1.0)])]

    def unknown_needs(self, normalized_query: str) -> set[str]:
        return set()


def best_threshold(rank: Callable[[str], Ranked], knowledge: KnowledgeSearch, cases: list[EvalCase]) -> float:
    """The cut that maximises (right answers - wrong answers) of the peer's top hit on these cases."""
    scored: list[tuple[float, int]] = []
    for case in cases:
        for turn in case.turns:
            if turn.type != "text":
                continue
            ranked = rank(knowledge.normalizer.normalize(turn.text).text)
            if not ranked:
                continue
            score, item = ranked[0]
            good = turn.expect.action == Action.ANSWER and facts_present(item.answer, turn.expect.facts)
            scored.append((score, 1 if good else -1))
    cuts = sorted({s for s, _ in scored})
    return max(cuts, key=lambda cut: sum(v for s, v in scored if s >= cut), default=0.0)


def replay(snapshot: KnowledgeSnapshot, shop: Path, cases: list[EvalCase],
           knowledge: KnowledgeSearch | None = None) -> list[ReplayRecord]:
    brain = None
    if knowledge is not None:
        brain = ShopBrain(snapshot.shop, knowledge, OfflineComposer(), threshold=0.5)
    replayer = Replayer(snapshot, load_orders(shop), brain=brain)
    try:
        return replayer.run(cases)
    finally:
        replayer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shop", action="append", type=Path,
                        help="a shop bundle (repeatable; default: the five development shops with their own files)")
    args = parser.parse_args(argv)
    shops = args.shop or [REPO / "examples" / "shops" / name for name in DEFAULT_SHOPS]
    print(f"{'shop':10} {'system':14} {'accuracy':>9} {'right+short':>12} {'wrong':>7} {'h-recall':>9} "
          f"{'reply p50':>10}")
    for shop in shops:
        snapshot = learn_bundle(shop).snapshot
        cases = [case for path in case_files(shop) if path.name == "cases.jsonl" for case in load_cases(path)]
        systems: list[tuple[str, list[ReplayRecord]]] = [("kefu", replay(snapshot, shop, cases))]
        for name, make, tuned in (("keyword rules", lambda k: keyword_rules(k.items()), False),
                                  ("BM25 (jieba)", lambda k: bm25(k.items()), True),
                                  ("naive dense", naive_dense, True)):
            knowledge = PeerKnowledge(snapshot, make)
            if tuned:
                knowledge.cut = best_threshold(knowledge.rank, knowledge, cases)
            systems.append((name, replay(snapshot, shop, cases, knowledge)))
            print(f"ran {name} on {shop.name}", file=sys.stderr)
        for name, records in systems:
            f = grade(cases, records).figures()
            print(f"{shop.name:10} {name:14} {f['answer_accuracy']:9.1%} {f['focused_accuracy']:12.1%} "
                  f"{f['wrong_answer_rate']:7.1%} {f['handoff_recall']:9.1%} {f['reply_chars_median']:10.0f}")
    print("handoff rules and understanding are shared; BM25's and the dense bot's thresholds are tuned on these "
          "cases (an upper bound for them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
