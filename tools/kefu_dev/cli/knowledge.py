"""``kefu learn`` and ``kefu knowledge list|show|search``: learn a shop and inspect what was learned."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path(".kefu") / "knowledge"


def register(subparsers: Any) -> None:
    learn = subparsers.add_parser(
        "learn",
        help="learn a shop from its bundle (products, pages, rules, chat logs)",
        description=(
            "Learn a shop bundle (shared/formats.md §1): product facts and detail sections, detail-page "
            "sections, store-rule sections and the questions mined from the chat logs. Progress goes to "
            "stderr, a summary table to stdout. The snapshot is written to --out."
        ),
    )
    learn.add_argument("--shop", type=Path, required=True, help="the shop bundle folder (has shop.json)")
    learn.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"snapshot file to write (default {DEFAULT_DIR}/<shop_id>.json.gz)",
    )
    learn.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="snapshot of the last learning, to report what changed (default: the --out file if it exists)",
    )
    learn.add_argument(
        "--json", action="store_true", help="print the full report as JSON instead of the table"
    )
    learn.set_defaults(handler=_learn)

    knowledge = subparsers.add_parser(
        "knowledge",
        help="inspect learned knowledge: list, show, search, charts, gaps",
        description="See what the agent learned about a shop and why it answers what it answers.",
    )
    sub = knowledge.add_subparsers(dest="knowledge_command", metavar="SUBCOMMAND")
    sub.required = True

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--snapshot", type=Path, default=None, help="a snapshot file written by 'kefu learn'"
        )
        parser.add_argument("--shop", type=Path, default=None, help="learn this bundle in memory instead")
        parser.add_argument("--running", action="store_true",
                            help="the running local agent's current snapshot (with the answers approved in the "
                            "console), from .kefu/local.json")

    listing = sub.add_parser(
        "list", help="one line per item: id, kind, title, source", description="List items."
    )
    common(listing)
    listing.add_argument(
        "--kind", default=None, help="only items of this kind (rule_section, product_fact, ...)"
    )
    listing.add_argument("--goods", default=None, help="only items about this goods_id")
    listing.set_defaults(handler=_list)

    show = sub.add_parser("show", help="everything about one item or size chart",
                          description="Show one item, or one size chart and what was learned from it, in full.")
    common(show)
    show.add_argument("item_id", metavar="ID", help="an item id from 'kefu knowledge list' or a chart id "
                      "from 'kefu knowledge charts'")
    show.set_defaults(handler=_show)

    charts = sub.add_parser("charts", help="the size charts learned, and the tables that could not be read",
                            description="Every size chart: sizes and ranges, products, fit notes and rules.")
    common(charts)
    charts.set_defaults(handler=_charts)

    search = sub.add_parser(
        "search",
        help="what the agent would retrieve for a buyer's question",
        description="Rank items for a buyer's question with the project's retriever (the embedded index).",
    )
    common(search)
    search.add_argument("text", metavar="TEXT", help="the buyer's question")
    search.add_argument("--goods", default=None, help="the goods_id of the conversation")
    search.add_argument("-k", type=int, default=5, help="how many hits (default 5)")
    search.set_defaults(handler=_search)

    gaps = sub.add_parser(
        "gaps",
        help="what the agent handed over because it could not answer, grouped by meaning, with counts",
        description="The unanswered questions of a running agent (the local runtime's by default), most asked "
        "first; answer one in the console's 未解决问题 view.",
    )
    gaps.add_argument("--api", default=None, help="the agent API's base URL (default: from .kefu/local.json)")
    gaps.add_argument("--token", default=None, help="the agent token (default: from .kefu/local.json)")
    gaps.add_argument("--agent", default="cli", help="the agent id sent with the request (default cli)")
    gaps.add_argument("--json", action="store_true", help="print the gaps as JSON")
    gaps.set_defaults(handler=_gaps)


def _error(message: str) -> Exception:
    from kefu_dev.cli.main import UserFacingError

    return UserFacingError(message)


def _learn(args: argparse.Namespace) -> int:
    from kefu.knowledge.learn import BundleError, learn_bundle, load_shop
    from kefu.knowledge.snapshot import load_file, save_file

    shop_dir: Path = args.shop
    if not (shop_dir / "shop.json").is_file():
        raise _error(f"{shop_dir} is not a shop bundle (no shop.json)")
    try:
        shop = load_shop(shop_dir)
    except BundleError as error:
        raise _error(str(error)) from error
    out: Path = args.out or DEFAULT_DIR / f"{shop.shop_id}.json.gz"
    previous_path: Path | None = args.previous or (out if out.exists() else None)
    previous = None
    if previous_path is not None:
        try:
            previous = load_file(previous_path)
        except (OSError, ValueError) as error:
            print(f"kefu learn: ignoring previous snapshot {previous_path}: {error}", file=sys.stderr)

    def progress(message: str) -> None:
        print(f"[learn] {message}", file=sys.stderr, flush=True)

    try:
        result = learn_bundle(shop_dir, previous=previous, progress=progress)
    except BundleError as error:
        raise _error(str(error)) from error
    save_file(result.snapshot, out)
    if args.json:
        import json

        print(json.dumps(result.report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(result.report.as_dict(), out))
    return 0


def format_report(report: dict[str, Any], out: Path | None = None) -> str:
    lines = [f"shop {report['shop_id']}  version {report['version']}  ({report['seconds']:.2f} s)"]
    if out is not None:
        lines.append(f"snapshot  {out}")
    lines.append("")
    lines.append(f"{'items per source':<28}{'count':>7}")
    for source, count in report["items_by_source"].items():
        lines.append(f"  {source:<26}{count:>7}")
    lines.append(f"  {'total':<26}{sum(report['items_by_source'].values()):>7}")
    lines.append("")
    mining = report["mining"]
    lines.append(
        f"chat logs: {mining['sessions']} sessions ({mining['duplicate_sessions']} duplicates removed), "
        f"{mining['clusters']} question clusters, {mining['clusters_kept']} kept as mined items"
    )
    for entry in mining.get("kept", [])[:40]:
        lines.append(f"  {entry['cluster']:<18}{entry['sessions']:>3} sessions  {entry['title']}")
    lines.append("")
    lines.append(f"{'dropped (reason)':<28}{'count':>7}  example")
    for reason, entry in report["dropped"].items():
        example = entry["examples"][0] if entry["examples"] else ""
        lines.append(f"  {reason:<26}{entry['count']:>7}  {example[:70]}")
    sizing = report.get("sizing") or {}
    if sizing.get("charts") or sizing.get("unreadable"):
        lines.append("")
        lines.append(f"size charts: {len(sizing.get('charts', []))} read ('kefu knowledge charts' shows them)")
        for chart in sizing.get("charts", []):
            lines.append(f"  {chart['chart_id']}  {'/'.join(chart['sizes'])}  for {', '.join(chart['products']) or '-'}"
                         f"  ({chart['source']})")
        for problem in sizing.get("unreadable", []):
            lines.append(f"  unreadable: {problem['source']}: {problem['reason']}")
    changes = report["changes"]
    lines.append("")
    lines.append(
        f"vs previous {changes['previous_version'] or '-'}: +{changes['added']} added, "
        f"~{changes['changed']} changed, -{changes['removed']} removed, ={changes['unchanged']} unchanged"
    )
    return "\n".join(lines)


def _load(args: argparse.Namespace) -> Any:
    from kefu.knowledge.learn import BundleError, learn_bundle
    from kefu.knowledge.snapshot import load_file

    if getattr(args, "running", False):
        return _running_snapshot()
    if args.snapshot is not None:
        if not args.snapshot.is_file():
            raise _error(f"no snapshot at {args.snapshot}; run 'kefu learn --shop DIR' first")
        return load_file(args.snapshot)
    if args.shop is not None:
        try:
            return learn_bundle(args.shop).snapshot
        except BundleError as error:
            raise _error(str(error)) from error
    found = sorted(DEFAULT_DIR.glob("*.json.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not found:
        raise _error("no snapshot found: pass --snapshot FILE or --shop DIR (or run 'kefu learn' first)")
    return load_file(found[0])


def _running_snapshot() -> Any:
    """What the running agent serves now: the pointer's snapshot in its (emulated) S3."""
    from kefu.knowledge.snapshot import load_current
    from kefu.resources import KNOWLEDGE_BUCKET
    from kefu_dev.cli.runtime import _load_state
    from kefu_dev.local.emulator import client

    state = _load_state()
    if not state:
        raise _error("no running local agent (.kefu/local.json): start one with 'make run'")
    try:
        snapshot = load_current(client("s3", state["aws_endpoint_url"]), state["env"][KNOWLEDGE_BUCKET.env_var],
                                state["shop_id"])
    except Exception as error:  # connection refused: the state file outlived its runtime
        raise _error(f"the local agent's storage did not answer ({error}); is 'make run' still running?") from None
    if snapshot is None:
        raise _error("the running agent has no knowledge yet")
    return snapshot


