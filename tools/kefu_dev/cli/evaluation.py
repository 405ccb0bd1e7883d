"""`kefu replay`, `kefu eval` and `kefu match`: measure the agent on evaluation cases and text pairs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kefu_dev.cli.progress import Progress


def register(subparsers: Any) -> None:
    replay = subparsers.add_parser(
        "replay",
        help="run evaluation cases through the real pipeline and write one JSON line per buyer turn",
        description="Learn the shop bundle, replay every case (each a fresh conversation) through the reception "
        "pipeline against the local AWS emulation, and write the replay output (shared/formats.md §3).",
    )
    _shop_and_cases(replay)
    replay.add_argument("--out", type=Path, required=True, help="where to write the replay JSON Lines")
    replay.set_defaults(handler=_replay)

    evaluate = subparsers.add_parser(
        "eval",
        help="replay + grade: answer accuracy, wrong answers, handoff precision/recall, auto-reception, latency",
        description="Replay the cases and grade them against their expectations. Prints the figures; "
        "--out also keeps the replay output.",
    )
    _shop_and_cases(evaluate)
    evaluate.add_argument("--out", type=Path, help="also write the replay JSON Lines here")
    evaluate.add_argument("--failures", action="store_true", help="list every turn graded wrong")
    evaluate.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    evaluate.set_defaults(handler=_eval)

    match = subparsers.add_parser(
        "match",
        help="score text pairs with the retriever's question similarity",
        description='Read JSON Lines {"a": "...", "b": "..."} and print {"score": s} per line: the similarity '
        "the retriever uses to compare a buyer's message with a known question.",
    )
    match.add_argument("--pairs", type=Path, required=True, help="JSON Lines file of pairs ('-' for stdin)")
    match.add_argument("--shop", type=Path, help="shop bundle whose vocabulary weights the features (optional)")
    match.set_defaults(handler=_match)


def _shop_and_cases(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shop", type=Path, required=True, help="shop bundle directory (shared/formats.md §1)")
    parser.add_argument("--cases", type=Path, help="evaluation cases JSON Lines (default: <shop>/cases.jsonl)")


def _run_replay(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    from kefu.knowledge.learn import learn_bundle
    from kefu_dev.cli.main import UserFacingError
    from kefu_dev.evaluation.replay import Replayer, load_cases, load_orders

    cases_path = args.cases or args.shop / "cases.jsonl"
    if not (args.shop / "shop.json").exists():
        raise UserFacingError(f"{args.shop} is not a shop bundle (no shop.json); see shared/formats.md §1")
    if not cases_path.exists():
        raise UserFacingError(f"no cases file at {cases_path}; pass --cases FILE")
    cases = load_cases(cases_path)
    print(f"learning {args.shop} …", file=sys.stderr)
    snapshot = learn_bundle(args.shop).snapshot
    replayer = Replayer(snapshot, load_orders(args.shop))
    try:
        records = replayer.run(cases, Progress("replay"))
    finally:
        replayer.close()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(record.model_dump_json() + "\n")
    return cases, records


def _replay(args: argparse.Namespace) -> int:
    _, records = _run_replay(args)
    print(f"wrote {len(records)} turns to {args.out}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from kefu_dev.evaluation.grade import FOCUSED_MAX_CHARS, grade

    cases, records = _run_replay(args)
    report = grade(cases, records)
    figures = report.figures()
    sized = report.size_figures()
    if sized["size_turns"]:
        figures = {**figures, **sized}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    print(f"turns                    {figures['turns']:.0f}")
    print(f"answer accuracy          {figures['answer_accuracy']:.1%}   (answer turns with every expected fact)")
    print(f"right and focused        {figures['focused_accuracy']:.1%}   (right, and the reply at most "
          f"{FOCUSED_MAX_CHARS} characters without punctuation)")
    print(f"wrong-answer rate        {figures['wrong_answer_rate']:.1%}   "
          "(answers missing facts or given where a handoff was due)")
    print(f"handoff precision        {figures['handoff_precision']:.1%}")
    print(f"handoff recall           {figures['handoff_recall']:.1%}")
    print(f"handoff reason accuracy  {figures['handoff_reason_accuracy']:.1%}")
    print(f"auto-reception rate      {figures['auto_reception_rate']:.1%}   "
          "(turns the agent kept and got right / all turns)")
    print(f"reply length median/p90  {figures['reply_chars_median']:.0f} / {figures['reply_chars_p90']:.0f} characters "
          "(answers, without punctuation)")
    print(f"latency p50 / p95        {figures['latency_p50_ms']:.1f} / {figures['latency_p95_ms']:.1f} ms per turn "
          "(whole pipeline incl. the emulated DynamoDB)")
    if sized["size_turns"]:
        print(f"size turns               {sized['size_accuracy']:.1%} of {sized['size_turns']:.0f}   (the exact sizes "
              f"named, or a hand-over); sizes named where a hand-over was due: "
              f"{sized['sizes_given_when_handoff_due']:.0f}")
    print("recall by reason         " + ", ".join(f"{r} {h}/{t}" for r, (h, t) in report.recall_by_reason().items()))
    by_category = report.accuracy_by_category().items()
    print("correct by category      " + ", ".join(f"{c} {h}/{t}" for c, (h, t) in by_category))
    if args.failures:
        by_key = {(r.case_id, r.turn): r for r in records}
        texts = {(c.id, i): t.text for c in cases for i, t in enumerate(c.turns)}
        for turn in report.turns:
            if not turn.correct:
                record = by_key[(turn.case_id, turn.turn)]
                print(f"  ✗ {turn.case_id}#{turn.turn} [{turn.category}] expected {turn.expected.value}"
                      f"{'/' + turn.expected_reason if turn.expected_reason else ''} got {turn.got.value}"
                      f"{'/' + turn.got_reason if turn.got_reason else ''} conf={record.confidence:.2f} "
                      f"| {texts[(turn.case_id, turn.turn)]} → {(record.reply or '')[:60]!r}")
    return 0


def _match(args: argparse.Namespace) -> int:
    from kefu_dev.cli.main import UserFacingError
    from kefu_dev.evaluation.matching import pair_scorer

    score = pair_scorer(args.shop)
    stream = sys.stdin if str(args.pairs) == "-" else args.pairs.open(encoding="utf-8")
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
            a, b = str(pair["a"]), str(pair["b"])
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserFacingError(f'line {number}: expected {{"a": "...", "b": "..."}}') from None
        print(json.dumps({"score": round(score(a, b), 4)}))
    return 0
