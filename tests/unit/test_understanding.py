"""Normalisation, signals and intent on colloquial, dialect, typo and Traditional input."""

from __future__ import annotations

import pytest

from kefu.models.conversation import ConversationState
from kefu.understanding.normalize import Normalizer
from kefu.understanding.understand import Intent, Understander


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer()


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander(handoff_keywords=["人工", "转人工", "真人"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("这个染发机咋用啊", "这个染发机怎么用啊"),
        ("木有收到货", "没有收到货"),
        ("侬好，嘛时候发货伐", "你好,什么时候发货吗"),
        ("會不會刺激頭皮", "会不会刺激头皮"),
        ("能便宜点不", "能便宜点吗"),
        ("護色洗髮水有沒有矽油", "护色洗发水有没有硅油"),
        ("ＯＫ　１２３", "ok 123"),
    ],
)
def test_normalize_maps_dialect_traditional_and_width(normalizer: Normalizer, raw: str, expected: str) -> None:
    assert normalizer.normalize(raw).text == expected


def test_normalize_drops_emoji_stickers_invisible_and_repeats(normalizer: Normalizer) -> None:
    result = normalizer.normalize("亲\u200b在吗😊😊[太阳]!!!\u202e")
    assert result.text == "亲在吗 !"
    assert result.exclamations == 3  # counted before collapsing: !!! is a sign of anger


def test_normalize_extracts_order_numbers_and_placeholders(normalizer: Normalizer) -> None:
    result = normalizer.normalize("[图片] 订单251121-604218735到哪了")
    assert result.order_numbers == ["251121-604218735"]
    assert result.placeholders == ["image"]
    assert "604218735" not in result.text


def test_final_particle_only_at_clause_end(normalizer: Normalizer) -> None:
    assert normalizer.normalize("不要不要").text == "不要不要"
    assert normalizer.normalize("感冒了还能用吗").text == "感冒了还能用吗"


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "有没有活人 机器人说话我听不懂",
        "叫你们老板出来跟我说",
        "麻煩幫我轉真人客服",
        "别整这些自动回复了 给我接个客服人员",
        "帮我转人攻",  # a homophone typo: heard, not spelled
        "找个人来和我说吧",
    ],
)
def test_asks_for_human(understander: Understander, text: str) -> None:
    assert understander.understand(text).intent == Intent.ASK_HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "你们是骗子吧 气死我了",
        "再不发货我就给差评",
        "我要打12315举报你们",
        "垃圾客服 滚",
        "拍了好几天了理都不理 我要投诉",
        "呵呵 你们客服就是摆设",  # sarcasm
    ],
)
def test_strong_emotion(understander: Understander, text: str) -> None:
    u = understander.understand(text)
    assert u.emotion >= 0.6
    assert u.intent == Intent.COMPLAINT


def test_negated_threat_is_calm(understander: Understander) -> None:
    assert understander.understand("放心 我不会给差评的").emotion < 0.6


@pytest.mark.parametrize(
    ("text", "needs_human"),
    [
        ("我要退货 退货地址发我下", True),
        ("用完脸肿得厉害 咋办", True),
        ("2盒装的只有一盒 你们少发了", True),
        ("寄过来要是漏液了你们管不管", False),  # a pre-sale what-if, answerable from the rules
        ("测完耳朵后面红了还痒 是不是就不能用了", False),  # a skin-test question, not a reaction after use
        ("买回去要是没拆 不想要了能退么", False),
        ("杯子昨天到的 一装水就漏水", True),
        ("用了半个月就不保温了", True),
        ("名字刻错了 给我重新做", True),
        ("申请退款两天了 能不能快点处理", True),  # the 'what if' word is in another clause
        ("万一 漏水了 怎么办", False),  # ... but here it governs the next clause
        ("快过期的别发给我", False),
    ],
)
def test_after_sale_needs_human(understander: Understander, text: str, needs_human: bool) -> None:
    assert understander.understand(text).after_sale_needs_human is needs_human


def test_sensitive_context_flagged(understander: Understander) -> None:
    assert understander.understand("我妈上周去世了 帮她买的这个还没拆").sensitive


def test_followup_leans_on_previous_need(understander: Understander) -> None:
    state = ConversationState(shop_id="s", buyer_id="b", last_query="寄新疆要加运费吗")
    u = understander.understand("那西藏呢", state)
    assert u.is_followup
    assert u.query.startswith("寄新疆要加运费吗")
    assert not understander.understand("发票怎么开", state).is_followup


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("要自己调配吗 还有酒红色没", ["要自己调配吗", "还有酒红色吗"]),
        ("我那个刻了名字的 啥时候能发 寄杭州几天到", ["我那个刻了名字的 什么时候能发", "寄杭州几天到"]),
        ("我有高血压 每天吃药 能用这个吗", []),  # one question, its context before it
        ("好的谢谢", []),
    ],
)
def test_question_parts(understander: Understander, text: str, parts: list[str]) -> None:
    assert understander.understand(text).questions == parts


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("客服小姐姐在吗", Intent.GREETING),  # whom the buyer calls, then whether anyone is there: a greeting
        ("老板 在不在", Intent.GREETING),
        ("亲 你好", Intent.GREETING),
        ("客服在吗 我要转人工", Intent.ASK_HUMAN),
    ],
)
def test_an_address_and_a_presence_check_is_a_greeting(understander: Understander, text: str,
                                                         intent: Intent) -> None:
    assert understander.understand(text).intent == intent


def test_a_question_after_the_greeting_is_not_a_greeting(understander: Understander) -> None:
    assert understander.understand("老板在吗 这个什么时候发货").intent != Intent.GREETING


def test_a_presence_check_before_a_question_does_not_swallow_it(understander: Understander) -> None:
    assert understander.understand("在吗 什么时候发货").intent != Intent.GREETING
    assert understander.understand("在不在呀 亲").intent == Intent.GREETING
    assert understander.understand("在吗在吗").intent == Intent.GREETING
