#!/usr/bin/env python3
"""Train the ranker (kefu/data/models/ranker.json) and report it leave-one-shop-out.

Usage: python -m training.train_ranker [--write] [--compare]

Two stages (see kefu/retrieval/ranker.py). Every development shop is held out in turn, as a shop nobody tuned
for: the ranking model is fit on the other shops and scores the held-out one; the confidence model is fit on
the *held-out scores* of the other shops (stacking: it learns how sure a ranker is on shops it never saw) and
judges the held-out shop. The answer threshold is chosen on the pooled held-out confidences. Reported per shop:
top-1 (the best-ranked item states the expected facts), and at the threshold, the share of answerable turns
answered from a right item and the wrong answers (an answer from an item without the facts, or any answer to a
question the shop cannot answer). --compare adds single-feature rankers and LightGBM lambdarank (if installed).

Why linear models: ~500 questions from 7 shops; a listwise linear ranker beat pointwise logistic regression and
lambdarank trees leave-one-shop-out (see --compare), needs only numpy in the Lambda, and its confidence stage
gives probabilities the threshold is set on.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from scipy.optimize import minimize

from kefu.retrieval.linear import LogisticModel
from kefu.retrieval.pair_features import FEATURE_NAMES, INDEX
from kefu.retrieval.ranker import CONFIDENCE_FEATURES, confidence_features
from training.dataset import REPO, ShopData, TurnExample, load_all

MODEL_PATH = REPO / "layers" / "kefu" / "python" / "kefu" / "data" / "models" / "ranker.json"
# A wrong answer costs this many right ones: the buyer is misled, where a handoff only waits for a human. (A
# merchant who wants fewer wrong answers sets a higher KEFU_ANSWER_THRESHOLD: README, "the answer threshold".)
WRONG_COST = 3.0
RANKING_L2 = 1.0
CONFIDENCE_C = 1.0


def fit_listwise(turns: list[TurnExample], l2: float = RANKING_L2) -> LogisticModel:
    """Conditional logit: maximise the softmax mass of each answerable question's right items."""
    usable = [t for t in turns if t.answerable and t.labels.any()]
    x_all = np.vstack([t.features for t in usable]).astype(np.float64)
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale[scale == 0] = 1.0
    xs = [(t.features - mean) / scale for t in usable]
    ys = [t.labels.astype(bool) for t in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total = 0.5 * l2 * float(w @ w)
        grad = l2 * w
        for x, y in zip(xs, ys, strict=True):
            z = x @ w
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            right = p[y].sum()
            total -= float(np.log(right + 1e-12))
            grad = grad - (p[y] @ x[y]) / right + p @ x
        return total / len(xs), grad / len(xs)

    w = minimize(loss, np.zeros(x_all.shape[1]), jac=True, method="L-BFGS-B").x
    return LogisticModel(FEATURE_NAMES, mean.astype(np.float32), scale.astype(np.float32), w.astype(np.float32),
                         0.0)


def top_rows(turns: list[TurnExample], ranking: LogisticModel) -> tuple[np.ndarray, np.ndarray]:
    """The confidence model's examples: each turn's best-ranked item (features, 1 = it states the facts)."""
    rows, labels = [], []
    for turn in turns:
        scores = ranking.linear(turn.features)
        best = int(np.argmax(scores))
        rows.append(confidence_features(turn.features, scores, turn.best_vectors)[best])
        labels.append(int(turn.labels[best]))
    return np.array(rows), np.array(labels)


def fit_confidence(rows: np.ndarray, labels: np.ndarray) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(rows)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    model = LogisticRegression(C=CONFIDENCE_C, max_iter=2000).fit((rows - scaler.mean_) / scale, labels)
    return LogisticModel(CONFIDENCE_FEATURES, scaler.mean_.astype(np.float32), scale.astype(np.float32),
                         model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def figures(turns: list[TurnExample], correct: np.ndarray, confidence: np.ndarray, threshold: float
            ) -> dict[str, float]:
    answerable = np.array([t.answerable for t in turns])
    answered = confidence >= threshold
    return {
        "turns": len(turns),
        "top1": float(correct[answerable].mean()) if answerable.any() else 0.0,
        "answered_right": float((answered & correct)[answerable].sum() / max(1, answerable.sum())),
        "wrong_per_turn": float((answered & ~correct).sum() / max(1, len(turns))),
    }


def best_threshold(correct: np.ndarray, confidence: np.ndarray) -> float:
    grid = np.linspace(0.05, 0.95, 91)
    gains = [((confidence >= t) & correct).sum() - WRONG_COST * ((confidence >= t) & ~correct).sum() for t in grid]
    return float(grid[int(np.argmax(gains))])


def single_feature_top1(turns: list[TurnExample], name: str) -> float:
    ok = [bool(t.labels[int(np.argmax(t.features[:, INDEX[name]]))]) for t in turns if t.answerable]
    return float(np.mean(ok)) if ok else 0.0


def lambdarank_top1(training: list[TurnExample], held_out: list[TurnExample]) -> float | None:
    try:
        import lightgbm
    except ImportError:
        return None
    usable = [t for t in training if t.answerable and t.labels.any()]
    model = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=150, learning_rate=0.05, num_leaves=8,
                                min_child_samples=20, verbose=-1)
    model.fit(np.vstack([t.features for t in usable]), np.concatenate([t.labels for t in usable]),
              group=[len(t.labels) for t in usable])
    ok = [bool(t.labels[int(np.argmax(model.predict(t.features)))]) for t in held_out if t.answerable]
    return float(np.mean(ok)) if ok else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--write", action="store_true", help=f"write the final model to {MODEL_PATH}")
    parser.add_argument("--compare", action="store_true", help="also report single-feature and lambdarank top-1")
    args = parser.parse_args(argv)
    shops: list[ShopData] = load_all()
    names = [shop.name for shop in shops]
    # Stage 1, leave-one-shop-out: every shop's turns scored by a ranker that never saw the shop.
    held_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for shop in shops:
        ranking = fit_listwise([t for other in shops if other.name != shop.name for t in other.turns])
        held_rows[shop.name] = top_rows(shop.turns, ranking)
    # Stage 2, leave-one-shop-out too: the held-out shop's confidences from a model fit on the others' rows.
    confidence: dict[str, np.ndarray] = {}
    for name in names:
        rows = np.vstack([held_rows[other][0] for other in names if other != name])
        labels = np.concatenate([held_rows[other][1] for other in names if other != name])
        confidence[name] = fit_confidence(rows, labels).probability(held_rows[name][0])
    pooled_correct = np.concatenate([held_rows[name][1].astype(bool) for name in names])
    pooled_confidence = np.concatenate([confidence[name] for name in names])
    threshold = best_threshold(pooled_correct, pooled_confidence)
    report: dict[str, dict[str, float]] = {}
    print(f"\nleave-one-shop-out, answer threshold {threshold:.2f} (chosen on the pooled held-out confidences, "
          f"a wrong answer costing {WRONG_COST:g} right ones)")
    header = f"{'held-out shop':14} {'turns':>5} {'top-1':>7} {'right':>7} {'wrong':>7}"
    if args.compare:
        header += "   dense top-1  lexical top-1  lambdarank top-1"
    print(header)
    for shop in shops:
        result = figures(shop.turns, held_rows[shop.name][1].astype(bool), confidence[shop.name], threshold)
        report[shop.name] = {k: round(v, 4) for k, v in result.items()}
        line = (f"{shop.name:14} {result['turns']:5d} {result['top1']:7.1%} {result['answered_right']:7.1%} "
                f"{result['wrong_per_turn']:7.1%}")
        if args.compare:
            training = [t for other in shops if other.name != shop.name for t in other.turns]
            lambdarank = lambdarank_top1(training, shop.turns)
            line += (f"   {single_feature_top1(shop.turns, 'dense_best'):11.1%} "
                     f"{single_feature_top1(shop.turns, 'lex_item'):14.1%} "
                     + (f"{lambdarank:17.1%}" if lambdarank is not None else "      (no lightgbm)"))
        print(line)
    print("\noperating curve (pooled held-out turns; the merchant's dial is KEFU_ANSWER_THRESHOLD):")
    pooled_answerable = np.concatenate([[t.answerable for t in shop.turns] for shop in shops])
    for cut in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        answered = pooled_confidence >= cut
        right = (answered & pooled_correct)[pooled_answerable].sum() / max(1, pooled_answerable.sum())
        wrong = (answered & ~pooled_correct).sum() / len(pooled_correct)
        print(f"  threshold {cut:.2f}: answered right {right:6.1%} of answerable turns, wrong {wrong:6.1%} of turns")
    all_turns = [t for shop in shops for t in shop.turns]
    mean = {key: round(float(np.mean([report[n][key] for n in names])), 4) for key in ("top1", "answered_right",
                                                                                       "wrong_per_turn")}
    print(f"{'mean of shops':14} {'':5} {mean['top1']:7.1%} {mean['answered_right']:7.1%} "
          f"{mean['wrong_per_turn']:7.1%}")
    ranking = fit_listwise(all_turns)
    all_rows = np.vstack([held_rows[name][0] for name in names])
    all_labels = np.concatenate([held_rows[name][1] for name in names])
    final_confidence = fit_confidence(all_rows, all_labels)
    final_confidence = LogisticModel(final_confidence.names, final_confidence.mean, final_confidence.scale,
                                     final_confidence.coef, final_confidence.intercept, threshold)
    info = {
        "trained_on": names,
        "questions": len(all_turns),
        "ranking": f"listwise linear (conditional logit), L2 {RANKING_L2:g}, standardised pair features",
        "confidence": f"logistic regression on held-out ranker scores (stacking), C={CONFIDENCE_C:g}",
        "threshold_rule": f"maximises right - {WRONG_COST:g} x wrong answers on the pooled leave-one-shop-out "
                          "confidences",
        "leave_one_shop_out": report,
        "leave_one_shop_out_mean": mean,
    }
    print("\nranking weights (standardised features):")
    for name, weight in sorted(zip(FEATURE_NAMES, ranking.coef, strict=True), key=lambda p: -abs(p[1]))[:12]:
        print(f"  {name:16} {weight:+.3f}")
    if args.write:
        data = {"ranking": ranking.to_json(), "confidence": final_confidence.to_json(), "info": info}
        MODEL_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
