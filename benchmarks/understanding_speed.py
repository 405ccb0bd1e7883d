#!/usr/bin/env python3
"""How long the brain takes per buyer message, and how long a shop's knowledge takes to load, against baselines
measured in the same run (these machines are shared and noisy: read the ratios).

Usage: python benchmarks/understanding_speed.py [--shop examples/shops/hair-dye] [--repeat 3]

Per message: ShopBrain.respond on every text turn of the shop's case files (understanding incl. the signal
classifier, retrieval, the two-stage ranker, passage picking and composition; no stores, no network), against the
naive floor of any encoder bot: encode the message and take the best cosine over the shop's view vectors. The
encoder's cache is cleared before each message so every message pays for its own encoding.
Load: snapshot bytes -> a ready brain (parse, decode the learned vectors, build the index and the understander),
against unzipping and parsing the same bytes with json.loads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from kefu_dev.evaluation.replay import load_cases
from kefu_dev.evaluation.suite import case_files

from kefu.encoder.bge import shared_encoder
from kefu.knowledge import snapshot as snapshots
from kefu.knowledge.learn import learn_bundle
from kefu.models.conversation import ConversationState
from kefu.models.messages import TextMessage
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.retrieval.search import KnowledgeSearch

REPO = Path(__file__).resolve().parent.parent


def timings_ms(run: Callable[[], object], repeat: int, before: Callable[[], None] = lambda: None) -> list[float]:
    out = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        run()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):7.2f} ms  p90 {ordered[int(0.9 * (len(ordered) - 1))]:7.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shop", type=Path, default=REPO / "examples" / "shops" / "hair-dye")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the messages (default 3)")
    args = parser.parse_args(argv)
    snapshot = learn_bundle(args.shop).snapshot
    data = snapshots.dumps(snapshot)
    encoder = shared_encoder()
    brain = brain_from_snapshot(snapshot)
    store = cast(KnowledgeSearch, brain.knowledge).store  # the embedded path is the one measured
    texts = [t.text for path in case_files(args.shop) for case in load_cases(path) for t in case.turns
             if t.type == "text"]
    print(f"{args.shop.name}: {len(texts)} messages x {args.repeat}, {len(store.views)} views, "
          f"snapshot {len(data) / 1e6:.1f} MB gzipped", file=sys.stderr)

    def respond(text: str) -> Callable[[], object]:
        message = TextMessage(shop_id=snapshot.shop.shop_id, buyer_id="bench", message_id="m", text=text)
        state = ConversationState(shop_id=snapshot.shop.shop_id, buyer_id="bench")
        return lambda: brain.respond(message, state, None, datetime.now(UTC))

    def naive(text: str) -> Callable[[], object]:
        return lambda: int((store.matrix @ encoder.encode([text])[0]).argmax())

    clear = encoder._cache.clear  # every message encodes afresh, as a new buyer's message does
    kefu_ms: list[float] = []
    naive_ms: list[float] = []
    for _ in range(args.repeat):  # interleaved, so both see the same machine
        for text in texts:
            kefu_ms += timings_ms(respond(text), 1, clear)
            naive_ms += timings_ms(naive(text), 1, clear)
    load_ms = timings_ms(lambda: brain_from_snapshot(snapshots.loads(data)), 5)
    parse_ms = timings_ms(lambda: json.loads(gzip.decompress(data)), 5)
    print(f"per message  kefu brain    {summary(kefu_ms)}")
    print(f"             encode+cosine {summary(naive_ms)}")
    print(f"             ratio (median) {statistics.median(kefu_ms) / statistics.median(naive_ms):.2f}x; "
          f"brain beyond the encoder {statistics.median(kefu_ms) - statistics.median(naive_ms):.2f} ms")
    print(f"load         snapshot -> brain {summary(load_ms)}")
    print(f"             gunzip+json.loads {summary(parse_ms)}")
    print(f"             ratio (median) {statistics.median(load_ms) / statistics.median(parse_ms):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
