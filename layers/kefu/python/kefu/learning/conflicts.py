"""Does a reply contradict the store rules? Facts both can state: return windows, shipping times, couriers.

A taught answer that says 15天无理由 where the rules say 7天, or 发顺丰 where the rules name only 中通,
is flagged for the reviewer instead of being learned quietly. Only facts the rules state are checked: a
reply about something the rules never mention cannot contradict them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as package_files

from kefu.models.knowledge import ItemKind, KnowledgeItem
from kefu.models.learning import RuleConflict
from kefu.sizing.numbers import arabic

_CONTEXT_CHARS = 8
_CLAUSE_END = re.compile(r"[。；;！!？?\n]")
_DAYS = re.compile(r"(\d+(?:\.\d+)?)\s*(个工作日|个小时|工作日|小时|天|日)")


@dataclass(frozen=True)
class Claim:
    kind: str
    value: str
    label: str


@lru_cache(maxsize=1)
def _data() -> dict[str, dict[str, object]]:
    text = package_files.files("kefu").joinpath("data/claims.json").read_text("utf-8")
    data: dict[str, dict[str, object]] = json.loads(text)
    return data


def claims(text: str) -> set[Claim]:
    """The checkable facts a text states."""
    lowered = arabic(text).lower()
    found: set[Claim] = set()
    couriers: dict[str, list[str]] = _data()["couriers"]  # type: ignore[assignment]
    for company, names in couriers.items():
        if any(name in lowered for name in names):
            found.add(Claim("courier", company, "快递"))
    durations: dict[str, dict[str, object]] = _data()["durations"]  # type: ignore[assignment]
    for match in _DAYS.finditer(lowered):
        days = float(match.group(1)) / (24.0 if "小时" in match.group(2) else 1.0)
        value = f"{days:g}天"
        # Its own clause only: "…退货。签收后48小时内联系客服" is a deadline to report, not a return window.
        before = _CLAUSE_END.split(lowered[max(0, match.start() - _CONTEXT_CHARS):match.start()])[-1]
        after = lowered[match.end():match.end() + _CONTEXT_CHARS]
        for kind, words in durations.items():
            if any(w in before for w in words["before"]) or any(after.startswith(w) for w in words["after"]):  # type: ignore[attr-defined]
                found.add(Claim(kind, value, str(words["label"])))
    return found


def rule_conflict(answer: str, rules: list[KnowledgeItem]) -> RuleConflict | None:
    """The first fact of the answer that the rules state otherwise, with the rule's source."""
    said = claims(answer)
    if not said:
        return None
    stated: dict[str, dict[str, str]] = {}  # kind → value → source
    for item in rules:
        if item.kind != ItemKind.RULE_SECTION:
            continue
        for claim in claims(item.answer):
            stated.setdefault(claim.kind, {}).setdefault(claim.value, item.source)
    for claim in sorted(said, key=lambda c: (c.kind, c.value)):
        values = stated.get(claim.kind)
        if not values or claim.value in values:
            continue
        return RuleConflict(kind=claim.kind, said=f"{claim.label}：{claim.value}",
                            rule=f"{claim.label}：{'、'.join(sorted(values))}", source=next(iter(values.values())))
    return None
