"""The outgoing filter: no reply leads a buyer off the platform, whatever composed it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from kefu_dev.local.emulator import LocalAws

from kefu.answering.outgoing import FALLBACK_REPLY, OutgoingFilter, default_words
from kefu.knowledge.learn import learn_bundle
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.messages import QueuedMessage, TextMessage
from kefu.models.shop import Order, ShopConfig
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.reception.service import ReceptionService
from kefu.resources import AGENT_QUEUE, CONVERSATIONS, MESSAGE_LEDGER
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import MessageLedger

SHOPS = Path(__file__).resolve().parents[2] / "examples" / "shops"


@pytest.mark.parametrize(
    "reply",
    [
        "亲，加我微信abc123，给您便宜点。",
        "亲，加V详聊",
        "有问题加我vx：kefu888",
        "亲可以QQ联系我们",
        "亲，支付宝转账更优惠哦",
        "我们可以私下交易，不走平台",
        "线下交易也可以的",
        "淘宝店也有卖",
        "亲，拼多多外下单更便宜",
        "方便的话电话联系我",
        "亲，ＷｅＣｈａｔ: shop",  # full-width Latin
        "亲，微\u200b信号是abc",  # zero-width space inside the word
        "亲，微 信：abc",  # a space inside the word
        "亲，详情看 https://example.com",
    ],
)
def test_a_reply_with_a_forbidden_word_never_goes_out_unchanged(reply: str) -> None:
    outgoing = OutgoingFilter()
    result = outgoing.check(reply)
    assert result.changed and result.hits
    assert outgoing.hits(result.text) == []  # what goes out is clean
    assert outgoing.filtered == 1


def test_only_the_offending_sentence_is_removed_and_the_rest_of_the_answer_stays() -> None:
    result = OutgoingFilter().check("亲，付款后48小时内发货。有问题加微信abc咨询~ 偏远地区3-5天送达。")
    assert result.text == "亲，付款后48小时内发货。偏远地区3-5天送达。"
    assert len(result.hits) == 1  # 加微 or 微信: the first of overlapping words is reported


def test_nothing_useful_left_means_the_safe_fallback() -> None:
    assert OutgoingFilter()("亲，加V") == FALLBACK_REPLY
    assert OutgoingFilter(fallback="亲，请在平台内留言~")("QQ 12345") == "亲，请在平台内留言~"


def test_latin_words_match_whole_words_only_and_clean_replies_pass_untouched() -> None:
    outgoing = OutgoingFilter()
    for clean in ("亲，这款是avx系列", "亲，付款后48小时内发货。", "亲，qqq 不是号码"):
        assert outgoing.check(clean).text == clean
    assert outgoing.filtered == 0


def test_the_shop_adds_words_of_its_own() -> None:
    outgoing = OutgoingFilter()
    assert not outgoing.check("亲，可以去我们的小红书看看").changed
    assert outgoing.check("亲，可以去我们的小红书看看", ["小红书"]).text == FALLBACK_REPLY


def test_the_defaults_are_data_and_cover_the_platforms_usual_list() -> None:
    words = {word.lower() for word in default_words()}
    assert {"微信", "加v", "vx", "qq", "支付宝转账", "私下交易", "线下交易", "淘宝", "拼多多外", "电话联系"} <= words


@pytest.mark.parametrize("shop", ["hair-dye", "phone-case"])
def test_no_answer_the_sample_shops_know_is_touched(shop: str) -> None:
    """No false positives on real knowledge: every learned answer and fixed reply passes unchanged."""
    snapshot = learn_bundle(SHOPS / shop).snapshot
    outgoing = OutgoingFilter()
    config = snapshot.shop
    texts = [item.answer for item in snapshot.items]
    texts += [config.greeting, config.handoff_message, config.offline_message]
    touched = [text for text in texts if outgoing.check(text, config.forbidden_words).changed]
    assert touched == []


class _Platform:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        return None

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        self.sent.append(text)


def test_the_reply_path_filters_before_the_ledger_stores_and_the_platform_sends(local_aws: LocalAws) -> None:
    """Knowledge that itself carries an off-platform pointer (a mined chat answer, say) is filtered on the way out."""
    shop = ShopConfig(shop_id="s1", shop_name="测试店", agent_hours={"start": "00:00", "end": "23:59"},  # type: ignore[arg-type]
                      forbidden_words=["小红书"])
    item = KnowledgeItem(item_id="ship", shop_id="s1", kind=ItemKind.RULE_SECTION, title="发货时间",
                         questions=["什么时候发货"],
                         answer="付款后48小时内发货，急的话加微信kf888催单，也可以看小红书。",
                         source="rules/x.md#ship")
    brain = brain_from_snapshot(KnowledgeSnapshot(shop_id="s1", version="v1", shop=shop, items=[item]))
    dynamodb = boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")
    conversations = ConversationStore(dynamodb.Table(local_aws.names.table(CONVERSATIONS)))
    ledger = MessageLedger(dynamodb.Table(local_aws.names.table(MESSAGE_LEDGER)))
    platform = _Platform()
    outgoing = OutgoingFilter()
    service = ReceptionService(
        conversations=conversations, ledger=ledger,
        agent_queue=AgentQueue(dynamodb.Table(local_aws.names.table(AGENT_QUEUE))),
        platform=platform, brain_for=lambda shop_id: brain, outgoing=outgoing,
    )
    message = TextMessage(shop_id="s1", buyer_id="b1", message_id="m1", text="什么时候发货")
    outcome = service.handle(QueuedMessage(message=message, received_at=datetime.now(UTC)))

    assert platform.sent == [outcome.reply]
    assert outcome.reply is not None and "48小时" in outcome.reply
    assert outgoing.hits(outcome.reply, ["小红书"]) == [] and outgoing.filtered == 1
    stored = ledger.get("s1", "m1")
    assert stored is not None and stored.effects.outcome.reply == outcome.reply  # the ledger holds what was sent
    bot_turns = [turn.text for turn in conversations.transcript("s1", "b1") if turn.role.value == "bot"]
    assert bot_turns == [outcome.reply]
