#!/usr/bin/env python3
"""Train the passage picker (kefu/data/models/passages.json) and report it leave-one-shop-out.

Usage: python -m training.train_passages [--write]

Examples: for every answerable development question, the sentences of each item that states the expected facts,
labelled 1 when the sentence itself states one. A logistic model scores sentences; the composer quotes the best
one and adds others scored at least the extra-sentence threshold (chosen here, leave-one-shop-out, to maximise
replies that state every expected fact within 100 characters). Reported per held-out shop: how often the best
sentence states a fact, how often the composed part states them all, and the median length.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

import numpy as np
from kefu_dev.evaluation.grade import reply_chars

from kefu.answering.offline_composer import REPLY_BUDGET, pick
from kefu.models.knowledge import ItemKind, KnowledgeItem, Passage, SearchHit
from kefu.retrieval.linear import LogisticModel
from kefu.retrieval.passages import PASSAGE_FEATURES
from training.dataset import REPO, ShopData, TurnExample, coverage, load_all

MODEL_PATH = REPO / "layers" / "kefu" / "python" / "kefu" / "data" / "models" / "passages.json"
C = 1.0
FOCUSED = 100


def fit(turns: list[TurnExample]) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    xs = [x for t in turns for x in t.passage_features if len(x)]
    ys = [y for t in turns for y in t.passage_labels if len(y)]
    x, y = np.vstack(xs), np.concatenate(ys)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit((x - scaler.mean_) / scale, y)
    return LogisticModel(PASSAGE_FEATURES, scaler.mean_.astype(np.float32), scale.astype(np.float32),
                         model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def composed(turn: TurnExample, model: LogisticModel, extra_min: float) -> list[tuple[bool, int, bool]]:
    """Per positive item: (every expected fact stated, reply length, best sentence states a fact)."""
    out = []
    for x, texts in zip(turn.passage_features, turn.passage_texts, strict=True):
        if not len(texts):
            continue
        p = model.probability(x)
        passages = sorted((Passage(text=t, score=float(s), position=i) for i, (t, s) in enumerate(zip(texts, p,
                           strict=True))), key=lambda passage: -passage.score)
        hit = SearchHit(item=KnowledgeItem(item_id="x", shop_id="x", kind=ItemKind.RULE_SECTION, title="", answer="",
                                           source="x"), score=1.0, passages=passages)
        body = "".join(passage.text for passage in pick(hit, REPLY_BUDGET, min_extra=extra_min))
        facts = turn_facts(turn)
        out.append((coverage(body, facts) == len(facts), reply_chars(body), coverage(passages[0].text, facts) > 0))
    return out


_FACTS: dict[int, list[list[str]]] = {}


def turn_facts(turn: TurnExample) -> list[list[str]]:
    return _FACTS[id(turn)]


def evaluate(turns: list[TurnExample], model: LogisticModel, extra_min: float) -> dict[str, float]:
    rows = [composed(t, model, extra_min) for t in turns if t.answerable]
    firsts = [r[0] for r in rows if r]  # the first positive item stands for the turn
    if not firsts:
        return {"questions": 0, "best_sentence_right": 0.0, "all_facts": 0.0, "focused": 0.0, "median_chars": 0.0}
    return {
        "questions": len(firsts),
        "best_sentence_right": float(np.mean([r[2] for r in firsts])),
        "all_facts": float(np.mean([r[0] for r in firsts])),
        "focused": float(np.mean([r[0] and r[1] <= FOCUSED for r in firsts])),
        "median_chars": float(statistics.median(r[1] for r in firsts)),
    }


def attach_facts(shops: list[ShopData]) -> None:
    """Each turn's expected facts (the dataset keeps only their count)."""
    from kefu_dev.evaluation.replay import load_cases

    from training.dataset import SHOPS

    for shop in shops:
        by_key = {}
        for path in sorted((SHOPS / shop.name).glob("*cases*.jsonl")):
            for case in load_cases(path):
                for index, case_turn in enumerate(case.turns):
                    by_key[(path.name, case.id, index)] = case_turn.expect.facts
        for turn in shop.turns:
            _FACTS[id(turn)] = by_key[(turn.case_set, turn.case_id, turn.turn)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--write", action="store_true", help=f"write the model to {MODEL_PATH}")
    args = parser.parse_args(argv)
    shops = load_all()
    attach_facts(shops)
    grid = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01]
    held: dict[str, LogisticModel] = {}
    for shop in shops:
        held[shop.name] = fit([t for other in shops if other.name != shop.name for t in other.turns])
    pooled = {g: np.mean([evaluate(shop.turns, held[shop.name], g)["focused"] for shop in shops]) for g in grid}
    extra_min = max(grid, key=lambda g: pooled[g])
    print(f"\nleave-one-shop-out, extra-sentence threshold {extra_min:.2f} "
          f"(focused by threshold: {', '.join(f'{g:.2f} {v:.1%}' for g, v in pooled.items())})")
    print(f"{'held-out shop':14} {'questions':>9} {'best sentence':>13} {'all facts':>9} {'focused':>8} {'median':>6}")
    report = {}
    for shop in shops:
        figures = evaluate(shop.turns, held[shop.name], extra_min)
        report[shop.name] = {k: round(v, 4) for k, v in figures.items()}
        print(f"{shop.name:14} {figures['questions']:9.0f} {figures['best_sentence_right']:13.1%} "
              f"{figures['all_facts']:9.1%} {figures['focused']:8.1%} {figures['median_chars']:6.0f}")
    final = fit([t for shop in shops for t in shop.turns])
    final = LogisticModel(final.names, final.mean, final.scale, final.coef, final.intercept, extra_min, {
        "trained_on": [shop.name for shop in shops],
        "model": f"logistic regression, C={C}, balanced classes, standardised features",
        "threshold_rule": "extra sentences at or above it; chosen to maximise right replies within 100 characters, "
                          "leave-one-shop-out",
        "leave_one_shop_out": report,
    })
    print("\nweights (standardised):")
    for name, weight in sorted(zip(PASSAGE_FEATURES, final.coef, strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:16} {weight:+.3f}")
    if args.write:
        MODEL_PATH.write_text(json.dumps(final.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
