"""Where should unanswered questions be grouped? The encoder's cosine on same-need vs other-need pairs.

Same-need pairs are the question variants of one learned item (mined from chat logs, or a rule or fact's
paraphrases) of every shop under examples/shops; other-need pairs join variants of two items of one shop.
Prints precision and recall of "same need" per threshold, and the threshold with the best F1.

    python benchmarks/gap_threshold.py
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import numpy as np

from kefu.encoder.bge import shared_encoder
from kefu.knowledge.learn import learn_bundle

SHOPS = Path(__file__).resolve().parents[1] / "examples" / "shops"
MAX_PAIRS = 4000


def main() -> int:
    encoder = shared_encoder()
    rng = random.Random(7)
    same: list[float] = []
    other: list[float] = []
    for folder in sorted(p for p in SHOPS.iterdir() if (p / "shop.json").is_file()):
        items = [i for i in learn_bundle(folder).snapshot.items if len(i.questions) >= 2]
        print(f"{folder.name}: {len(items)} items with two or more question variants", file=sys.stderr)
        groups = [list(dict.fromkeys(i.questions))[:6] for i in items]
        vectors = [encoder.encode(group) for group in groups]
        for v in vectors:
            same += [float(v[a] @ v[b]) for a, b in itertools.combinations(range(len(v)), 2)]
        for va, vb in itertools.combinations(vectors, 2):
            other.append(float(va[rng.randrange(len(va))] @ vb[rng.randrange(len(vb))]))
    same_a = np.array(rng.sample(same, min(MAX_PAIRS, len(same))))
    other_a = np.array(rng.sample(other, min(MAX_PAIRS * 4, len(other))))
    print(f"pairs: {len(same_a)} same need, {len(other_a)} other need")
    print("threshold  precision  recall  f1")
    best = (0.0, 0.0)
    for threshold in np.arange(0.60, 0.96, 0.02):
        tp = float((same_a >= threshold).sum())
        fp = float((other_a >= threshold).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / len(same_a)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        best = max(best, (f1, float(threshold)))
        print(f"{threshold:9.2f}  {precision:9.3f}  {recall:6.3f}  {f1:.3f}")
    print(f"best F1 {best[0]:.3f} at {best[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
