"""Grading replay output against evaluation cases (shared/formats.md §2, §3).

The grader is deliberately plain: a fact is present when one of its strings
appears in the reply after removing spaces and punctuation, lower-casing and
folding Traditional to Simplified.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import opencc

from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.decision import Action


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    text = _t2s().convert(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ")


# A right answer is also *focused* when the whole reply holds at most this many characters once spaces,
# punctuation and symbols are removed (shared/formats.md §2).
FOCUSED_MAX_CHARS = 100


def reply_chars(reply: str | None) -> int:
    """The reply's length as the grader counts it: no spaces, punctuation or symbols."""
    return len("".join(ch for ch in fold(reply or "") if unicodedata.category(ch)[0] != "S"))


def facts_present(reply: str | None, facts: list[list[str]]) -> bool:
    folded = fold(reply or "")
    return all(any(fold(option) in folded for option in group) for group in facts)


_LETTER_SIZE = re.compile(r"(?<![a-z0-9])([2-9]?x{0,4}[sml]|x{1,4}[sl]|均码)(?![a-z])")
_NUMBER_SIZE = re.compile(r"(?<![0-9.])(\d{2,3}(?:\.5)?)(?:码|号)")


def size_label(label: str) -> str:
    """An expected size as the reply names it: a number written with its 码/号 (21码) is that number."""
    number = re.fullmatch(r"\s*(\d{2,3}(?:\.5)?)\s*(?:码|号)\s*", label)
    return number.group(1) if number else label


def named_sizes(reply: str | None, expected: list[str] | None = None) -> set[str]:
    """The sizes a reply names: letter sizes (S, M, 2XL), numbers followed by 码/号 (38码), and any expected
    label written as it is (165/88A). A reply that quotes a chart names all its sizes."""
    folded = unicodedata.normalize("NFKC", reply or "").lower()
    found = {m.group(1).upper() for m in _LETTER_SIZE.finditer(folded)}
    found |= {m.group(1) for m in _NUMBER_SIZE.finditer(folded)}
    for label in expected or []:
        if not _LETTER_SIZE.fullmatch(label.lower()) and not label.isdigit() and label.lower() in folded:
            found.add(label.upper())
    return found


@dataclass
class TurnGrade:
    case_id: str
    turn: int
    category: str | None
    expected: Action
    expected_reason: str | None
    got: Action
    got_reason: str | None
    correct: bool
    wrong_answer: bool
    latency_ms: float
    reply_chars: int = 0  # of an answer's reply, as reply_chars() counts
    size_turn: bool = False  # the turn expects exact sizes (or, expecting a hand-over, is about a size)
    size_outside: bool = False  # a hand-over was due and the reply named a size anyway


@dataclass
class Report:
    turns: list[TurnGrade] = field(default_factory=list)

    def _ratio(self, numerator: int, denominator: int) -> float:
        return numerator / denominator if denominator else 0.0

    @property
    def answer_turns(self) -> list[TurnGrade]:
        return [t for t in self.turns if t.expected == Action.ANSWER]

    @property
    def handoff_turns(self) -> list[TurnGrade]:
        return [t for t in self.turns if t.expected == Action.HANDOFF]

    def figures(self) -> dict[str, float]:
        answers, handoffs = self.answer_turns, self.handoff_turns
        predicted_handoffs = [t for t in self.turns if t.got == Action.HANDOFF]
        latencies = sorted(t.latency_ms for t in self.turns) or [0.0]
        lengths = sorted(t.reply_chars for t in self.turns if t.got == Action.ANSWER) or [0]
        focused = sum(t.correct and t.reply_chars <= FOCUSED_MAX_CHARS for t in answers)
        return {
            "turns": len(self.turns),
            "answer_accuracy": self._ratio(sum(t.correct for t in answers), len(answers)),
            "focused_accuracy": self._ratio(focused, len(answers)),
            "wrong_answer_rate": self._ratio(sum(t.wrong_answer for t in self.turns), len(self.turns)),
            "handoff_precision": self._ratio(
                sum(t.expected == Action.HANDOFF for t in predicted_handoffs), len(predicted_handoffs)
            ),
            "handoff_recall": self._ratio(sum(t.got == Action.HANDOFF for t in handoffs), len(handoffs)),
            "handoff_reason_accuracy": self._ratio(
                sum(t.got == Action.HANDOFF and (t.expected_reason in (None, t.got_reason)) for t in handoffs),
                len(handoffs),
            ),
            "auto_reception_rate": self._ratio(sum(t.correct for t in answers), len(self.turns)),
            "reply_chars_median": float(statistics.median(lengths)),
            "reply_chars_p90": float(lengths[min(len(lengths) - 1, round(0.9 * (len(lengths) - 1)))]),
            "latency_p50_ms": statistics.median(latencies),
            "latency_p95_ms": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))],
        }

    def size_figures(self) -> dict[str, float]:
        """Size turns apart (turns with expected sizes, and the turns of cases whose category names sizes)."""
        sized = [t for t in self.turns if t.size_turn]
        return {
            "size_turns": len(sized),
            "size_accuracy": self._ratio(sum(t.correct for t in sized), len(sized)),
            "sizes_given_when_handoff_due": sum(t.size_outside for t in sized),
        }

    def recall_by_reason(self) -> dict[str, tuple[int, int]]:
        totals: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        for t in self.handoff_turns:
            reason = t.expected_reason or "any"
            totals[reason] += 1
            hits[reason] += t.got == Action.HANDOFF
        return {reason: (hits[reason], totals[reason]) for reason in sorted(totals)}

    def accuracy_by_category(self) -> dict[str, tuple[int, int]]:
        totals: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        for t in self.turns:
            key = t.category or "-"
            totals[key] += 1
            hits[key] += t.correct
        return {key: (hits[key], totals[key]) for key in sorted(totals)}


def grade(cases: list[EvalCase], records: list[ReplayRecord]) -> Report:
    by_key = {(r.case_id, r.turn): r for r in records}
    report = Report()
    for case in cases:
        for index, turn in enumerate(case.turns):
            record = by_key.get((case.id, index))
            if record is None:
                raise ValueError(f"replay output has no line for case {case.id} turn {index}")
            expect = turn.expect
            labels = [size_label(size) for size in expect.sizes or []]
            sizes_ok = expect.sizes is None or named_sizes(record.reply, labels) == {size.upper() for size in labels}
            if expect.action == Action.ANSWER:
                correct = (record.action == Action.ANSWER and facts_present(record.reply, expect.facts)
                           and sizes_ok)
                wrong = record.action == Action.ANSWER and not correct
            else:
                correct = record.action == Action.HANDOFF and (
                    expect.reason is None or record.handoff_reason == expect.reason
                )
                wrong = record.action == Action.ANSWER  # an answer where a handoff was due
            report.turns.append(
                TurnGrade(
                    case_id=case.id,
                    turn=index,
                    category=case.category,
                    expected=expect.action,
                    expected_reason=expect.reason.value if expect.reason else None,
                    got=record.action,
                    got_reason=record.handoff_reason.value if record.handoff_reason else None,
                    correct=correct,
                    wrong_answer=wrong,
                    latency_ms=record.latency_ms,
                    reply_chars=reply_chars(record.reply) if record.action == Action.ANSWER else 0,
                    size_turn=expect.sizes is not None or "size" in (case.category or ""),
                    size_outside=(expect.action == Action.HANDOFF and record.action == Action.ANSWER
                                  and bool(named_sizes(record.reply))),
                )
            )
    return report
