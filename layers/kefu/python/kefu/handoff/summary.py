"""The two-line summary at the top of a handover package, so an agent can reply without reading back.

Line 1, 买家想要：what the buyer asked up to the message that triggered the handoff, why it was handed
over, the goods and the order status. Line 2, 机器人已答：the bot's last answer before that message.
Pure. Buyer text is private: every transcript text is masked (kefu.privacy.pii) before it is shortened,
so a cut can never leave part of a phone number or an address behind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kefu.handoff.canned import goods_label
from kefu.models.conversation import Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.models.shop import Order
from kefu.privacy.pii import mask_pii

REASON_LABELS: dict[HandoffReason, str] = {
    HandoffReason.EXPLICIT_REQUEST: "买家要求人工",
    HandoffReason.EMOTION: "买家情绪激动",
    HandoffReason.AFTER_SALE: "售后问题",
    HandoffReason.MEDIA_RULE: "图片/视频需人工查看",
    HandoffReason.LOW_CONFIDENCE: "机器人没有把握",
    HandoffReason.REPEATED_FAILURE: "多次回答未解决",
    HandoffReason.WITH_HUMAN: "人工处理中",
}
# Asking for a human is not a need (the reason says it already), nor something the knowledge answers.
HANDOFF_WORDS = ("转人工", "人工客服", "找人工", "要人工", "真人", "人工", "客服")

WANTS_PREFIX = "买家想要："
ANSWERED_PREFIX = "机器人已答："
NO_ANSWER = "机器人未作答"
WANTS_MAX_CHARS = 40
ANSWER_MAX_CHARS = 40
BUYER_TEXTS = 2  # the trigger and the message before it usually state the need; older ones are history
_MEDIA = {"image": "发来图片", "video": "发来视频", "goods_card": "发来商品链接", "order_card": "发来订单"}
_FILLER = re.compile(r"[\s，,。.！!？?~～、]+")
# What is left of "我要找人工" / "麻烦帮我转一下人工好吗" once the handoff words are gone: no need in it.
_REQUEST_WORDS = re.compile(
    r"你好|您好|在吗|麻烦|我要|我想|帮我|给我|一下|好吗|可以吗|快点|赶紧|请|转|找|要|呢|吧|啊|呀|哦|了"
)
_SPACES = re.compile(r"\s+")
_MARKUP = re.compile(r"[#*>`|]+")
_LEAD = re.compile(r"^亲[，,~～\s]*")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_PLACEHOLDER = re.compile(r"\[[^\[\]]{1,6}\]")


def summarize(ticket: HandoffTicket, transcript: Sequence[Turn], order: Order | None = None,
              handoff_keywords: Sequence[str] = ()) -> str:
    """Two lines: 买家想要：… and 机器人已答：… (or 机器人未作答)."""
    before = _up_to_trigger(ticket, transcript)
    return "\n".join((_wants(ticket, before, order, handoff_keywords), _answered(before)))


def _up_to_trigger(ticket: HandoffTicket, transcript: Sequence[Turn]) -> list[Turn]:
    """The turns up to the buyer's triggering message; the bot's reply to it is the handoff notice."""
    for index in range(len(transcript) - 1, -1, -1):
        turn = transcript[index]
        if turn.role == Role.BUYER and turn.message_id == ticket.trigger_message_id:
            return list(transcript[: index + 1])
    # Trigger not in the (trimmed) transcript: everything, minus the notice answering the trigger.
    return [t for t in transcript if not (t.role == Role.BOT and t.message_id == ticket.trigger_message_id)]


def _wants(ticket: HandoffTicket, turns: list[Turn], order: Order | None, handoff_keywords: Sequence[str]) -> str:
    need = _buyer_need(turns, handoff_keywords)
    if not need:
        last = next((t for t in reversed(turns) if t.role == Role.BUYER), None)
        need = _MEDIA.get(last.message_type, "未说明") if last else "未说明"
    details = [REASON_LABELS.get(ticket.reason, ticket.reason.value)]
    details += _goods(ticket, order)
    status = order.status if order else ticket.order_status  # the live order over the status at handoff
    if status:
        details.append(f"订单：{status}")
    return f"{WANTS_PREFIX}{need}（{'；'.join(details)}）"


def _buyer_need(turns: list[Turn], handoff_keywords: Sequence[str]) -> str:
    """The buyer's newest texts since the bot last spoke, skipping bare requests for a human.

    When the newest run holds only 转人工, the need is the one before it (asked, answered badly, escalated).
    """
    words = sorted({*HANDOFF_WORDS, *handoff_keywords}, key=len, reverse=True)
    run: list[str] = []
    for turn in reversed(turns):
        if turn.role in (Role.BOT, Role.AGENT):
            if run:
                break
            continue
        if turn.role != Role.BUYER or turn.message_type != "text":
            continue
        if _says_more_than(turn.text, words):
            run.append(_SPACES.sub(" ", mask_pii(turn.text)).strip())
            if len(run) == BUYER_TEXTS:
                break
    texts = list(reversed(run))
    # Drop the older text before cutting the newest: the newest is what the agent answers.
    while len(texts) > 1 and len("；".join(texts)) > WANTS_MAX_CHARS:
        texts.pop(0)
    return clip("；".join(texts), WANTS_MAX_CHARS)


def _says_more_than(text: str, words: Sequence[str]) -> bool:
    for word in words:
        text = text.replace(word, " ")
    return len(_REQUEST_WORDS.sub("", _FILLER.sub("", text))) >= 2


def _goods(ticket: HandoffTicket, order: Order | None) -> list[str]:
    """The goods by name and spec when the order is for the goods in the chat, else by id."""
    if order is not None and (ticket.goods_id is None or ticket.goods_id == order.goods_id):
        label = goods_label(order)
        if label:
            return [f"商品：{label}"]
    return [f"商品ID：{ticket.goods_id}"] if ticket.goods_id else []


def _answered(turns: list[Turn]) -> str:
    last = next((t for t in reversed(turns) if t.role == Role.BOT and t.text.strip()), None)
    if last is None:
        return NO_ANSWER
    text = _LEAD.sub("", _SPACES.sub(" ", _MARKUP.sub(" ", mask_pii(last.text))).strip())
    return ANSWERED_PREFIX + clip(text, ANSWER_MAX_CHARS)


def clip(text: str, limit: int) -> str:
    """Whole sentences up to ``limit``; else a cut with …, never inside a placeholder such as [手机号].

    Whole sentences only while they keep at least half the room: "可以的。" alone would hide the answer.
    """
    if len(text) <= limit:
        return text
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if len(out) + len(sentence) > limit:
            break
        out += sentence
    if len(out) >= limit // 2:
        return out.strip()
    cut = limit - 1
    for match in _PLACEHOLDER.finditer(text):
        if match.start() < cut < match.end():
            cut = match.start()
    return text[:cut].rstrip("，,、；; ") + "…"
