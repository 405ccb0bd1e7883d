"""A short run of the load benchmark (benchmarks/load.py): the whole local runtime in a child process, signed
pushes from concurrent buyers, then the invariant check. Low rate, a few seconds: it proves the benchmark and
the invariants work end to end, not a throughput figure (that is the README's 5-minute run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_a_short_load_run_keeps_every_invariant(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "load.py"), "--profile", "evening", "--rate", "4", "--buyers", "12",
         "--duration", "6", "--drain-timeout", "60", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "load-evening.json").read_text(encoding="utf-8"))
    invariants = report["invariants"]
    assert invariants["ok"] and invariants["accepted"] >= 10
    assert invariants["outcomes"] == invariants["accepted"]
    assert invariants["lost"] == invariants["duplicated"] == invariants["order_violations"] == 0
    assert report["reply_ms"]["count"] > 0 and report["webhook_ack_ms"]["p50"] > 0
    assert "responder" in report["processes"]
    assert (tmp_path / "queue_depth.png").stat().st_size > 10_000
