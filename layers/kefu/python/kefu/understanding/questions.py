"""Several questions in one message (要自己调配吗 还有酒红色吗): split so that each gets its answer."""

from __future__ import annotations

from kefu.understanding import signals

MAX_QUESTIONS = 3


def question_parts(text: str) -> list[str]:
    """The message's questions, each with the context clauses just before it (我那个刻了名字的 啥时候发); [] when it
    asks one thing or none. Context after the last question belongs to that question."""
    parts: list[str] = []
    pending: list[str] = []
    for clause in signals.CLAUSE.findall(text):
        pending.append(clause)
        if signals.matches("question", clause):
            parts.append(" ".join(pending))
            pending = []
    if pending and parts:
        parts[-1] = " ".join([parts[-1], *pending])
    return parts[:MAX_QUESTIONS] if len(parts) >= 2 else []
