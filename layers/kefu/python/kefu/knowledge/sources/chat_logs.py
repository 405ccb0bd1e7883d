"""Exported chat logs (chat_logs/*.jsonl) → normalised sessions and question/answer pairs.

A session is one JSON line (formats.md §1). Sessions with identical content
(same product, status and messages, whatever their id or timestamps) are kept
once. Consecutive customer text messages form one turn; the first agent text
message after a customer turn is its answer. Stickers and emoji are removed;
PII is masked later by the miner, never copied as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kefu.knowledge.sources import Dropped
from kefu.knowledge.sources.text import clean_chat_text, sha


@dataclass(frozen=True)
class Turn:
    role: str  # customer | agent
    type: str  # text | image | video | ...
    text: str  # cleaned (stickers/emoji removed)


@dataclass
class Session:
    key: str  # "<file>#<session id>"
    goods_id: str | None
    order_status: str | None
    turns: list[Turn]


@dataclass(frozen=True)
class QAPair:
    session: str
    goods_id: str | None
    question: str  # the customer's turn (consecutive texts joined), not yet masked
    answer: str  # the first agent text that followed, not yet masked
    index: int  # 0 for the first question of the session
    with_media: bool  # the customer also sent a picture / video in this turn
    reaction: str  # the customer's next text after the answer ('' if none)
    session_answers: tuple[str, ...] = ()


@dataclass
class ChatLogs:
    sessions: list[Session] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    lines: int = 0
    duplicates: int = 0


def _session_fingerprint(raw: dict[str, Any]) -> str:
    messages = [
        (m.get("role"), m.get("type", "text"), (m.get("text") or "").strip())
        for m in raw.get("messages", [])
        if isinstance(m, dict)
    ]
    return sha(json.dumps([raw.get("goods_id"), raw.get("order_status"), messages], ensure_ascii=False), 24)


def load_chat_logs(shop_dir: Path) -> ChatLogs:
    logs = ChatLogs()
    seen: set[str] = set()
    for path in sorted((shop_dir / "chat_logs").glob("*.jsonl")):
        rel = path.relative_to(shop_dir).as_posix()
        logs.files.append(rel)
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                logs.lines += 1
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError:
                    logs.dropped.append(Dropped("invalid_line", f"{rel}:{number}"))
                    continue
                if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
                    logs.dropped.append(Dropped("invalid_line", f"{rel}:{number}"))
                    continue
                fingerprint = _session_fingerprint(raw)
                session_id = str(raw.get("session_id") or f"line{number}")
                if fingerprint in seen:
                    logs.duplicates += 1
                    logs.dropped.append(Dropped("duplicate_session", f"{rel}#{session_id}"))
                    continue
                seen.add(fingerprint)
                turns = []
                for message in raw["messages"]:
                    if not isinstance(message, dict):
                        continue
                    kind = str(message.get("type") or "text")
                    text = clean_chat_text(str(message.get("text") or "")) if kind == "text" else ""
                    turns.append(Turn(str(message.get("role") or ""), kind, text))
                goods = raw.get("goods_id")
                logs.sessions.append(
                    Session(
                        key=f"{rel}#{session_id}",
                        goods_id=str(goods) if goods else None,
                        order_status=raw.get("order_status"),
                        turns=turns,
                    )
                )
    return logs


def qa_pairs(session: Session) -> list[QAPair]:
    """The session's customer turns, each with the agent text that answered it."""
    pairs: list[QAPair] = []
    agent_texts = tuple(t.text for t in session.turns if t.role == "agent" and t.type == "text" and t.text)
    turns = session.turns
    position = 0
    index = 0
    while position < len(turns):
        if turns[position].role != "customer":
            position += 1
            continue
        texts: list[str] = []
        media = False
        while position < len(turns) and turns[position].role == "customer":
            turn = turns[position]
            if turn.type == "text":
                if turn.text:
                    texts.append(turn.text)
            else:
                media = True
            position += 1
        answer = ""
        while position < len(turns) and turns[position].role != "customer":
            turn = turns[position]
            if turn.role == "agent" and turn.type == "text" and turn.text and not answer:
                answer = turn.text
            position += 1
        reaction = ""
        for turn in turns[position:]:
            if turn.role == "customer" and turn.type == "text" and turn.text:
                reaction = turn.text
                break
            if turn.role == "agent":
                break
        if texts:
            pairs.append(
                QAPair(
                    session=session.key,
                    goods_id=session.goods_id,
                    question=" ".join(texts),
                    answer=answer,
                    index=index,
                    with_media=media,
                    reaction=reaction,
                    session_answers=agent_texts,
                )
            )
            index += 1
    return pairs
