"""The handoff rules, evaluated in order before the agent answers (per shop, from shop.json)."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.models.conversation import ConversationState, Mode
from kefu.models.decision import HandoffReason
from kefu.models.messages import MessageType
from kefu.models.shop import NO_ORDER, ShopConfig
from kefu.understanding.understand import Understanding

MAX_BOT_ANSWERS_ON_ONE_NEED = 2


@dataclass(frozen=True)
class RuleInput:
    shop: ShopConfig
    state: ConversationState
    message_type: MessageType
    order_status: str
    understanding: Understanding | None  # None for media without text
    confidence: float  # of the best retrieved knowledge
    same_need_as_before: bool  # the retrieved need equals the one the bot already answered
    reasked: bool = False  # the buyer asks the same thing again in other words (not a new variant)


def media_goes_to_human(shop: ShopConfig, message_type: MessageType, order_status: str) -> bool:
    if message_type == MessageType.IMAGE:
        return order_status in shop.media_to_human.image
    if message_type == MessageType.VIDEO:
        return order_status in shop.media_to_human.video
    return False


def pre_answer_reason(rule: RuleInput) -> HandoffReason | None:
    """Rules 1–5: reasons that hold whatever the knowledge says."""
    if rule.state.mode == Mode.HUMAN:
        return HandoffReason.WITH_HUMAN
    if media_goes_to_human(rule.shop, rule.message_type, rule.order_status):
        return HandoffReason.MEDIA_RULE
    u = rule.understanding
    if u is None:
        return None
    if u.asks_for_human:
        return HandoffReason.EXPLICIT_REQUEST
    # After-sale presupposes a sale: a buyer with no order who fears a problem (怕压碎, 不会漏吧) asks before buying;
    # if the shop cannot answer, low confidence still brings a human.
    after_sale = rule.shop.after_sale_to_human and u.after_sale_needs_human and rule.order_status != NO_ORDER
    if u.sensitive or (u.angry and (u.insult or u.threat or not after_sale)):
        return HandoffReason.EMOTION
    # A buyer reporting a broken or missing item is often cross; unless they insult or threaten, the agent who
    # takes it is the after-sale one, with the order in hand.
    if after_sale:
        return HandoffReason.AFTER_SALE
    return None


def post_retrieval_reason(rule: RuleInput, threshold: float) -> HandoffReason | None:
    """Rules 6–7: the agent is not sure enough, or the buyer is still stuck after two answers."""
    u = rule.understanding
    # Stuck = the same need again after two answers, asked again or with a sign the answers did not help;
    # follow-ups that change a detail (新疆 → 西藏 → 广东) are progress, not failure.
    answered_enough = rule.state.bot_answers_on_topic >= MAX_BOT_ANSWERS_ON_ONE_NEED
    if u is not None and rule.same_need_as_before and answered_enough and (u.dissatisfied or rule.reasked):
        return HandoffReason.REPEATED_FAILURE
    if u is not None and u.dissatisfied and rule.state.bot_answers_on_topic >= 1:
        return HandoffReason.REPEATED_FAILURE
    if rule.confidence < threshold:
        return HandoffReason.LOW_CONFIDENCE
    return None
