#!/usr/bin/env python3
"""How auto-reception grows as agents' answers are approved, day by day, on the development shops.

Usage: python benchmarks/learning_curve.py [--days 5] [--shop NAME ...] [--svg docs/learning-curve.svg]

Each shop's cases (examples/shops/<shop>/*cases*.jsonl) are shuffled once (fixed seed) and dealt into days.
Every day's cases are replayed through the real reception pipeline twice: with the bundle alone (the
baseline: what that day's buyers would get without the loop) and with everything approved so far. The human
side is simulated as the issue prescribes: for every turn the learned bot handed over for low confidence or
repeated failure where an answer was due, the expected facts stand in for the agent's reply; the candidate is
built by the same code as in the console (learning.candidates: masking, the question turns), a reply that
contradicts the store rules is rejected as a merchant would, the rest is approved, and the next day starts
from the new snapshot. Auto-reception is the grader's: right answers over all turns.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kefu_dev.evaluation.grade import Report, grade
from kefu_dev.evaluation.replay import Replayer, load_cases, load_orders
from kefu_dev.evaluation.suite import case_files

from kefu.knowledge.learn import learn_bundle
from kefu.learning.candidates import taught_from
from kefu.learning.conflicts import rule_conflict
from kefu.learning.taught import apply_taught
from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.conversation import Role, Turn
from kefu.models.decision import Action
from kefu.models.handoff import HandoffTicket
from kefu.models.learning import AGENT_REPLY_SOURCE, LEARNABLE_REASONS, TaughtRecord
from kefu.reception.knowledge_cache import brain_from_snapshot

REPO = Path(__file__).resolve().parent.parent
SHOPS = REPO / "examples" / "shops"
SEED = 20261203
TAUGHT_LOG: list[dict[str, Any]] = []  # what was approved, with the facts it stands for (--taught-out)


def agent_reply(facts: list[list[str]]) -> str:
    """What the simulated agent says: each expected fact in its first wording."""
    return "亲，" + "，".join(alternatives[0] for alternatives in facts if alternatives) + "~"


def teach(shop_id: str, cases: list[EvalCase], records: list[ReplayRecord], snapshot: Any,
          day: int) -> tuple[list[TaughtRecord], int]:
    """Candidates from the day's learnable handoffs; those that contradict the rules are rejected."""
    by_key = {(r.case_id, r.turn): r for r in records}
    taught: list[TaughtRecord] = []
    rejected = 0
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)
    for case in cases:
        transcript: list[Turn] = []
        for index, turn in enumerate(case.turns):
            record = by_key[(case.id, index)]
            at = start + timedelta(minutes=index)
            message_id = f"{case.id}-{index}"
            transcript.append(Turn(role=Role.BUYER, text=turn.text or " ", at=at, message_id=message_id,
                                   message_type=turn.type))
            learnable = (record.action == Action.HANDOFF and record.handoff_reason in LEARNABLE_REASONS
                         and turn.expect.action == Action.ANSWER and turn.expect.facts)
            if not learnable:
                if record.reply:
                    transcript.append(Turn(role=Role.BOT, text=record.reply, at=at, message_id=message_id))
                continue
            ticket = HandoffTicket.open(shop_id, case.buyer_id, record.handoff_reason,  # type: ignore[arg-type]
                                        message_id, goods_id=case.goods_id, enqueued_at=at)
            replied = [*transcript, Turn(role=Role.AGENT, text=agent_reply(turn.expect.facts),
                                         at=at + timedelta(seconds=30))]
            candidate = taught_from(ticket, replied)
            if candidate is None:
                continue
            if rule_conflict(candidate.answer, snapshot.items) is not None:
                rejected += 1
                continue
            TAUGHT_LOG.append({"shop_id": shop_id, "item_id": f"taught-{case.id}-{index}",
                               "question": candidate.questions[0], "facts": turn.expect.facts,
                               "goods_id": case.goods_id})
            taught.append(TaughtRecord(
                item_id=f"taught-{case.id}-{index}", shop_id=shop_id, questions=candidate.questions,
                answer=candidate.answer, source=f"{AGENT_REPLY_SOURCE}{ticket.handoff_id}",
                goods_id=case.goods_id, approved_by="simulated-merchant", approved_at=at))
            break  # the conversation is with the agent from here on
    return taught, rejected


def replay(replayer: Replayer, snapshot: Any, cases: list[EvalCase]) -> tuple[list[ReplayRecord], Report]:
    replayer.snapshot = snapshot
    replayer.brain = brain_from_snapshot(snapshot)
    records = replayer.run(cases)
    return records, grade(cases, records)


