#!/usr/bin/env python3
"""`kefu eval` on every development case set, one table (the figures the README and the eval gate quote).

Usage: python benchmarks/eval_all.py [--json OUT] [--shop NAME ...]

Each shop bundle is learned once; each of its case files (examples/shops/<shop>/*cases*.jsonl) is replayed through
the real reception pipeline against the local AWS emulation and graded, exactly as `kefu eval` does.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from kefu_dev.evaluation.suite import case_files, evaluate_bundle

REPO = Path(__file__).resolve().parent.parent
SHOPS = REPO / "examples" / "shops"
COLUMNS = (
    ("answer_accuracy", "accuracy"),
    ("focused_accuracy", "right+short"),
    ("wrong_answer_rate", "wrong"),
    ("handoff_precision", "h-precision"),
    ("handoff_recall", "h-recall"),
)


FLOORS = REPO / "tests" / "evaluation" / "floors.json"
# The gate's margin for honest noise: points of accuracy, right-and-short, handoff recall and size-turn accuracy,
# points of wrong answers, characters of the median reply; no margin on sizes named where a hand-over was due.
FLOOR_MARGIN = {"answer_accuracy": ("min", -0.05), "focused_accuracy": ("min", -0.05),
                "wrong_answer_rate": ("max", 0.04), "handoff_recall": ("min", -0.05),
                "reply_chars_median": ("max", 10.0), "size_accuracy": ("min", -0.05),
                "sizes_given_when_handoff_due": ("max", 0.0)}
SIZE_FIGURES = ("size_accuracy", "sizes_given_when_handoff_due")


def write_floors(figures: dict[str, dict[str, Any]]) -> None:
    """Floors from these figures, never looser than the ones already set; case sets not measured keep theirs."""
    floors: dict[str, Any] = json.loads(FLOORS.read_text(encoding="utf-8"))
    for name, measured in figures.items():
        old = floors.get(name, {})
        floors[name] = {}
        for key, (bound, margin) in FLOOR_MARGIN.items():
            if key in SIZE_FIGURES and not measured.get("size_turns"):
                continue
            field = f"{key}_{bound}"
            value = round(measured[key] + margin, 3)
            if field in old:
                value = min(value, old[field]) if bound == "max" else max(value, old[field])
            floors[name][field] = value
    FLOORS.write_text(json.dumps(floors, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FLOORS.relative_to(REPO)}", file=sys.stderr)


def case_sets(shops: list[str] | None = None) -> list[tuple[Path, Path]]:
    bundles = sorted(p for p in SHOPS.iterdir() if (p / "shop.json").is_file())
    return [(shop, cases) for shop in bundles if not shops or shop.name in shops for cases in case_files(shop)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--shop", action="append", help="only this shop (repeatable)")
    parser.add_argument("--write-floors", action="store_true",
                        help=f"set the eval gate's floors ({FLOORS.relative_to(REPO)}) from these figures")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    by_shop: dict[Path, list[Path]] = {}
    for shop, path in case_sets(args.shop):
        by_shop.setdefault(shop, []).append(path)
    figures: dict[str, dict[str, Any]] = {}
    for shop, files in by_shop.items():
        print(f"evaluating {shop.name} ({len(files)} case sets) …", file=sys.stderr)
        figures.update(evaluate_bundle(shop, files))
    print(f"{'case set':36} {'turns':>5} " + " ".join(f"{title:>11}" for _, title in COLUMNS)
          + f" {'reply p50/p90':>14} {'size turns':>16}")
    for name, f in figures.items():
        print(f"{name:36} {f['turns']:5.0f} " + " ".join(f"{f[key]:11.1%}" for key, _ in COLUMNS)
              + f" {f['reply_chars_median']:8.0f} / {f['reply_chars_p90']:<4.0f}"
              + (f" {f['size_accuracy']:8.1%} of {f['size_turns']:3.0f}" if f.get("size_turns") else ""))
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if args.write_floors:
        write_floors(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
