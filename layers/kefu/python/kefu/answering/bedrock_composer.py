"""A grounded reply through the Bedrock Converse API: the model may phrase, never invent.

The model sees only the numbered knowledge passages retrieved for the question and must
answer ``NO_ANSWER`` when they do not answer it. Its reply is then checked here before
anyone sees it: every number (price, duration, quantity ...) must occur in the passages
with the same unit, citations must point at passages that were given, and no contact
detail or off-platform pointer may slip through. Anything that fails a check is a refusal (``None``),
and the caller hands the conversation to a human.
Only used when ``KEFU_COMPOSER=bedrock``; the offline composer stays the local default.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from botocore.exceptions import ClientError

from kefu.answering.composer import ComposedReply
from kefu.knowledge.bedrock_embedder import RETRYABLE_CODES, BedrockRetry, MetricsSink
from kefu.models.knowledge import SearchHit
from kefu.platform import registry
from kefu.platform.base import PlatformWording

logger = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"

SYSTEM_PROMPT = (
    "你是{platform}店铺{shop}的在线客服。称呼买家为“亲”，语气亲切、自然，回答简洁，一般不超过三句话。\n"
    "\n"
    "必须遵守：\n"
    "1. 只能依据用户消息中【知识】部分编号的内容回答，不能使用知识以外的任何信息，"
    "不能编造、推测或自己计算价格、数量、时间、优惠。\n"
    "2. 回答中出现的数字（价格、天数、时长、数量等）必须和知识中的写法一致。\n"
    "3. 不提供任何地址、电话、手机号、微信、QQ，"
    "不引导买家到平台以外联系或交易（例如加微信、私下转账、其他网站或App）。\n"
    "4. 如果知识不能回答买家的问题，只输出 NO_ANSWER，不要输出任何其他内容。\n"
    "5. 在用到的知识后面标注它的编号，例如 [1]。\n"
    "6. 【背景】只帮助理解问题，不能作为回答的依据。"
)

# The markers of an answer that leads the buyer off any platform; each platform adds the apps and shops that are
# off-platform there (``PlatformWording.off_platform``).
_OFF_ANY_PLATFORM = (r"\bqq\b", r"扣扣", r"私聊", r"私下", r"支付宝转账", r"https?://", r"www\.")
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})(?!\d)")
_STREET_ADDRESS = re.compile(r"(?:省|市)[^，。,;；\s]{0,12}(?:区|县)[^，。,;；\s]{0,20}(?:路|街|道|巷|号)")
_CITATION = re.compile(r"\s*[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")

# --- quantities: a number together with its unit, so that 两天 is not grounded by 二次 or 2盒 ---------------
_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# written unit → canonical unit (个 before a unit is a filler: 48个小时 = 48小时)
_UNITS = {
    "个工作日": "工作日", "工作日": "工作日", "个小时": "小时", "小时": "小时", "钟头": "小时",
    "分钟": "分钟", "秒": "秒", "天": "天", "日": "天", "个星期": "周", "星期": "周", "周": "周",
    "个月": "月", "月": "月", "年": "年", "元": "元", "块钱": "元", "块": "元", "折": "折", "%": "%",
    "毫升": "毫升", "ml": "毫升", "克": "克", "g": "克", "公斤": "公斤", "斤": "斤", "毫米": "毫米",
    "厘米": "厘米", "米": "米", "盒": "盒", "瓶": "瓶", "支": "支", "袋": "袋", "包": "包", "罐": "罐",
    "件": "件", "份": "份", "张": "张", "次": "次", "倍": "倍", "岁": "岁", "人": "人", "步": "步",
    "遍": "遍", "种": "种", "款": "款", "色": "色", "号": "号", "个": "个",
}  # fmt: skip
_QUANTITY = re.compile(
    r"(?P<number>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)\s*(?P<unit>"
    + "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
    + ")?",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"\s*(?:-|~|～|—|–|到|至)\s*")


def _canonical(number: str) -> str:
    """39.90 → 39.9, 08 → 8: the same quantity written differently is the same number."""
    try:
        text = format(Decimal(number), "f")
    except InvalidOperation:
        return number
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.lstrip("0") or "0"


def _cn_to_int(numeral: str) -> int:
    total, digit = 0, 0
    for char in numeral:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        else:
            total += (digit or 1) * _CN_UNITS[char]  # 十五: a bare 十 means 10
            digit = 0
    return total + digit


def quantities_in(text: str) -> set[tuple[str, str]]:
    """Every (number, canonical unit or "") in a text; Arabic (full-width too) or Chinese numerals.

    A Chinese numeral counts only with a unit (七天, 两盒; not 一下, 一般). In a range the first
    number takes the second one's unit: 20-30分钟, 一到三个工作日.
    """
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[str, str, bool, int, int]] = []  # number, unit, is_chinese, start, end
    for match in _QUANTITY.finditer(text):
        number, unit = match.group("number"), match.group("unit") or ""
        chinese = not number[0].isdigit()
        value = str(_cn_to_int(number)) if chinese else _canonical(number)
        found.append((value, _UNITS.get(unit.lower(), ""), chinese, match.start(), match.end()))
    quantities: set[tuple[str, str]] = set()
    for index, (value, unit, chinese, _, end) in enumerate(found):
        if not unit and index + 1 < len(found):
            following = found[index + 1]
            if _RANGE_JOIN.fullmatch(text[end : following[3]]):
                unit = following[1]
        if unit or not chinese:
            quantities.add((value, unit))
    return quantities


def ungrounded_quantities(reply: str, knowledge: str) -> set[tuple[str, str]]:
    """The reply's quantities the knowledge does not state: same number with the same unit, or bare."""
    known = quantities_in(knowledge)
    known_numbers = {number for number, _ in known}
    return {
        (number, unit)
        for number, unit in quantities_in(reply)
        if not ((number, unit) in known or (number, "") in known or (not unit and number in known_numbers))
    }


