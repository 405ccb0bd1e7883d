"""A candidate item from an agent's reply to a handed-over question: what was asked, what the agent said.

Pure: the transcript and the ticket in, the masked question and answer out. The review service
(learning/review.py) adds what needs the shop's knowledge (similar items, duplicates, rule conflicts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kefu.models.conversation import Role, Turn
from kefu.models.handoff import HandoffTicket
from kefu.models.learning import LEARNABLE_REASONS
from kefu.privacy.pii import find_pii, mask_pii

# Buyer turns this close before the trigger still belong to the question (在吗 / 能开发票吗 sent apart).
MAX_QUESTION_TURNS = 3
MIN_ANSWER_CHARS = 4


@dataclass(frozen=True)
class Taught:
    questions: list[str]
    answer: str


def candidate_id(handoff_id: str) -> str:
    return "c-" + hashlib.sha256(handoff_id.encode()).hexdigest()[:16]


def _question_turns(transcript: list[Turn], trigger_message_id: str) -> list[Turn]:
    """The buyer's text turns of the handed-over need: the trigger and the buyer turns just before it."""
    position = next((i for i, turn in enumerate(transcript)
                     if turn.role == Role.BUYER and turn.message_id == trigger_message_id), None)
    if position is None:
        return []
    turns: list[Turn] = []
    for turn in reversed(transcript[:position + 1]):
        if turn.role != Role.BUYER or len(turns) >= MAX_QUESTION_TURNS:
            break
        if turn.message_type == "text":
            turns.insert(0, turn)
    return turns


def taught_from(ticket: HandoffTicket, transcript: list[Turn]) -> Taught | None:
    """The question and the agent's answer of a learnable handoff, masked; None when there is nothing to learn.

    The answer is every agent reply after the trigger, in order (an agent often answers in two messages).
    Anything that still looks personal after masking is not learned at all.
    """
    if ticket.reason not in LEARNABLE_REASONS:
        return None
    turns = _question_turns(transcript, ticket.trigger_message_id)
    if not turns:
        return None
    trigger_at = turns[-1].at
    replies = [turn.text.strip() for turn in transcript if turn.role == Role.AGENT and turn.at >= trigger_at]
    answer = mask_pii("\n".join(reply for reply in replies if reply))
    question = mask_pii(" ".join(turn.text.strip() for turn in turns))
    if len(answer) < MIN_ANSWER_CHARS or not question.strip():
        return None
    if find_pii(answer) or find_pii(question):
        return None
    return Taught(questions=[question], answer=answer)
