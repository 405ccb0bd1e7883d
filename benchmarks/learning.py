"""Learning benchmark: learn time at 1×, 10×, 100× chat-log volume; snapshot size and cold-start load time.

Volume is generated from the sample sessions: new session ids, shuffled order,
varied greetings / fillers / punctuation, some Traditional ⇄ Simplified swaps,
and fake PII (phone numbers, order numbers, addresses) spliced into customer turns.

    .venv/bin/python benchmarks/learning.py [--shop examples/shops/hair-dye] [--scales 1 10 100] [--loads 20]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "kefu" / "python"))

from kefu.knowledge.learn import learn_bundle  # noqa: E402
from kefu.knowledge.snapshot import load_file, save_file  # noqa: E402

PREFIXES = ["", "", "亲 ", "在吗 ", "你好 ", "老板 ", "请问 ", "亲亲 ", "哈喽 "]
SUFFIXES = ["", "", "？", "?", "呀", "~", " 谢谢", "😂", "[捂脸]", "!!"]
SWAPS = {"发": "發", "货": "貨", "么": "麼", "头": "頭", "几": "幾", "过": "過", "吗": "嗎"}
PII = [
    lambda r: f" 电话1{r.choice('3578')}{r.randrange(10**8, 10**9)}",
    lambda r: f" 订单号25{r.randrange(1000, 1299)}-{r.randrange(10**8, 10**9)}",
    lambda r: (
        f" 地址{r.choice(['浙江省杭州市西湖区', '湖南省长沙市岳麓区', '河北省石家庄市长安区'])}"
        f"{r.choice(['文一路', '建设路', '和平街'])}{r.randrange(1, 300)}号"
        f"{r.randrange(1, 30)}栋{r.randrange(101, 2999)}室"
    ),
]


def perturb(session: dict, index: int, rng: random.Random) -> dict:
    out = json.loads(json.dumps(session))
    out["session_id"] = f"g{index:07d}"
    for message in out["messages"]:
        if message.get("role") != "customer" or message.get("type") != "text":
            continue
        text = message["text"]
        text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
        if rng.random() < 0.15:
            text = "".join(SWAPS.get(ch, ch) if rng.random() < 0.5 else ch for ch in text)
        if rng.random() < 0.1:
            text += rng.choice(PII)(rng)
        message["text"] = text
    return out


def make_bundle(shop: Path, scale: int, target: Path, seed: int = 7) -> Path:
    bundle = target / f"x{scale}"
    shutil.copytree(shop, bundle)
    lines = (shop / "chat_logs" / "history.jsonl").read_text(encoding="utf-8").splitlines()
    sessions = [json.loads(line) for line in lines if line.strip()]
    rng = random.Random(seed)
    generated = list(lines) if scale >= 1 else []
    counter = 0
    for _ in range(scale - 1):
        for session in sessions:
            counter += 1
            generated.append(json.dumps(perturb(session, counter, rng), ensure_ascii=False))
    rng.shuffle(generated)
    (bundle / "chat_logs" / "history.jsonl").write_text("\n".join(generated) + "\n", encoding="utf-8")
    return bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shop", type=Path, default=REPO / "examples" / "shops" / "hair-dye")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--loads", type=int, default=20, help="snapshot loads per scale (median reported)")
    args = parser.parse_args(argv)

    learn_bundle(args.shop)  # warm the process (opencc, pypinyin dictionaries), as a Lambda's init does
    rows = []
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as temporary:
        root = Path(temporary)
        for scale in args.scales:
            bundle = make_bundle(args.shop, scale, root)
            sessions = sum(
                1 for line in (bundle / "chat_logs" / "history.jsonl").open(encoding="utf-8") if line.strip()
            )
            log_bytes = (bundle / "chat_logs" / "history.jsonl").stat().st_size
            started = time.perf_counter()
            result = learn_bundle(bundle)
            learn_s = time.perf_counter() - started
            path = save_file(result.snapshot, root / f"x{scale}.json.gz")
            loads = []
            for _ in range(args.loads):
                started = time.perf_counter()
                load_file(path)
                loads.append((time.perf_counter() - started) * 1000)
            # Re-learning the unchanged bundle reuses the mined items (incremental path).
            started = time.perf_counter()
            learn_bundle(bundle, previous=result.snapshot)
            relearn_s = time.perf_counter() - started
            mining = result.report.mining
            rows.append(
                {
                    "scale": f"{scale}x",
                    "sessions": sessions,
                    "log_kb": log_bytes // 1024,
                    "learn_s": round(learn_s, 2),
                    "relearn_s": round(relearn_s, 2),
                    "items": len(result.snapshot.items),
                    "mined": mining["clusters_kept"],
                    "clusters": mining["clusters"],
                    "snapshot_kb": round(path.stat().st_size / 1024, 1),
                    "load_ms_median": round(statistics.median(loads), 1),
                    "load_ms_max": round(max(loads), 1),
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    headers = list(rows[0])
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in headers]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[h]).rjust(w) for h, w in zip(headers, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
