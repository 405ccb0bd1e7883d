"""The cost model runs and prints its price source, every backend's idle floor and the summary."""

from __future__ import annotations

import runpy

import pytest
from infra_synth import REPO


def test_cost_model_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(REPO / "benchmarks" / "cost_model.py"))
    assert module["main"]([]) == 0
    out = capsys.readouterr().out
    assert "published AWS list prices" in out and module["PRICE_DATE"] in out
    for shape in ("embedded index", "NextGen", "classic", "managed OpenSearch"):
        assert shape in out
    assert "idle floor" in out and "promotion day adds" in out
