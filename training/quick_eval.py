#!/usr/bin/env python3
"""The development loop's fast evaluation: every case set of every development shop through the brain itself.

Usage: python -m training.quick_eval [--shop NAME] [--failures] [--cases FILE]

Same brain, same grader as `kefu eval`, but the conversation state stays in memory instead of the emulated
DynamoDB, and the learned snapshots are cached (training/dataset.py): a full pass over all sets takes seconds,
not minutes. Figures reported anywhere come from `kefu eval`; this is for iterating.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from kefu_dev.evaluation.grade import grade
from kefu_dev.evaluation.replay import CASE_SEPARATOR, ReplayPlatform, _message, load_cases, load_orders

from kefu.answering.outgoing import OutgoingFilter
from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.conversation import ConversationState
from kefu.reception.brain import ShopBrain
from kefu.reception.knowledge_cache import brain_from_snapshot
from training.dataset import case_files, development_shops, learned


def replay(brain: ShopBrain, cases: list[EvalCase], platform: ReplayPlatform) -> list[ReplayRecord]:
    outgoing = OutgoingFilter()
    records: list[ReplayRecord] = []
    for case in cases:
        buyer = f"{case.buyer_id}{CASE_SEPARATOR}{case.id}"
        platform.set_case(buyer, case.order_status)
        state = ConversationState(shop_id=brain.shop.shop_id, buyer_id=buyer)
        for index in range(len(case.turns)):
            message = _message(brain.shop.shop_id, buyer, case, index)
            order = platform.latest_order(brain.shop.shop_id, buyer)
            state.order_status = order.status if order else "未下单"
            reply = brain.respond(message, state, order, datetime.now(UTC))
            state = reply.state
            outcome = reply.outcome
            text = outgoing(outcome.reply, brain.shop.forbidden_words) if outcome.reply else outcome.reply
            records.append(ReplayRecord(case_id=case.id, turn=index, action=outcome.action, reply=text,
                                        handoff_reason=outcome.handoff_reason, confidence=outcome.confidence,
                                        sources=outcome.sources, latency_ms=0.0))
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shop", action="append", help="only this development shop (repeatable)")
    parser.add_argument("--cases", type=Path, help="one cases file (with exactly one --shop)")
    parser.add_argument("--failures", action="store_true", help="list every turn graded wrong")
    args = parser.parse_args(argv)
    rows = []
    for shop_dir in development_shops():
        if args.shop and shop_dir.name not in args.shop:
            continue
        brain = brain_from_snapshot(learned(shop_dir))
        orders = load_orders(shop_dir)
        for path in [args.cases] if args.cases else case_files(shop_dir):
            cases = load_cases(path)
            records = replay(brain, cases, ReplayPlatform(orders))
            report = grade(cases, records)
            f = report.figures()
            rows.append((f"{shop_dir.name}/{path.name}", f))
            if args.failures:
                texts = {(c.id, i): t.text for c in cases for i, t in enumerate(c.turns)}
                by_key = {(r.case_id, r.turn): r for r in records}
                for turn in report.turns:
                    focused = turn.reply_chars <= 100
                    if turn.correct and focused:
                        continue
                    record = by_key[(turn.case_id, turn.turn)]
                    mark = "✗" if not turn.correct else "~"
                    print(f"  {mark} {shop_dir.name} {turn.case_id}#{turn.turn} exp {turn.expected.value}"
                          f"{'/' + turn.expected_reason if turn.expected_reason else ''} got {turn.got.value}"
                          f"{'/' + turn.got_reason if turn.got_reason else ''} c={record.confidence:.2f} "
                          f"| {texts[(turn.case_id, turn.turn)]} → {(record.reply or '')[:80]!r}")
    print(f"{'set':34} {'acc':>6} {'focus':>6} {'wrong':>6} {'h-prec':>6} {'h-rec':>6} {'len50':>5} {'len90':>5}")
    for name, f in rows:
        print(f"{name:34} {f['answer_accuracy']:6.1%} {f['focused_accuracy']:6.1%} {f['wrong_answer_rate']:6.1%} "
              f"{f['handoff_precision']:6.1%} {f['handoff_recall']:6.1%} {f['reply_chars_median']:5.0f} "
              f"{f['reply_chars_p90']:5.0f}")
    keys = ("answer_accuracy", "focused_accuracy", "wrong_answer_rate", "handoff_precision", "handoff_recall")
    mean = {k: statistics.mean(f[k] for _, f in rows) for k in keys}
    print(f"{'mean of sets':34} " + " ".join(f"{mean[k]:6.1%}" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
