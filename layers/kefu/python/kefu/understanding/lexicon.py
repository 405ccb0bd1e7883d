"""Data-driven word lists: loaded once from kefu/data, extended per shop."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_data(name: str) -> dict[str, Any]:
    text = resources.files("kefu.data").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _strip_doc(mapping: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if not k.startswith("_")}


class Lexicon:
    """Colloquial / dialect → standard words, as three tables of different reach."""

    def __init__(self, extra: dict[str, str] | None = None) -> None:
        data = load_data("lexicon.json")
        words = _strip_doc(data["words"])
        words.update(extra or {})
        # Longest first, so 咋整 wins over 咋.
        self.words = dict(sorted(words.items(), key=lambda kv: -len(kv[0])))
        self.single_char_tokens = _strip_doc(data["single_char_tokens"]["map"])
        self.particle_words = tuple(data["final_particles"].get("not_particles", []))
        self.final_particles = dict(
            sorted(_strip_doc(data["final_particles"]["map"]).items(), key=lambda kv: -len(kv[0]))
        )