def curve(shop: Path, days: int) -> list[dict[str, Any]]:
    snapshot = learn_bundle(shop).snapshot
    orders = load_orders(shop)
    cases = [case for path in case_files(shop) for case in load_cases(path)]
    random.Random(SEED).shuffle(cases)
    per_day = [cases[day::days] for day in range(days)]
    baseline_run, learned_run = Replayer(snapshot, orders), Replayer(snapshot, orders)
    taught: list[TaughtRecord] = []
    rows = []
    try:
        learned = snapshot
        for day, todays in enumerate(per_day, start=1):
            _, base = replay(baseline_run, snapshot, todays)
            records, report = replay(learned_run, learned, todays)
            new, rejected = teach(snapshot.shop_id, todays, records, learned, day)
            taught += new
            rows.append({"shop": shop.name, "day": day, "cases": len(todays),
                         "approved_before": len(taught) - len(new),
                         "auto_reception": report.figures()["auto_reception_rate"],
                         "wrong_answer_rate": report.figures()["wrong_answer_rate"],
                         "baseline_auto_reception": base.figures()["auto_reception_rate"],
                         "baseline_wrong_answer_rate": base.figures()["wrong_answer_rate"],
                         "approved_today": len(new), "rejected_today": rejected})
            print(f"{shop.name} day {day}: auto {rows[-1]['auto_reception']:.3f} (baseline "
                  f"{rows[-1]['baseline_auto_reception']:.3f}), wrong {rows[-1]['wrong_answer_rate']:.3f} "
                  f"(baseline {rows[-1]['baseline_wrong_answer_rate']:.3f}), +{len(new)} approved, "
                  f"{rejected} rejected", file=sys.stderr, flush=True)
            learned = apply_taught(snapshot, taught)
    finally:
        baseline_run.close()
        learned_run.close()
    return rows


def svg(totals: list[dict[str, float]], path: Path) -> None:
    """Two lines per figure (with the loop, bundle alone), one point per day."""
    width, height, pad = 560, 260, 44
    days = len(totals)

    def x(day: float) -> float:
        return pad + (width - 2 * pad) * (day - 1) / max(1, days - 1)

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * value

    series = [("auto_reception", "#1a7f37", "自动接待率（学习后）"),
              ("baseline_auto_reception", "#8c959f", "自动接待率（仅店铺资料）"),
              ("wrong_answer_rate", "#cf222e", "答错率（学习后）"),
              ("baseline_wrong_answer_rate", "#f0a0a0", "答错率（仅店铺资料）")]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11" '
             'font-family="sans-serif">', f'<rect width="{width}" height="{height}" fill="white"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{pad - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.0%}</text>')
    for day in range(1, days + 1):
        parts.append(f'<text x="{x(day):.1f}" y="{height - pad + 16}" text-anchor="middle">第{day}天</text>')
    for index, (key, colour, label) in enumerate(series):
        points = " ".join(f"{x(row['day']):.1f},{y(row[key]):.1f}" for row in totals)
        dash = ' stroke-dasharray="4 3"' if key.startswith("baseline") else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{pad + 130 * (index % 2)}" y="{14 + 14 * (index // 2)}" fill="{colour}">'
                     f'{label}</text>')
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5, help="how many days the cases are dealt into (default 5)")
    parser.add_argument("--shop", action="append", help="only this shop (repeatable)")
    parser.add_argument("--json", type=Path, help="also write every row as JSON here")
    parser.add_argument("--svg", type=Path, help="draw the all-shops curve here")
    parser.add_argument("--taught-out", type=Path, help="write the approved questions and their facts here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    shops = sorted(p for p in SHOPS.iterdir() if (p / "shop.json").is_file() and case_files(p)
                   and (not args.shop or p.name in args.shop))
    rows = [row for shop in shops for row in curve(shop, args.days)]
    totals = []
    for day in range(1, args.days + 1):
        todays = [row for row in rows if row["day"] == day]
        weight = sum(row["cases"] for row in todays)
        total: dict[str, float] = {"day": day, "approved_before": sum(row["approved_before"] for row in todays)}
        for key in ("auto_reception", "wrong_answer_rate", "baseline_auto_reception", "baseline_wrong_answer_rate"):
            total[key] = sum(row[key] * row["cases"] for row in todays) / weight
        totals.append(total)
    print("| day | approved so far | auto-reception (loop) | auto-reception (bundle only) | wrong (loop) | "
          "wrong (bundle only) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for total in totals:
        print(f"| {total['day']:.0f} | {total['approved_before']:.0f} | {total['auto_reception']:.1%} | "
              f"{total['baseline_auto_reception']:.1%} | {total['wrong_answer_rate']:.1%} | "
              f"{total['baseline_wrong_answer_rate']:.1%} |")
    print(f"{len(shops)} shops, case-weighted; {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "totals": totals}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    if args.svg:
        svg(totals, args.svg)
    if args.taught_out:
        args.taught_out.write_text(json.dumps(TAUGHT_LOG, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
