#!/usr/bin/env python3
"""After approval, does a different buyer asking the same thing in other words get the taught answer?

Usage:
    python benchmarks/learning_curve.py --taught-out /tmp/taught.json
    python benchmarks/learning_reask.py --taught /tmp/taught.json --paraphrases PARAPHRASES.jsonl

``--taught``: what the learning curve approved, with the expected facts each stands for. ``--paraphrases``: for
each approved item, other buyers' wordings of the same need, written by a helper who saw only the questions
({"item_id", "texts"} per line). Each wording is replayed as a one-turn case through the real pipeline, once
with the bundle alone and once with every approval applied, and graded on the facts (right answer / wrong
answer / handed over).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kefu_dev.evaluation.grade import grade
from kefu_dev.evaluation.replay import Replayer, load_orders
from learning_curve import agent_reply

from kefu.knowledge.learn import learn_bundle
from kefu.learning.taught import apply_taught
from kefu.models.cases import CaseTurn, EvalCase, Expectation
from kefu.models.decision import Action
from kefu.models.learning import AGENT_REPLY_SOURCE, TaughtRecord
from kefu.privacy.pii import mask_pii

REPO = Path(__file__).resolve().parent.parent
SHOPS = REPO / "examples" / "shops"


def figures(snapshot: Any, orders: list[Any], cases: list[EvalCase]) -> dict[str, float]:
    replayer = Replayer(snapshot, orders)
    try:
        report = grade(cases, replayer.run(cases))
    finally:
        replayer.close()
    turns = report.turns
    return {"right": sum(t.correct for t in turns) / len(turns),
            "wrong": sum(t.wrong_answer for t in turns) / len(turns),
            "handed_over": sum(t.got == Action.HANDOFF for t in turns) / len(turns)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taught", type=Path, required=True, help="learning_curve.py --taught-out file")
    parser.add_argument("--paraphrases", type=Path, required=True, help="other wordings, one JSON per line")
    args = parser.parse_args(argv)
    taught = json.loads(args.taught.read_text(encoding="utf-8"))
    wordings: dict[str, list[str]] = {}
    for line in args.paraphrases.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            wordings[row["item_id"]] = row["texts"]
    by_shop: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in taught:
        by_shop[entry["shop_id"]].append(entry)
    folders = {json.loads((p / "shop.json").read_text("utf-8"))["shop_id"]: p
               for p in SHOPS.iterdir() if (p / "shop.json").is_file()}
    print("| shop | wordings | right (bundle only) | right (with approvals) | wrong (bundle only) | "
          "wrong (with approvals) |")
    print("| --- | --- | --- | --- | --- | --- |")
    totals: dict[str, float] = defaultdict(float)
    count = 0
    for shop_id, entries in sorted(by_shop.items()):
        folder = folders[shop_id]
        snapshot = learn_bundle(folder).snapshot
        records = [TaughtRecord(item_id=e["item_id"], shop_id=shop_id, questions=[e["question"]],
                                answer=mask_pii(agent_reply(e["facts"])),
                                source=f"{AGENT_REPLY_SOURCE}{e['item_id']}", goods_id=e["goods_id"],
                                approved_by="simulated-merchant", approved_at=datetime.now(UTC))
                   for e in entries]
        learned = apply_taught(snapshot, records)
        cases = [EvalCase(id=f"{e['item_id']}-r{n}", buyer_id=f"reask-{n}", goods_id=e["goods_id"],
                          turns=[CaseTurn(text=text, expect=Expectation(action=Action.ANSWER, facts=e["facts"]))])
                 for e in entries for n, text in enumerate(wordings.get(e["item_id"], []))]
        if not cases:
            continue
        orders = load_orders(folder)
        base, after = figures(snapshot, orders, cases), figures(learned, orders, cases)
        print(f"| {folder.name} | {len(cases)} | {base['right']:.1%} | {after['right']:.1%} | {base['wrong']:.1%} | "
              f"{after['wrong']:.1%} |", flush=True)
        for key in ("right", "wrong"):
            totals[f"base_{key}"] += base[key] * len(cases)
            totals[f"after_{key}"] += after[key] * len(cases)
        count += len(cases)
    print(f"| all | {count} | {totals['base_right'] / count:.1%} | {totals['after_right'] / count:.1%} | "
          f"{totals['base_wrong'] / count:.1%} | {totals['after_wrong'] / count:.1%} |")
    print(f"{count} wordings of {len(taught)} approved answers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
