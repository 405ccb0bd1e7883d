"""The shop's brain: pure decision logic for one message, given the conversation and the buyer's order.

No I/O here: the service loads state and order, calls ``respond``, and applies what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kefu.answering.composer import ComposedReply, Composer
from kefu.answering.offline_composer import novelty
from kefu.handoff import rules
from kefu.models.conversation import ConversationState, Mode
from kefu.models.decision import Action, HandoffReason, Outcome
from kefu.models.handoff import HandoffTicket
from kefu.models.knowledge import KnowledgeItem, SearchHit
from kefu.models.messages import BuyerMessage, GoodsCardMessage, MessageType, OrderCardMessage, TextMessage
from kefu.models.shop import NO_ORDER, Order, ShopConfig
from kefu.privacy.pii import mask_pii
from kefu.retrieval.query import Query
from kefu.retrieval.search import Knowledge
from kefu.sizing.conversation import SizeAdvisor
from kefu.understanding.classifier import shared_classifier
from kefu.understanding.pinyin_input import PinyinReader
from kefu.understanding.understand import Intent, Understander, Understanding

SHIPPED = {"已发货", "部分发货", "交易成功"}
# Order statuses whose own wording helps retrieval find the rule that explains them.
STATUS_HINTS = {"待成团", "部分发货", "待付款", "交易关闭", "订单取消"}
# A logistics question answered from the buyer's own order only when it asks nothing else (发票, 退货 …).
LOGISTICS_CONCEPTS = frozenset({"tracking", "arrival", "carrier", "ship_time"})
# Encoder cosine above which a new message asks the same thing again (rephrasings of one question: 0.8-0.95).
REASK_SIMILARITY = 0.85
# Another question of the same message is answered too only when its own answer is this sure: a wrong extra
# answer costs more than a missing one (the buyer asks again).
# (Measured: short parts such as 会不会红得很扎眼 reach 0.6-0.78 on unrelated rules; real second answers 0.83+.)
OTHER_QUESTION_MIN_CONFIDENCE = 0.8
# ... and only when most of it is new to the reply, kept short: one reply, not a wall of text.
OTHER_ANSWER_MIN_NOVELTY = 0.5
OTHER_ANSWER_MAX_CHARS = 160
MEDIA_WORDS = {MessageType.IMAGE: "图片", MessageType.VIDEO: "视频"}


_LEADING_ADDRESS = re.compile(r"^亲[，,]\s*")
_ATTRIBUTE_VALUE = re.compile(r"[：:](.+?)。?$")
_VALUE_SPLIT = re.compile(r"[/、，,；;]")
COLOUR_ATTRIBUTES = ("颜色", "色号", "配色")
SIZE_ATTRIBUTES = ("尺码", "型号", "适配机型", "尺寸", "规格")


def catalogue_values(items: list[KnowledgeItem]) -> tuple[list[str], list[str]]:
    """Colours and sizes the shop sells, read from its product attribute facts (颜色：自然黑/深棕色 …)."""
    colours: set[str] = set()
    sizes: set[str] = set()
    for item in items:
        if "#attr/" not in item.source:
            continue
        attribute = item.source.rsplit("#attr/", 1)[1]
        match = _ATTRIBUTE_VALUE.search(item.answer)
        if not match:
            continue
        values = {v.strip() for v in _VALUE_SPLIT.split(match.group(1)) if 1 < len(v.strip()) <= 20}
        if any(word in attribute for word in COLOUR_ATTRIBUTES):
            colours |= values
        elif any(word in attribute for word in SIZE_ATTRIBUTES):
            sizes |= values
    return sorted(colours), sorted(sizes)


_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
MIN_SEGMENT_CHARS = 4


def _segments(u: Understanding) -> list[str]:
    """The message's questions and sentences, when it has more than one of either (else [])."""
    sentences = [part.strip() for part in _SENTENCE_END.split(u.text) if len(part.strip()) >= MIN_SEGMENT_CHARS]
    parts = list(u.questions) + (sentences if len(sentences) > 1 else [])
    return list(dict.fromkeys(parts))


