"""Text helpers shared by the knowledge sources and the chat-log miner."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import Any

_STICKER = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,6}\]")  # [玫瑰] [捂脸] platform stickers
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\U0000fe0f\U0000200d\U00002b00-\U00002bff]"
)
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


@cache
def _t2s() -> Any:
    import opencc  # C++ extension; created once per process (~15 ms)

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional → Simplified (the reference OpenCC tables)."""
    return str(_t2s().convert(text)) if text else text


def clean_chat_text(text: str) -> str:
    """Chat text without stickers, emoji and runs of spaces (content kept as written)."""
    text = _STICKER.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """Matching form, as the replay scorer compares: NFKC, 繁→简, lower case, no spaces/punctuation."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PZS")


def tidy(text: str) -> str:
    """Clean prose for an answer: NFKC-width digits/letters, single spaces, no blank lines."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return "\n".join(line for line in lines if line)


def sha(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def stable_id(prefix: str, source: str) -> str:
    """Item id derived from where the item comes from, so re-learning keeps it."""
    return f"{prefix}-{sha(source, 12)}"


def content_hash(*parts: object) -> str:
    return sha(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str), 16)


@cache
def load_data(name: str) -> Any:
    """A JSON data file shipped in kefu/data/."""
    text = resources.files("kefu").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def topic_lexicon() -> dict[str, list[str]]:
    data = load_data("learn_topics.json")
    return {topic: list(words) for topic, words in data["topics"].items()}


def guess_topic(*texts: str) -> str | None:
    """Coarse topic by keyword votes (title counts double)."""
    scores: dict[str, float] = {}
    for weight, text in zip((2.0, 1.0, 1.0, 1.0), texts, strict=False):
        simple = to_simplified(text)
        for topic, words in topic_lexicon().items():
            hits = sum(1 for word in words if word in simple)
            if hits:
                scores[topic] = scores.get(topic, 0.0) + weight * hits
    if not scores:
        return None
    return max(sorted(scores), key=lambda topic: scores[topic])


def make_item(
    prefix: str,
    shop_id: str,
    goods_id: str | None,
    kind: Any,
    source: str,
    title: str,
    answer: str,
    questions: list[str],
    topic: str | None,
) -> Any:
    """A knowledge item with the id and content hash every source computes the same way."""
    from kefu.models.knowledge import KnowledgeItem

    return KnowledgeItem(
        item_id=stable_id(prefix, source),
        shop_id=shop_id,
        kind=kind,
        title=title,
        questions=questions,
        answer=answer,
        source=source,
        goods_id=goods_id,
        topic=topic,
        content_hash=content_hash(kind.value, title, questions, answer, goods_id, topic),
    )