def _passage(hit: SearchHit) -> str:
    item = hit.item
    return f"{item.title}：{item.answer}" if item.title and item.title not in item.answer else item.answer


class BedrockComposer:
    """``Composer`` over ``bedrock-runtime.converse`` with a grounding post-check; ``None`` means refuse."""

    def __init__(
        self,
        client: Any,
        model_id: str = "anthropic.claude-3-haiku-20240307-v1:0",
        shop_name: str | None = None,
        guardrail_id: str | None = None,
        guardrail_version: str | None = None,
        max_passages: int = 5,
        max_tokens: int = 400,
        retry: BedrockRetry | None = None,
        metrics: MetricsSink | None = None,
        platform: PlatformWording | None = None,
    ) -> None:
        if bool(guardrail_id) != bool(guardrail_version):
            raise ValueError("a guardrail needs both its identifier and its version")
        self._client = client
        self.model_id = model_id
        wording = platform or registry.wording(registry.DEFAULT_PLATFORM)
        self._system = SYSTEM_PROMPT.format(platform=wording.display_name, shop=f"「{shop_name}」" if shop_name else "")
        self._off_platform = re.compile("|".join(_OFF_ANY_PLATFORM + wording.off_platform), re.IGNORECASE)
        self._guardrail = (
            {"guardrailIdentifier": guardrail_id, "guardrailVersion": guardrail_version, "trace": "enabled"}
            if guardrail_id
            else None
        )
        self._max_passages = max_passages
        self._max_tokens = max_tokens
        self._retry = retry or BedrockRetry(metrics=metrics)

    def compose(self, question: str, hits: list[SearchHit], context: dict[str, str]) -> ComposedReply | None:
        hits = hits[: self._max_passages]
        if not hits or not question.strip():
            return None
        request = self.request(question, hits, context)
        try:
            response = self._retry(lambda: self._client.converse(**request))
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in RETRYABLE_CODES:
                raise  # still throttled after the retries: let the queue redeliver the message later
            logger.warning("bedrock converse refused the request", extra={"error_code": code})
            return None
        return self._check(response, hits)

    def request(self, question: str, hits: list[SearchHit], context: dict[str, str]) -> dict[str, Any]:
        """The Converse request (public so that tests and logs can show exactly what the model is asked)."""
        knowledge = "\n".join(f"[{number}] {_passage(hit)}" for number, hit in enumerate(hits, start=1))
        background = "\n".join(f"{key}：{value}" for key, value in context.items() if value)
        content: list[dict[str, Any]] = []
        if self._guardrail:
            # Guard only what needs guarding: the buyer's words as the query, the passages as the grounding
            # source (for a contextual grounding check); the instructions around them are ours.
            content.append({"text": "【知识】"})
            content.append(
                {"guardContent": {"text": {"text": knowledge, "qualifiers": ["grounding_source"]}}}
            )
            if background:
                content.append({"text": f"【背景】\n{background}"})
            content.append({"text": "【买家问题】"})
            content.append({"guardContent": {"text": {"text": question, "qualifiers": ["query"]}}})
        else:
            parts = [f"【知识】\n{knowledge}"]
            if background:
                parts.append(f"【背景】\n{background}")
            parts.append(f"【买家问题】\n{question}")
            content.append({"text": "\n\n".join(parts)})
        request: dict[str, Any] = {
            "modelId": self.model_id,
            "system": [{"text": self._system}],
            "messages": [{"role": "user", "content": content}],
            "inferenceConfig": {"maxTokens": self._max_tokens, "temperature": 0.0},
        }
        if self._guardrail:
            request["guardrailConfig"] = dict(self._guardrail)
        return request

    def _check(self, response: dict[str, Any], hits: list[SearchHit]) -> ComposedReply | None:
        stop = response.get("stopReason")
        if stop != "end_turn":  # guardrail_intervened, content_filtered, max_tokens (cut short) ...
            logger.info("bedrock reply refused", extra={"stop_reason": stop})
            return None
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        raw = "".join(block.get("text", "") for block in blocks).strip()
        if not raw or NO_ANSWER in raw:
            return None
        cited: list[int] = []
        for group in _CITATION.findall(raw):
            cited.extend(int(n) for n in re.split(r"\s*[,，、]\s*", group) if n.isdigit())
        text = re.sub(r"[ \t]+", " ", _CITATION.sub("", raw)).strip()
        if not text or any(not 1 <= n <= len(hits) for n in cited):  # a citation of nothing: confused
            return None
        passages = "\n".join(_passage(hit) for hit in hits)
        reason = self._ungrounded(text, passages)
        if reason:
            logger.info("bedrock reply refused", extra={"reason": reason})
            return None
        used = [hits[n - 1] for n in dict.fromkeys(cited)] or hits
        return ComposedReply(
            text=text,
            sources=list(dict.fromkeys(hit.item.source for hit in used)),
            confidence=max(hit.score for hit in used),
        )

    def _ungrounded(self, text: str, passages: str) -> str | None:
        """Why the reply may not be sent, or None when it is grounded in the passages."""
        if ungrounded_quantities(text, passages):
            return "number not in the knowledge"
        if _PHONE.search(unicodedata.normalize("NFKC", text)):
            return "phone number"
        if _STREET_ADDRESS.search(text):
            return "address"
        for marker in self._off_platform.findall(text):
            if marker.lower() not in passages.lower():
                return "off-platform pointer"
        return None
