"""Fit the retriever's confidence model on our own paraphrase sets, and check it on the sample cases.

Confidence = P(the top answer carries the expected facts), a logistic model over the hit's
features (fused score, best-view coverage, cosine, item coverage, margin over the next item).
It is fit on development sets we wrote ourselves (fresh paraphrases of the demo shop and the
second sample shop) and reported on the demo shop's cases, so the sample's sentences never
tune the agent. `--write` stores the weights in kefu/data/calibration.json.

    python benchmarks/calibrate.py \\
        --fit examples/shops/hair-dye::examples/shops/hair-dye/fresh_cases.jsonl \\
        --fit examples/shops/phone-case::examples/shops/phone-case/cases.jsonl \\
        --check examples/shops/hair-dye::examples/shops/hair-dye/cases.jsonl --write
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from kefu.answering.offline_composer import OfflineComposer
from kefu.evaluation.grade import facts_present
from kefu.evaluation.replay import load_cases
from kefu.knowledge.learn import learn_bundle
from kefu.models.conversation import ConversationState
from kefu.models.decision import Action, HandoffReason
from kefu.reception.knowledge_cache import brain_from_snapshot

OUT = Path(__file__).resolve().parents[1] / "layers/kefu/python/kefu/data/calibration.json"
NAMES = ["raw", "lexical", "vector", "item_coverage", "margin"]


def samples(spec: str) -> tuple[np.ndarray, np.ndarray]:
    """Features of the top hit and whether its composed reply carries the expected facts."""
    shop, cases_path = spec.split("::")
    brain = brain_from_snapshot(learn_bundle(Path(shop)).snapshot)
    composer = OfflineComposer(min_confidence=0.0)
    rows: list[list[float]] = []
    labels: list[int] = []
    for case in load_cases(Path(cases_path)):
        state = ConversationState(shop_id="x", buyer_id="y")
        for turn in case.turns:
            if turn.type != "text":
                continue
            u = brain.understander.understand(turn.text, state)
            expect = turn.expect
            if expect.action == Action.HANDOFF and expect.reason != HandoffReason.LOW_CONFIDENCE:
                continue
            if u.asks_for_human or u.emotion >= 0.6 or u.after_sale_needs_human or u.intent.value == "greeting":
                continue
            context = state.last_query if u.is_followup else None
            hits = brain.index.search_normalized(u.text, case.goods_id, k=5, context=context)
            if not u.is_followup:
                state.last_query = u.text
            if not hits or brain.index.unknown_needs(u.text):
                continue  # capped regardless of the model
            reply = composer.compose(u.text, hits, {})
            answered = reply is not None and facts_present(reply.text, expect.facts)
            rows.append(hits[0].features)
            labels.append(int(expect.action == Action.ANSWER and answered))
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01) -> tuple[np.ndarray, float]:
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(5000):  # plain gradient descent on the regularised log-loss
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * w)
        b -= 0.5 * float(np.mean(p - y))
    weights = w / std
    return weights, float(b - weights @ mean)


def report(name: str, x: np.ndarray, y: np.ndarray, weights: np.ndarray, bias: float) -> None:
    p = 1 / (1 + np.exp(-(x @ weights + bias)))
    for threshold in (0.5, 0.6, 0.7):
        answered = p >= threshold
        right = int((answered & (y == 1)).sum())
        print(f"{name:6} at {threshold}: {len(y)} turns, {int(y.sum())} answerable by the top hit; "
              f"answers {int(answered.sum())}, right {right}, wrong {int(answered.sum()) - right}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", action="append", required=True, help="SHOP_DIR::CASES_FILE (repeatable)")
    parser.add_argument("--check", action="append", default=[], help="SHOP_DIR::CASES_FILE to report on")
    parser.add_argument("--write", action="store_true", help=f"store the weights in {OUT.name}")
    parser.add_argument("--features", default=",".join(NAMES), help="comma-separated subset of " + ",".join(NAMES))
    args = parser.parse_args()
    parts = [samples(spec) for spec in args.fit]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    use = [NAMES.index(name) for name in args.features.split(",")]
    mask = np.zeros(len(NAMES))
    mask[use] = 1.0
    sub_weights, bias = fit(x[:, use], y)
    weights = np.zeros(len(NAMES))
    weights[use] = sub_weights  # unused features keep weight 0, so the stored model stays 5-wide
    print("weights " + ", ".join(f"{n}={w:.2f}" for n, w in zip(NAMES, weights, strict=True)) + f", bias={bias:.2f}")
    report("fit", x, y, weights, bias)
    for spec in args.check:
        cx, cy = samples(spec)
        report("check", cx, cy, weights, bias)
    if args.write:
        OUT.write_text(
            json.dumps(
                {
                    "_doc": "Logistic confidence over [" + ", ".join(NAMES) + "]; fit by benchmarks/calibrate.py on "
                    + "; ".join(args.fit),
                    "weights": [round(float(w), 4) for w in weights],
                    "bias": round(bias, 4),
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