def _list(args: argparse.Namespace) -> int:
    snapshot = _load(args)
    print(f"# shop {snapshot.shop_id}  version {snapshot.version}  {len(snapshot.items)} items")
    for item in snapshot.items:
        if args.kind and item.kind.value != args.kind:
            continue
        if args.goods and item.goods_id != args.goods:
            continue
        print(f"{item.item_id}\t{item.kind.value}\t{item.title}\t{item.source}")
    return 0


def _show(args: argparse.Namespace) -> int:
    snapshot = _load(args)
    item = next((i for i in snapshot.items if i.item_id == args.item_id), None)
    chart = next((c for c in snapshot.sizing.charts if c.chart_id == args.item_id), None)
    if item is None and chart is not None:
        from kefu.sizing.report import chart_lines

        print("\n".join(chart_lines(chart, snapshot.sizing)))
        return 0
    if item is None:
        raise _error(f"no item {args.item_id} in version {snapshot.version}; see 'kefu knowledge list'")
    print(f"id        {item.item_id}")
    print(f"kind      {item.kind.value}")
    print(f"title     {item.title}")
    print(f"source    {item.source}")
    print(f"goods_id  {item.goods_id or '-'}")
    print(f"topic     {item.topic or '-'}")
    print(f"hash      {item.content_hash}")
    print(f"version   {snapshot.version}")
    if item.questions:
        print("questions")
        for question in item.questions:
            print(f"  - {question}")
    print("answer")
    for line in item.answer.splitlines():
        print(f"  {line}")
    return 0


