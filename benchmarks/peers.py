"""kefu against two peers merchants use today, on the same cases, knowledge and grader.

Peers (benchmark code, not product code):
1. keyword rules — the platform back-office's 关键词自动回复: each learned item's title words are its
   keywords; the first item whose keyword occurs in the message answers; no hit → handoff.
2. BM25 over jieba tokens of the same learned items (title + questions + answer); below a score
   threshold → handoff. The threshold is the best one for BM25 on these very cases (an upper bound).

Handoff rules (human request, emotion, after-sale, media) are the same for every system, so the
comparison isolates understanding + retrieval. Run:  python benchmarks/peers.py --shop examples/shops/hair-dye
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

from kefu.evaluation.grade import Report, grade
from kefu.evaluation.replay import Replayer, load_cases, load_orders
from kefu.knowledge.learn import learn_bundle
from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.decision import Action, HandoffReason
from kefu.models.knowledge import KnowledgeItem, KnowledgeSnapshot, SearchHit
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.understanding.features import stopwords
from kefu.understanding.normalize import Normalizer


class KeywordPeer:
    name = "keyword rules"

    def __init__(self, items: list[KnowledgeItem]) -> None:
        stop = stopwords()
        self.rules = [
            (item, [w for w in jieba.lcut(part) if len(w) >= 2 and w not in stop])
            for item in items
            for part in [item.title.split("·")[-1]]
        ]

    def search(self, text: str) -> list[SearchHit]:
        for item, keywords in self.rules:
            if any(keyword in text for keyword in keywords):
                return [SearchHit(item=item, score=1.0)]
        return []


class Bm25Peer:
    name = "BM25 (jieba)"

    def __init__(self, items: list[KnowledgeItem], threshold: float = 0.0) -> None:
        self.items = items
        self.threshold = threshold
        self.bm25 = BM25Okapi([self._tokens(item.search_text()) for item in items])

    @staticmethod
    def _tokens(text: str) -> list[str]:
        stop = stopwords()
        return [w for w in jieba.lcut(text) if w.strip() and w not in stop]

    def raw(self, text: str) -> list[tuple[float, KnowledgeItem]]:
        scores = self.bm25.get_scores(self._tokens(text))
        return sorted(zip(scores, self.items, strict=True), key=lambda pair: -pair[0])

    def search(self, text: str) -> list[SearchHit]:
        ranked = self.raw(text)
        if not ranked or ranked[0][0] < self.threshold:
            return []
        return [SearchHit(item=item, score=1.0) for _, item in ranked[:1]]


def run_peer(peer: KeywordPeer | Bm25Peer, snapshot: KnowledgeSnapshot, cases: list[EvalCase],
             orders_dir: Path) -> list[ReplayRecord]:
    """The peer replaces understanding + retrieval; the pipeline, handoff rules and grader stay the same."""
    brain = brain_from_snapshot(snapshot)
    normalizer = Normalizer()

    class PeerIndex:
        version = "peer"
        normalizer = brain.index.normalizer
        featurizer = brain.index.featurizer

        @staticmethod
        def search_normalized(
            text: str, goods_id: str | None = None, k: int = 5, context: str | None = None,
            own_meaning: bool = False,
        ) -> list[SearchHit]:
            return peer.search(text)

        @staticmethod
        def similarity(a: str, b: str) -> float:
            return 1.0 if a == b else 0.0

        @staticmethod
        def items() -> list[KnowledgeItem]:
            return snapshot.items

    # Peers see the raw message (keyword tools do not normalise dialect or typos), script-folded only.
    brain.index = PeerIndex()  # type: ignore[assignment]
    original = brain.understander.understand

    def understand_raw(raw: str, state=None):  # type: ignore[no-untyped-def]
        u = original(raw, state)
        u.query = normalizer.basic(raw)
        u.is_followup = False
        return u

    brain.understander.understand = understand_raw  # type: ignore[method-assign]
    replayer = Replayer(snapshot, load_orders(orders_dir), brain=brain)
    try:
        return replayer.run(cases)
    finally:
        replayer.close()


def colloquial_turns(cases: list[EvalCase]) -> set[tuple[str, int]]:
    """Turns whose wording differs from standard written Chinese: normalisation changed them."""
    normalizer = Normalizer()
    marked: set[tuple[str, int]] = set()
    for case in cases:
        for index, turn in enumerate(case.turns):
            if turn.type == "text" and normalizer.normalize(turn.text).text != normalizer.basic(turn.text).strip():
                marked.add((case.id, index))
    return marked


def subset_accuracy(report: Report, keys: set[tuple[str, int]]) -> tuple[int, int]:
    turns = [t for t in report.turns if (t.case_id, t.turn) in keys and t.expected == Action.ANSWER]
    return sum(t.correct for t in turns), len(turns)


def best_bm25_threshold(snapshot: KnowledgeSnapshot, cases: list[EvalCase]) -> float:
    """The threshold that maximises BM25's (correct answers - wrong answers) on these cases."""
    from kefu.evaluation.grade import facts_present

    peer = Bm25Peer(snapshot.items)
    scored: list[tuple[float, int]] = []
    for case in cases:
        for turn in case.turns:
            if turn.type != "text":
                continue
            ranked = peer.raw(Normalizer().basic(turn.text))
            top = ranked[0] if ranked else (0.0, None)
            item = top[1]
            carries = item is not None and facts_present(item.answer, turn.expect.facts)
            good = turn.expect.action == Action.ANSWER and carries
            scored.append((float(top[0]), 1 if good else -1))
    candidates = sorted({s for s, _ in scored})
    return max(candidates, key=lambda t: sum(v for s, v in scored if s >= t), default=0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shop", type=Path, default=Path("examples/shops/hair-dye"))
    parser.add_argument("--cases", type=Path)
    args = parser.parse_args()
    cases = load_cases(args.cases or args.shop / "cases.jsonl")
    snapshot = learn_bundle(args.shop).snapshot
    colloquial = colloquial_turns(cases)

    rows = []
    replayer = Replayer(snapshot, load_orders(args.shop))
    try:
        started = time.perf_counter()
        kefu_records = replayer.run(cases)
    finally:
        replayer.close()
    systems: list[tuple[str, list[ReplayRecord], float]] = [("kefu", kefu_records, time.perf_counter() - started)]
    for peer in (KeywordPeer(snapshot.items), Bm25Peer(snapshot.items, best_bm25_threshold(snapshot, cases))):
        started = time.perf_counter()
        records = run_peer(peer, snapshot, cases, args.shop)
        systems.append((peer.name, records, time.perf_counter() - started))
        print(f"ran {peer.name}", file=sys.stderr)

    # Per-message understanding + retrieval latency, measured without the stores (same loop for all).
    brain = brain_from_snapshot(snapshot)
    texts = [t.text for c in cases for t in c.turns if t.type == "text"]
    latency: dict[str, float] = {}
    for name, search in (
        ("kefu", lambda text: brain.index.search_normalized(brain.understander.understand(text).query)),
        ("keyword rules", KeywordPeer(snapshot.items).search),
        ("BM25 (jieba)", Bm25Peer(snapshot.items).search),
    ):
        timings = []
        for _ in range(3):
            for text in texts:
                started = time.perf_counter()
                search(text)
                timings.append((time.perf_counter() - started) * 1000)
        latency[name] = statistics.median(timings)

    header = f"{'system':<16}{'answer acc':>11}{'wrong ans':>11}{'auto-recep':>11}"
    print(f"{header}{'colloquial acc':>16}{'ms/msg (p50)':>14}")
    for name, records, _ in systems:
        report = grade(cases, records)
        figures = report.figures()
        hits, total = subset_accuracy(report, colloquial)
        rows.append((name, figures, hits, total))
        print(f"{name:<16}{figures['answer_accuracy']:>11.1%}{figures['wrong_answer_rate']:>11.1%}"
              f"{figures['auto_reception_rate']:>11.1%}{f'{hits}/{total} ({hits / max(total, 1):.0%})':>16}"
              f"{latency[name]:>14.2f}")
    print(f"\ncolloquial / typo / dialect / Traditional turns: {len(colloquial)} "
          "(turns whose normalised text differs from the script-folded original)")
    print("handoff rules are shared; the BM25 threshold is tuned on these cases (an upper bound for the peer)")
    _ = HandoffReason
    return 0


if __name__ == "__main__":
    sys.exit(main())