@dataclass
class BrainReply:
    outcome: Outcome
    state: ConversationState
    ticket: HandoffTicket | None


class ShopBrain:
    def __init__(self, shop: ShopConfig, knowledge: Knowledge, composer: Composer,
                 threshold: float | None = None) -> None:
        self.shop = shop
        self.knowledge = knowledge
        self.composer = composer
        # The ranker's own calibrated bar unless the deployment sets one.
        self.threshold = knowledge.threshold if threshold is None else threshold
        self.sizer = SizeAdvisor(knowledge.size_guide())
        colours, sizes = catalogue_values(knowledge.items())
        words, latin = knowledge.vocabulary()
        concepts = knowledge.featurizer.concepts
        generic = [form for form, _ in concepts.forms] + sorted(knowledge.featurizer.stopwords)
        self.understander = Understander(
            knowledge.normalizer, colours=colours, sizes=sizes, handoff_keywords=shop.handoff_keywords,
            concepts=concepts, pinyin=PinyinReader(words, generic, latin),
            classifier=shared_classifier(), encode=knowledge.encode,
        )

    def respond(
        self, message: BuyerMessage, state: ConversationState, order: Order | None, now: datetime
    ) -> BrainReply:
        state = state.model_copy(deep=True)
        if message.goods_id:
            state.goods_id = message.goods_id
        order_status = order.status if order else NO_ORDER
        understanding = (
            self.understander.understand(message.text, state) if isinstance(message, TextMessage) else None
        )
        sizing = None
        if understanding is not None and state.mode == Mode.BOT and isinstance(message, TextMessage):
            sizing = self.sizer.consider(message.text, state)
            if sizing is None:
                state.size_pending = state.size_advised = False
        hits: list[SearchHit] = []
        if understanding is not None and state.mode == Mode.BOT and sizing is None:
            hits = self._retrieve(understanding, order_status, state.goods_id, state.last_query)
            segments = _segments(understanding)
            unsure = not hits or hits[0].score < self.threshold
            # A part the shop cannot answer (寄马来西亚) is never hidden behind a part it can (运费咋算).
            if segments and unsure and not self.knowledge.unknown_needs(understanding.text):
                # Several questions or sentences in one message blur each other (我叫… 订单怎么还没到 这个染发剂怎么用,
                # a long story with the question at its end): the surest single part leads; other questions are
                # added below when they are sure too.
                parts = [self._retrieve_question(understanding, q, order_status, state.goods_id) for q in segments]
                best = max(parts, key=lambda found: found[0].score if found else 0.0)
                if best and best[0].score >= max(self.threshold, OTHER_QUESTION_MIN_CONFIDENCE):
                    hits = best
        confidence = hits[0].score if hits else 0.0
        rule_input = rules.RuleInput(
            shop=self.shop,
            state=state,
            message_type=message.type,
            order_status=order_status,
            understanding=understanding,
            confidence=confidence,
            same_need_as_before=bool(hits and state.last_item_ids and hits[0].item.item_id == state.last_item_ids[0]),
            reasked=bool(understanding and state.last_query and not understanding.is_followup
                         and self.knowledge.similarity(understanding.text, state.last_query) >= REASK_SIMILARITY),
        )
        reason = rules.pre_answer_reason(rule_input)
        if reason == HandoffReason.AFTER_SALE and sizing is not None and sizing.answer is not None:
            reason = None  # 之前那单取消了 想重新拍 尺码不会挑: a size question, whatever came before it
        if reason is not None:
            return self._handoff(message, state, reason, understanding, order_status, confidence, now)
        if sizing is not None and understanding is not None:
            if sizing.answer is None:  # no chart for it, or outside the chart: a person decides, never a guess
                return self._handoff(message, state, HandoffReason.LOW_CONFIDENCE, understanding, order_status,
                                     0.0, now)
            state.last_query = None
            return self._answer(message, state, sizing.answer, 1.0, sizing.sources, understanding)
        if understanding is None:
            return self._answer(message, state, self._non_text_reply(message), 1.0, [], None)
        quick = self._small_talk(understanding, order)
        if quick is not None:
            return self._answer(message, state, quick, 1.0, [], understanding)
        reason = rules.post_retrieval_reason(rule_input, self.threshold)
        composed = None
        if reason is None:
            # The composer may call an LLM: it gets the question with personal data masked (Composer contract).
            composed = self.composer.compose(mask_pii(understanding.query), hits,
                                             self._composer_context(understanding, order_status))
            if composed is None:
                reason = HandoffReason.LOW_CONFIDENCE
            elif understanding.questions:
                composed = self._answer_other_questions(understanding, composed, order_status, state.goods_id)
        if reason is not None or composed is None:
            return self._handoff(message, state, reason or HandoffReason.LOW_CONFIDENCE, understanding,
                                 order_status, confidence, now)
        same_need = rule_input.same_need_as_before
        state.bot_answers_on_topic = state.bot_answers_on_topic + 1 if same_need else 1
        state.last_item_ids = [hit.item.item_id for hit in hits[:3]]
        state.last_topic = hits[0].item.topic or hits[0].item.title
        if not understanding.is_followup:  # a follow-up keeps the need it leans on
            state.last_query = understanding.text
        return self._answer(message, state, composed.text, composed.confidence, composed.sources, understanding)

    # --- steps -------------------------------------------------------------------------------------------

    def query_for(self, u: Understanding, order_status: str, goods_id: str | None, context: str | None) -> Query:
        """What retrieval looks up for an understood message (also what training/ extracts its examples from)."""
        text = u.text
        if u.intent in (Intent.SHIPPING, Intent.LOGISTICS) and order_status in STATUS_HINTS:
            text = f"{text} {order_status}"
        context = context if u.is_followup else None
        return self.knowledge.query(text, goods_id, context, own_meaning=u.implicit_followup)

    def _retrieve(self, u: Understanding, order_status: str, goods_id: str | None,
                  context: str | None) -> list[SearchHit]:
        return self.knowledge.search(self.query_for(u, order_status, goods_id, context), k=5)

    def _answer_other_questions(self, u: Understanding, composed: ComposedReply, order_status: str,
                                goods_id: str | None) -> ComposedReply:
        """要自己调配吗 还有酒红色吗: the reply found for the whole message answers one question; each other question
        whose own answer is sure and not yet said adds it."""
        text, sources = composed.text, list(composed.sources)
        for question in u.questions:
            hits = self._retrieve_question(u, question, order_status, goods_id)
            if not hits or hits[0].score < max(self.threshold, OTHER_QUESTION_MIN_CONFIDENCE):
                continue
            if hits[0].item.source in sources:
                continue
            more = self.composer.compose(mask_pii(question), hits, self._composer_context(u, order_status, question))
            if more is None:
                continue
            body = _LEADING_ADDRESS.sub("", more.text)
            if len(body) > OTHER_ANSWER_MAX_CHARS:
                body = body[:OTHER_ANSWER_MAX_CHARS].rsplit("\n", 1)[0]
            if len(body) > OTHER_ANSWER_MAX_CHARS or novelty(body, text) < OTHER_ANSWER_MIN_NOVELTY:
                continue
            text = f"{text}\n{body}"
            sources += [source for source in more.sources if source not in sources]
        return composed.model_copy(update={"text": text, "sources": sources})

    def _retrieve_question(self, u: Understanding, question: str, order_status: str,
                           goods_id: str | None) -> list[SearchHit]:
        """One question of the message, with the context clauses before it (我那个刻了名字的 啥时候发) or, when
        they only blur it, alone: whichever finds the surer answer."""
        best: list[SearchHit] = []
        for wording in dict.fromkeys([question, question.rsplit(" ", 1)[-1]]):
            part = u.model_copy(update={"text": wording, "query": wording, "is_followup": False,
                                        "implicit_followup": False})
            hits = self._retrieve(part, order_status, goods_id, None)
            if hits and (not best or hits[0].score > best[0].score):
                best = hits
        return best

    def _composer_context(self, u: Understanding, order_status: str, text: str | None = None) -> dict[str, str]:
        asked = self.knowledge.featurizer.asked_answer_types(text or u.text)
        return {"order_status": order_status, "asked_types": ",".join(sorted(asked))}

    def _small_talk(self, u: Understanding, order: Order | None) -> str | None:
        if u.intent == Intent.GREETING:
            return self.shop.greeting
        if u.intent == Intent.THANKS:
            return "不客气哦亲，还有什么问题随时找我~"
        logistics_only = self.knowledge.featurizer.concepts_of(u.text) <= LOGISTICS_CONCEPTS
        if (u.intent == Intent.LOGISTICS and logistics_only and order is not None and order.status in SHIPPED
                and order.logistics):
            logistics = order.logistics
            latest = logistics.events[-1].desc if logistics.events else "已发出，物流信息更新中"
            # Only the order's own data: how long delivery takes is the shop's rule, answered from its knowledge.
            return f"亲，您的订单由{logistics.company}配送，最新物流：{latest}。完整物流信息可以在订单详情里查看哦~"
        return None

    @staticmethod
    def _non_text_reply(message: BuyerMessage) -> str:
        if isinstance(message, GoodsCardMessage):
            name = message.goods_name or "这款商品"
            return f"亲，看到您在看{name}，有什么想了解的可以直接问我哦~"
        if isinstance(message, OrderCardMessage):
            return "亲，收到您的订单信息了，请问有什么可以帮您？"
        word = MEDIA_WORDS.get(message.type, "消息")
        return f"亲，收到您发的{word}了，请问有什么可以帮您？可以用文字描述一下您的问题哦~"

    def _answer(self, message: BuyerMessage, state: ConversationState, text: str, confidence: float,
                sources: list[str], u: Understanding | None) -> BrainReply:
        outcome = Outcome(
            message_id=message.message_id,
            conversation_key=f"{message.shop_id}#{message.buyer_id}",
            action=Action.ANSWER,
            reply=text,
            confidence=round(confidence, 4),
            sources=sources,
            intent=u.intent.value if u else message.type.value,
            emotion=u.emotion if u else 0.0,
            knowledge_version=self.knowledge.version,
        )
        return BrainReply(outcome, state, None)

    def _handoff(self, message: BuyerMessage, state: ConversationState, reason: HandoffReason,
                 u: Understanding | None, order_status: str, confidence: float, now: datetime) -> BrainReply:
        ticket = None
        reply: str | None = None
        if reason != HandoffReason.WITH_HUMAN:
            outside = not self.shop.agent_hours.contains(now.astimezone(ZoneInfo(self.shop.timezone)).time())
            reply = self.shop.offline_message if outside else self.shop.handoff_message
            ticket = HandoffTicket.open(
                message.shop_id, message.buyer_id, reason, message.message_id,
                emotion=u.emotion if u else 0.0, goods_id=state.goods_id, order_status=order_status,
                outside_hours=outside,
            )
            state.mode = Mode.HUMAN
            state.bot_answers_on_topic = 0
        outcome = Outcome(
            message_id=message.message_id,
            conversation_key=f"{message.shop_id}#{message.buyer_id}",
            action=Action.HANDOFF,
            reply=reply,
            handoff_reason=reason,
            confidence=round(confidence, 4),
            intent=u.intent.value if u else message.type.value,
            emotion=u.emotion if u else 0.0,
            knowledge_version=self.knowledge.version,
        )
        return BrainReply(outcome, state, ticket)