def _charts(args: argparse.Namespace) -> int:
    from kefu.sizing.report import guide_lines

    print("\n".join(guide_lines(_load(args).sizing)))
    return 0


def _search(args: argparse.Namespace) -> int:
    snapshot = _load(args)
    hits = search_snapshot(snapshot, args.text, args.goods, args.k)
    print(f"# {len(hits)} hits for {args.text!r} (version {snapshot.version})")
    for score, item, matched in hits:
        print(f"{score:.2f}\t{item.item_id}\t{item.kind.value}\t{item.title}\t{item.source}")
        if matched:
            print(f"\tmatched: {matched}")
        print(f"\t{item.answer.splitlines()[0][:100]}")
    return 0


def search_snapshot(
    snapshot: Any, text: str, goods_id: str | None, k: int
) -> list[tuple[float, Any, str | None]]:
    """The bot's own search: the encoder and lexical legs, then the calibrated ranker (scores are its confidence)."""
    from kefu.retrieval.search import KnowledgeSearch

    hits = KnowledgeSearch(snapshot).search_text(text, goods_id, k)
    return [(hit.score, hit.item, hit.matched_question) for hit in hits]


def _gaps(args: argparse.Namespace) -> int:
    """Unanswered questions from the agent API (the running local runtime's by default)."""
    import requests

    from kefu_dev.cli.runtime import _load_state

    state = _load_state() or {}
    api = (args.api or state.get("gateway_url") or "").rstrip("/")
    token = args.token or state.get("agent_token")
    if not api or not token:
        raise _error("no running local agent (.kefu/local.json): start one with 'make run', or pass --api and "
                     "--token")
    try:
        response = requests.get(f"{api}/agent/knowledge/gaps", timeout=30,
                                headers={"Authorization": f"Bearer {token}", "X-Agent-Id": args.agent})
    except requests.RequestException as error:
        raise _error(f"the agent API at {api} did not answer ({error}); is the agent running?") from None
    if response.status_code != 200:
        raise _error(f"the agent API refused: HTTP {response.status_code} {response.text[:200]}")
    gaps = response.json()["gaps"]
    if args.json:
        print(json.dumps(gaps, ensure_ascii=False, indent=2))
        return 0
    print(f"# {len(gaps)} unanswered questions (handed over for low confidence), most asked first")
    for gap in gaps:
        mark = "answered" if gap["answered"] else "open"
        print(f"{gap['count']:>4}x  {mark:<8}  last {gap['last_seen'][:16].replace('T', ' ')}  {gap['gap_id']}")
        for question in gap["questions"]:
            print(f"        {question}")
        print(f"        example: {gap['example_handoff_id']}")
    return 0
