"""Training examples from the development shops: every case turn that asks the shop's knowledge something.

For each shop and case set, the cases are walked as the brain walks them (understanding, follow-up context, the
query it would build), with the *expected* outcome carried forward as the conversation's state (teacher forcing):
a later turn's context does not depend on the model being trained. Each turn gives

* ranker rows: the pair features of every candidate item the retriever returns, labelled 1 when the item's
  answer contains the expected facts (every fact group, or as many as any item does), all 0 for a question the
  shop's files do not answer (expected handoff, low_confidence);
* passage rows: for each labelled-positive item, the passage features of its sentences, labelled 1 when the
  sentence states one of the expected facts.

Snapshots are learned once per shop and cached under .kefu/training/ (keyed by the bundle's files).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from kefu_dev.evaluation.grade import fold
from kefu_dev.evaluation.replay import load_cases

from kefu.answering.offline_composer import OfflineComposer
from kefu.knowledge import snapshot as snapshots
from kefu.knowledge.learn import learn_bundle
from kefu.models.cases import EvalCase
from kefu.models.conversation import ConversationState
from kefu.models.decision import Action, HandoffReason
from kefu.models.knowledge import KnowledgeSnapshot
from kefu.reception.brain import ShopBrain
from kefu.retrieval.linear import LogisticModel
from kefu.retrieval.pair_features import FEATURE_NAMES, pair_features
from kefu.retrieval.passages import PASSAGE_FEATURES, PassagePicker
from kefu.retrieval.ranker import CONFIDENCE_FEATURES, Ranker, best_view_vectors
from kefu.retrieval.search import KnowledgeSearch

REPO = Path(__file__).resolve().parent.parent
SHOPS = REPO / "examples" / "shops"
CACHE = REPO / ".kefu" / "training"


def case_files(shop_dir: Path) -> list[Path]:
    return sorted(shop_dir.glob("*cases*.jsonl"))


def development_shops() -> list[Path]:
    return sorted(p for p in SHOPS.iterdir() if (p / "shop.json").is_file() and case_files(p))


KEFU = REPO / "layers" / "kefu" / "python" / "kefu"


def code_key(*parts: str) -> str:
    """A fingerprint of these parts of the kefu package (sources and data), so a cache follows the code."""
    digest = hashlib.sha256()
    for part in parts:
        for path in sorted((KEFU / part).rglob("*")):
            trained = path.is_relative_to(KEFU / "data" / "models")  # the models a training run writes
            if path.is_file() and "__pycache__" not in path.parts and not trained:
                digest.update(path.relative_to(KEFU).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# What a learned snapshot depends on: the learner, the encoder, the normaliser and the lexicons.
LEARNER_PARTS = ("knowledge", "encoder", "understanding", "data")


def _bundle_key(shop_dir: Path) -> str:
    digest = hashlib.sha256(code_key(*LEARNER_PARTS).encode())
    for path in sorted(shop_dir.rglob("*")):
        if path.is_file() and "cases" not in path.name and "tools" not in path.parts:
            digest.update(path.relative_to(shop_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def learned(shop_dir: Path) -> KnowledgeSnapshot:
    """The shop's snapshot, learned once per bundle content and learner code."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{shop_dir.name}-{_bundle_key(shop_dir)}.json.gz"
    if path.exists():
        return snapshots.load_file(path)
    snapshot = learn_bundle(shop_dir).snapshot
    snapshots.save_file(snapshot, path)
    return snapshot


def coverage(answer: str, facts: list[list[str]]) -> int:
    """How many fact groups the text states (one option of a group is enough)."""
    folded = fold(answer)
    return sum(any(fold(option) in folded for option in group) for group in facts)


@dataclass
class TurnExample:
    shop: str
    case_set: str
    case_id: str
    turn: int
    text: str
    answerable: bool  # False: the shop's files do not answer it (expected low_confidence)
    candidates: list[int]  # item indices (store order) the runtime retriever returns
    features: np.ndarray  # rows = every item of the shop, store order
    best_vectors: np.ndarray  # the vector of each item's best view for this question
    labels: np.ndarray  # 1 = the item states the expected facts
    full: np.ndarray  # 1 = the item states every expected fact group
    groups: int  # fact groups expected
    passage_features: list[np.ndarray] = field(default_factory=list)  # per positive item
    passage_labels: list[np.ndarray] = field(default_factory=list)
    passage_texts: list[list[str]] = field(default_factory=list)


@dataclass
class ShopData:
    name: str
    brain: ShopBrain
    turns: list[TurnExample]


def _expected_retrieval(turn_expect: object) -> bool | None:
    """True: answer with facts; False: a question the shop cannot answer; None: not a retrieval example."""
    expect = turn_expect
    action = getattr(expect, "action", None)
    if action == Action.ANSWER:
        return True if getattr(expect, "facts", None) else None
    if getattr(expect, "reason", None) == HandoffReason.LOW_CONFIDENCE:
        return False
    return None


