"""Evaluate several case files of one shop bundle: learn once, replay each file, grade it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kefu.knowledge.learn import learn_bundle
from kefu_dev.evaluation.grade import grade
from kefu_dev.evaluation.replay import Replayer, load_cases, load_orders


def case_files(shop: Path) -> list[Path]:
    """The bundle's evaluation case files (`*cases*.jsonl`), in name order."""
    return sorted(shop.glob("*cases*.jsonl"))


def evaluate_bundle(shop: Path, paths: list[Path]) -> dict[str, dict[str, Any]]:
    """`kefu eval` figures per case file, keyed `<shop dir name>/<file name>`."""
    snapshot = learn_bundle(shop).snapshot
    replayer = Replayer(snapshot, load_orders(shop))
    try:
        out = {}
        for path in paths:
            cases = load_cases(path)
            graded = grade(cases, replayer.run(cases))
            out[f"{shop.name}/{path.name}"] = {**graded.figures(), **graded.size_figures()}
        return out
    finally:
        replayer.close()
