"""Honest data: no lexicon, concept or signal entry is lifted from an evaluation sentence.

A form of 4+ characters in the project's word lists that occurs verbatim in an evaluation case file
(examples/**/cases*.jsonl) must also occur in some shop bundle's own files (products, pages, rules, chat
logs, shop.json) or in the labelled training corpus (training/corpus); otherwise it was most likely copied
from the very sentence it is then graded on. Where the lists come from: training/corpus/README.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import opencc
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "layers" / "kefu" / "python" / "kefu" / "data"
MIN_CHARS = 4
# Literal runs inside a regular expression: what a pattern requires verbatim.
_LITERAL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
_REGEX_SPECIAL = re.compile(r"\\.|\[[^\]]*\]|[.*+?{}()|^$]")


@cache
def _fold() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _norm(text: str) -> str:
    return _fold().convert(text).lower()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if not str(k).startswith("_") for s in [str(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def lexicon_forms() -> dict[str, set[str]]:
    """file → the forms of 4+ characters its entries require verbatim (regular expressions: literal runs)."""
    out: dict[str, set[str]] = {}
    for path in sorted(DATA.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        forms: set[str] = set()
        for entry in _strings(data):
            pieces = _REGEX_SPECIAL.split(entry) if path.name == "signals.json" else [entry]
            for piece in pieces:
                forms |= {run for run in _LITERAL.findall(piece) if len(run) >= MIN_CHARS}
        out[path.name] = forms
    stopwords = (DATA / "stopwords.txt").read_text(encoding="utf-8").split()
    out["stopwords.txt"] = {w for w in stopwords if len(w) >= MIN_CHARS}
    return out


def _read(paths: list[Path]) -> str:
    return _norm("\n".join(p.read_text(encoding="utf-8", errors="replace") for p in paths if p.is_file()))


@cache
def case_text() -> str:
    """What buyers say in the evaluation cases (their turns' texts; ids and categories are not sentences)."""
    texts = []
    for path in sorted(REPO.glob("examples/**/*cases*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.extend(turn.get("text", "") for turn in json.loads(line).get("turns", []))
    return _norm("\n".join(texts))


@cache
def own_text() -> str:
    """Every shop bundle's own files (never its cases, README or tools) and the training corpus."""
    bundles: list[Path] = []
    for shop in sorted((REPO / "examples" / "shops").iterdir()):
        for pattern in ("shop.json", "products/*", "rules/*", "chat_logs/*", "orders.json"):
            bundles += sorted(shop.glob(pattern))
    return _read(bundles + sorted((REPO / "training" / "corpus").glob("**/*.jsonl")))


# Forms that were in the lists before any case file holding them was written (the commit that added each),
# so they cannot have been copied from those sentences.
PREDATE_THE_CASES = {
    "一件代发": "64de5b6 (concepts.json, first version); maternity and women-jeans were written in round 12",
    "钱多久到": "9d601bc (concepts.json, 2026-11-25); mens-casual and women-shoes were written in round 13",
}


def lifted(forms: set[str]) -> list[str]:
    cases, own = case_text(), own_text()
    return sorted(f for f in forms if _norm(f) in cases and _norm(f) not in own and f not in PREDATE_THE_CASES)


@pytest.mark.parametrize("name", sorted(lexicon_forms()))
def test_no_entry_is_taken_from_an_evaluation_sentence(name: str) -> None:
    assert lifted(lexicon_forms()[name]) == []


def test_the_check_sees_a_lifted_form() -> None:
    # A made-up entry that only an evaluation case contains is caught; one a bundle also contains is not.
    cases, own = case_text(), own_text()
    only_in_cases = next(m.group(0) for m in re.finditer(r"[\u4e00-\u9fff]{6}", cases) if m.group(0) not in own)
    assert lifted({only_in_cases}) == [only_in_cases]
    in_both = next(m.group(0) for m in re.finditer(r"[\u4e00-\u9fff]{4}", cases) if m.group(0) in own)
    assert lifted({in_both}) == []
