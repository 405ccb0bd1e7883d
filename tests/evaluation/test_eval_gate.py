"""The understanding gate: `kefu eval` on every development case set must stay at or above its floor.

The floors (floors.json) are the figures measured when they were set, less a margin for honest noise; a change that
makes the agent answer worse, answer wrongly more often, miss buyers who must reach a human or talk longer fails here.
Each bundle is learned once and replayed through the real reception pipeline over the local AWS emulation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kefu_dev.evaluation.suite import case_files, evaluate_bundle

SHOPS = Path(__file__).resolve().parents[2] / "examples" / "shops"
FLOORS: dict[str, Any] = json.loads((Path(__file__).with_name("floors.json")).read_text(encoding="utf-8"))
BUNDLES = sorted(p for p in SHOPS.iterdir() if (p / "shop.json").is_file() and case_files(p))


def test_every_development_case_set_has_a_floor() -> None:
    sets = {f"{shop.name}/{path.name}" for shop in BUNDLES for path in case_files(shop)}
    assert sets == {key for key in FLOORS if not key.startswith("_")}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("shop", BUNDLES, ids=lambda p: p.name)
def test_eval_figures_hold_their_floors(shop: Path) -> None:
    figures = evaluate_bundle(shop, case_files(shop))
    broken = []
    for name, measured in figures.items():
        for key, bound in FLOORS[name].items():
            figure = key.removesuffix("_min").removesuffix("_max")
            ok = measured[figure] >= bound if key.endswith("_min") else measured[figure] <= bound
            if not ok:
                broken.append(f"{name}: {figure} {measured[figure]:.3f} vs floor {bound}")
    assert not broken, "\n".join(broken)
