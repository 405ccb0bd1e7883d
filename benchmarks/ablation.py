#!/usr/bin/env python3
"""What each half of retrieval is worth: lexical features only, encoder features only, both fused.

Usage: python benchmarks/ablation.py

Each arm is the production two-stage ranker (training/train_ranker.py: listwise ranking, stacked confidence, the
threshold that maximises right - 2 x wrong) trained and judged leave-one-shop-out on the development shops, with
the other arms' pair features blanked. Per held-out shop and turn that reaches retrieval: top-1 (the best-ranked
item states the expected facts), right (answered from such an item at the threshold) and wrong (answered from
another item, or answered when the shop cannot answer). "no need lexicon" blanks the features that come from the
hand-written concept lexicon (needs, asked kinds of value, unknown services, catch-all hubs).
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np

from kefu.retrieval.pair_features import FEATURE_NAMES, INDEX
from training.dataset import ShopData, TurnExample, load_all
from training.train_ranker import best_threshold, figures, fit_confidence, fit_listwise, top_rows

DENSE = {"dense_best", "dense_title", "dense_question", "dense_sentence", "dense_second", "dense_gap", "dense_top",
         "dense_x_lex"}
STRUCTURE = {"has_questions", "log_views"}
LEXICON = {"concept_share", "concept_none", "type_miss", "unknown_need", "hub"}
ARMS: dict[str, set[str]] = {  # arm -> the features it keeps
    "lexical only": set(FEATURE_NAMES) - DENSE,
    "encoder only": DENSE | STRUCTURE,
    "fused (kefu)": set(FEATURE_NAMES),
    "no need lexicon": set(FEATURE_NAMES) - LEXICON,
}


def blanked(turn: TurnExample, keep: set[str]) -> TurnExample:
    mask = np.array([name in keep for name in FEATURE_NAMES], dtype=np.float32)
    vectors = turn.best_vectors if "dense_best" in keep else np.zeros_like(turn.best_vectors)
    return replace(turn, features=turn.features * mask, best_vectors=vectors)


def leave_one_shop_out(shops: list[ShopData], keep: set[str]) -> dict[str, dict[str, float]]:
    turns = {shop.name: [blanked(t, keep) for t in shop.turns] for shop in shops}
    held: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in turns:
        held[name] = top_rows(turns[name], fit_listwise([t for o in turns if o != name for t in turns[o]]))
    confidence = {}
    for name in turns:
        rows = np.vstack([held[o][0] for o in turns if o != name])
        labels = np.concatenate([held[o][1] for o in turns if o != name])
        confidence[name] = fit_confidence(rows, labels).probability(held[name][0])
    threshold = best_threshold(np.concatenate([held[n][1].astype(bool) for n in turns]),
                               np.concatenate([confidence[n] for n in turns]))
    out = {name: figures(turns[name], held[name][1].astype(bool), confidence[name], threshold) for name in turns}
    out["_threshold"] = {"threshold": threshold}
    return out


def main() -> int:
    shops = load_all()
    assert INDEX  # the feature table is the production one
    results = {}
    for arm, keep in ARMS.items():
        print(f"training {arm} leave-one-shop-out …", file=sys.stderr)
        results[arm] = leave_one_shop_out(shops, keep)
    names = [shop.name for shop in shops]
    print(f"{'held-out shop':14}" + "".join(f" {arm:>26}" for arm in ARMS))
    print(f"{'':14}" + "".join(f" {'top-1  right  wrong':>26}" for _ in ARMS))
    for name in [*names, "mean"]:
        cells = []
        for arm in ARMS:
            rows = [results[arm][n] for n in names] if name == "mean" else [results[arm][name]]
            top1, right, wrong = (float(np.mean([r[k] for r in rows])) for k in ("top1", "answered_right",
                                                                                   "wrong_per_turn"))
            cells.append(f"{top1:6.1%} {right:6.1%} {wrong:6.1%}")
        print(f"{name:14}" + "".join(f" {c:>26}" for c in cells))
    print("thresholds: " + ", ".join(f"{arm} {results[arm]['_threshold']['threshold']:.2f}" for arm in ARMS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
