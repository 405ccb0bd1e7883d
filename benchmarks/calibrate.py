"""Fit the retriever's confidence calibration on a case file, and check it on another.

The fused retrieval score is mapped to P(the top answer carries the expected facts) with a
one-feature logistic fit. Fit on our own fresh paraphrases (fresh_cases.jsonl), report on the
sample cases, so the sample's sentences never tune the agent:

    python benchmarks/calibrate.py --shop examples/shops/hair-dye \
        --fit examples/shops/hair-dye/fresh_cases.jsonl --check examples/shops/hair-dye/cases.jsonl
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from kefu.answering.offline_composer import OfflineComposer
from kefu.evaluation.grade import facts_present
from kefu.evaluation.replay import load_cases
from kefu.knowledge.learn import learn_bundle
from kefu.models.conversation import ConversationState
from kefu.models.decision import Action, HandoffReason
from kefu.reception.brain import ShopBrain
from kefu.reception.knowledge_cache import brain_from_snapshot


def samples(brain: ShopBrain, cases_path: Path) -> list[tuple[float, int, str]]:
    """(raw score, label, text) for answer turns and low-confidence turns."""
    out: list[tuple[float, int, str]] = []
    composer = OfflineComposer(min_confidence=0.0)
    for case in load_cases(cases_path):
        state = ConversationState(shop_id="x", buyer_id="y")
        for turn in case.turns:
            if turn.type != "text":
                continue
            u = brain.understander.understand(turn.text, state)
            expect = turn.expect
            if expect.action == Action.HANDOFF and expect.reason != HandoffReason.LOW_CONFIDENCE:
                continue
            if u.asks_for_human or u.emotion >= 0.6 or u.after_sale_needs_human:
                continue
            hits = brain.index.search_normalized(u.text, case.goods_id, k=5,
                                                 context=state.last_query if u.is_followup else None)
            if not hits:
                continue
            reply = composer.compose(u.query, hits, {})
            answered = reply is not None and facts_present(reply.text, expect.facts)
            label = int(expect.action == Action.ANSWER and answered)
            # The calibration is of the fused score; the unknown-need cap applies on top of it.
            if hits[0].score <= 0.25 and brain.index.unknown_needs(u.query):
                continue
            out.append((hits[0].raw, label, turn.text))
            if not u.is_followup:
                state.last_query = u.text
    return out


def fit(points: list[tuple[float, int, str]]) -> tuple[float, float]:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    slope, center = 10.0, float(np.median(x))
    for _ in range(20000):  # plain gradient descent on the log-loss; two parameters need nothing more
        p = 1 / (1 + np.exp(-slope * (x - center)))
        grad_slope = float(np.mean((p - y) * (x - center)))
        grad_center = float(np.mean((p - y) * -slope))
        slope -= 2.0 * grad_slope
        center -= 0.01 * grad_center
    return center, slope


def report(name: str, points: list[tuple[float, int, str]], center: float, slope: float) -> None:
    probs = [1 / (1 + math.exp(-slope * (raw - center))) for raw, _, _ in points]
    answered = [(p, label) for p, (_, label, _) in zip(probs, points, strict=True) if p >= 0.5]
    right = sum(label for _, label in answered)
    print(f"{name}: {len(points)} turns, {sum(p[1] for p in points)} answerable by the top hit; "
          f"at 0.5: answers {len(answered)}, right {right}, wrong {len(answered) - right}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shop", type=Path, required=True)
    parser.add_argument("--fit", type=Path, required=True)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    brain = brain_from_snapshot(learn_bundle(args.shop).snapshot)
    train = samples(brain, args.fit)
    center, slope = fit(train)
    print(f"CALIBRATION_CENTER = {center:.3f}\nCALIBRATION_SLOPE = {slope:.1f}")
    report("fit", train, center, slope)
    if args.check:
        check = samples(brain, args.check)
        report("check", check, center, slope)
        if args.show:
            for raw, label, text in sorted(check):
                print(f"  {raw:.3f} {label} {text}")


if __name__ == "__main__":
    main()