def walk_cases(shop: str, case_set: str, cases: list[EvalCase], brain: ShopBrain) -> list[TurnExample]:
    knowledge = brain.knowledge
    assert isinstance(knowledge, KnowledgeSearch)
    store = knowledge.store
    out: list[TurnExample] = []
    for case in cases:
        state = ConversationState(shop_id=brain.shop.shop_id, buyer_id=case.buyer_id, goods_id=case.goods_id)
        status = case.order_status or "未下单"
        for index, turn in enumerate(case.turns):
            if turn.type != "text":
                continue
            u = brain.understander.understand(turn.text, state)
            kind = _expected_retrieval(turn.expect)
            if kind is not None:
                query = brain.query_for(u, status, state.goods_id, state.last_query)
                ids = knowledge.retriever.candidates(query)
                positions = [knowledge._positions[i] for i in ids]
                x = pair_features(store, query)
                vectors = best_view_vectors(store, store.dense(query.vector))
                facts = turn.expect.facts
                cover = np.array([coverage(item.answer, facts) if kind else 0 for item in store.items])
                best = int(cover.max()) if len(cover) else 0
                labels = (cover == best) & (cover > 0) if kind else np.zeros(len(store.items), dtype=bool)
                example = TurnExample(shop, case_set, case.id, index, turn.text, bool(kind), positions, x, vectors,
                                      labels.astype(np.int64), (cover == len(facts)).astype(np.int64) if kind else
                                      np.zeros(len(store.items), dtype=np.int64), len(facts))
                if kind:
                    _passages(example, knowledge, query, facts)
                out.append(example)
            if turn.expect.action == Action.ANSWER and not u.is_followup:
                state.last_query = u.text
            elif turn.expect.action == Action.HANDOFF:
                break
    return out


def _passages(example: TurnExample, knowledge: KnowledgeSearch, query: object, facts: list[list[str]]) -> None:
    store = knowledge.store
    picker = knowledge.picker
    from kefu.retrieval.pair_features import MEANING_FAMILIES
    from kefu.understanding.features import family

    dense = store.dense(query.vector)  # type: ignore[attr-defined]
    weights = query.weights  # type: ignore[attr-defined]
    lexical = store.lexical(weights)
    meaning = store.lexical({f: w for f, w in weights.items() if family(f) in MEANING_FAMILIES})
    for position in np.flatnonzero(example.labels):
        ids, x = picker.features(store, query, int(position), dense, lexical, meaning)  # type: ignore[arg-type]
        texts = [store.views[v].raw for v in ids]
        labels = np.array([1 if coverage(t, facts) else 0 for t in texts], dtype=np.int64)
        example.passage_features.append(x)
        example.passage_labels.append(labels)
        example.passage_texts.append(texts)


def neutral(names: tuple[str, ...], threshold: float = 0.5) -> LogisticModel:
    """A model that scores nothing: extraction must not depend on the model being trained."""
    zeros = np.zeros(len(names), dtype=np.float32)
    return LogisticModel(names, zeros, np.ones(len(names), dtype=np.float32), zeros, 0.0, threshold)


def load_shop_data(shop_dir: Path, progress: bool = True) -> ShopData:
    snapshot = learned(shop_dir)
    knowledge = KnowledgeSearch(snapshot, ranker=Ranker(neutral(FEATURE_NAMES), neutral(CONFIDENCE_FEATURES)),
                                picker=PassagePicker(neutral(PASSAGE_FEATURES)))
    brain = ShopBrain(snapshot.shop, knowledge, OfflineComposer(extra_min=0.5))
    turns: list[TurnExample] = []
    for path in case_files(shop_dir):
        turns += walk_cases(shop_dir.name, path.name, load_cases(path), brain)
    if progress:
        answerable = sum(t.answerable for t in turns)
        print(f"  {shop_dir.name}: {len(turns)} retrieval turns ({answerable} answerable), "
              f"{len(snapshot.items)} items", file=sys.stderr)
    return ShopData(shop_dir.name, brain, turns)


def load_all(progress: bool = True) -> list[ShopData]:
    if progress:
        print("collecting training examples from the development shops", file=sys.stderr)
    return [load_shop_data(shop, progress) for shop in development_shops()]


if __name__ == "__main__":
    data = load_all()
    summary = {
        shop.name: {
            "turns": len(shop.turns),
            "answerable": sum(t.answerable for t in shop.turns),
            "positive_exists": sum(bool(t.labels.any()) for t in shop.turns if t.answerable),
            "positive_in_candidates": sum(bool(t.labels[t.candidates].any()) for t in shop.turns if t.answerable),
            "full_exists": sum(bool(t.full.any()) for t in shop.turns if t.answerable),
        }
        for shop in data
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
