"""BedrockComposer against botocore's Stubber: real Converse request / response shapes, no network."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Metrics
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from kefu.answering.bedrock_composer import (
    SYSTEM_PROMPT,
    BedrockComposer,
    quantities_in,
    ungrounded_quantities,
)
from kefu.answering.composer import ComposedReply, Composer
from kefu.knowledge.bedrock_embedder import BedrockRetry
from kefu.models.knowledge import ItemKind, KnowledgeItem, SearchHit

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
QUESTION = "亲 什么时候发货啊 发什么快递"


def _hit(item_id: str, title: str, answer: str, source: str, score: float) -> SearchHit:
    item = KnowledgeItem(
        item_id=item_id,
        shop_id="hair-dye-demo",
        kind=ItemKind.RULE_SECTION,
        title=title,
        answer=answer,
        source=source,
    )
    return SearchHit(item=item, score=score)


HITS = [
    _hit(
        "r1",
        "发货时间",
        "付款后48小时内发货，节假日顺延；默认发中通快递，偏远地区可能发邮政。",
        "rules/shipping.md#发货时间",
        0.86,
    ),
    _hit(
        "r2",
        "7天无理由退货",
        "签收后7天内，商品未拆封、不影响二次销售的可以申请退货。",
        "rules/after_sale.md#7天无理由退货",
        0.41,
    ),
]
KNOWLEDGE = (
    "[1] 发货时间：付款后48小时内发货，节假日顺延；默认发中通快递，偏远地区可能发邮政。\n"
    "[2] 7天无理由退货：签收后7天内，商品未拆封、不影响二次销售的可以申请退货。"
)


CONTEXT = {"商品": "植物泡泡染发剂", "订单号": ""}  # empty values are left out
BACKGROUND = "商品：植物泡泡染发剂"


def _client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _reply(text: str, stop: str = "end_turn", **extra: Any) -> dict[str, Any]:
    """A Converse response as the service returns it."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 612, "outputTokens": 41, "totalTokens": 653},
        "metrics": {"latencyMs": 874},
        **extra,
    }


def _expected_request(question: str = QUESTION) -> dict[str, Any]:
    return {
        "modelId": MODEL,
        "system": [{"text": SYSTEM_PROMPT.format(platform="拼多多", shop="「青丝坊旗舰店」")}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": f"【知识】\n{KNOWLEDGE}\n\n【背景】\n{BACKGROUND}\n\n【买家问题】\n{question}"}
                ],
            }
        ],
        "inferenceConfig": {"maxTokens": 400, "temperature": 0.0},
    }


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def client() -> Any:
    return _client()


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    sink = Metrics(namespace="kefu", service="test")
    sink.clear_metrics()
    yield sink
    sink.clear_metrics()


def _composer(client: Any, **kwargs: Any) -> BedrockComposer:
    kwargs.setdefault("retry", BedrockRetry(sleep=Sleeps()))
    return BedrockComposer(client, model_id=MODEL, shop_name="青丝坊旗舰店", **kwargs)


def test_is_a_composer(client: Any) -> None:
    composer: Composer = _composer(client)
    assert composer.compose("", HITS, {}) is None  # an empty question never reaches the model


def test_system_prompt_carries_the_rules() -> None:
    for rule in ("亲", "NO_ANSWER", "地址", "电话", "微信", "平台以外", "不能编造", "编号"):
        assert rule in SYSTEM_PROMPT


def test_grounded_answer_passes(client: Any, stub: Stubber) -> None:
    stub.add_response(
        "converse",
        _reply("亲，付款后48小时内发货哦，默认发中通快递，偏远地区可能发邮政[1]~"),
        _expected_request(),
    )

    reply = _composer(client).compose(QUESTION, HITS, CONTEXT)

    assert reply == ComposedReply(
        text="亲，付款后48小时内发货哦，默认发中通快递，偏远地区可能发邮政~",
        sources=["rules/shipping.md#发货时间"],
        confidence=0.86,
    )


def test_chinese_numerals_count_as_the_same_numbers(client: Any, stub: Stubber) -> None:
    stub.add_response("converse", _reply("亲，签收后七天内未拆封的可以申请退货哦【2】"), _expected_request())

    reply = _composer(client).compose(QUESTION, HITS, CONTEXT)

    assert reply is not None and reply.sources == ["rules/after_sale.md#7天无理由退货"]
    assert reply.confidence == 0.41


def test_uncited_reply_keeps_all_passages_as_sources(client: Any, stub: Stubber) -> None:
    stub.add_response("converse", _reply("亲，默认发中通快递哦~"), _expected_request())

    reply = _composer(client).compose(QUESTION, HITS, CONTEXT)

    assert reply is not None and len(reply.sources) == 2 and reply.confidence == 0.86


def test_no_answer_refuses(client: Any, stub: Stubber) -> None:
    stub.add_response("converse", _reply("NO_ANSWER"), _expected_request("可以开发票吗"))
    assert _composer(client).compose("可以开发票吗", HITS, CONTEXT) is None


@pytest.mark.parametrize(
    "text",
    [
        "亲，付款后24小时内发货哦[1]",  # 24 is not in the knowledge
        "亲，48小时内发货，3天左右就能到[1]",  # an invented delivery time
        "亲，现在下单立减5元哦",  # an invented price
        "亲，两天内发货哦[1]",  # 两天 = 2, not 48
    ],
)
def test_invented_number_refuses(client: Any, stub: Stubber, text: str) -> None:
    stub.add_response("converse", _reply(text), _expected_request())
    assert _composer(client).compose(QUESTION, HITS, CONTEXT) is None


@pytest.mark.parametrize(
    "text",
    [
        "亲，加微信详聊哦",
        "亲，有问题可以打电话 13812345678",
        "亲，可以到 www.example.com 看看",
        "亲，寄到浙江省杭州市余杭区良渚路就行",
    ],
)
def test_contact_details_and_off_platform_pointers_refuse(client: Any, stub: Stubber, text: str) -> None:
    stub.add_response("converse", _reply(text), _expected_request())
    assert _composer(client).compose(QUESTION, HITS, CONTEXT) is None


def test_citation_of_a_passage_not_given_refuses(client: Any, stub: Stubber) -> None:
    stub.add_response("converse", _reply("亲，默认发中通快递哦[3]"), _expected_request())
    assert _composer(client).compose(QUESTION, HITS, CONTEXT) is None


def test_cut_short_reply_refuses(client: Any, stub: Stubber) -> None:
    stub.add_response("converse", _reply("亲，付款后48小时内", stop="max_tokens"), _expected_request())
    assert _composer(client).compose(QUESTION, HITS, CONTEXT) is None


def test_throttling_then_success(client: Any, stub: Stubber, metrics: Metrics) -> None:
    stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429, _expected_request())
    stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429, _expected_request())
    stub.add_response("converse", _reply("亲，默认发中通快递哦[1]"), _expected_request())
    sleeps = Sleeps()
    retry = BedrockRetry(max_attempts=4, base_delay_s=0.5, metrics=metrics, sleep=sleeps)

    reply = _composer(client, retry=retry).compose(QUESTION, HITS, CONTEXT)

    assert reply is not None and reply.text == "亲，默认发中通快递哦"
    assert len(sleeps.calls) == 2 and sleeps.calls[0] <= 0.5 and sleeps.calls[1] <= 1.0
    assert dict(metrics.serialize_metric_set())["BedrockThrottles"] == [1.0, 1.0]


def test_throttled_past_the_retries_raises_for_redelivery(client: Any, stub: Stubber) -> None:
    for _ in range(2):
        stub.add_client_error(
            "converse", "ThrottlingException", "Too many requests", 429, _expected_request()
        )
    composer = _composer(client, retry=BedrockRetry(max_attempts=2, sleep=Sleeps()))

    with pytest.raises(ClientError):
        composer.compose(QUESTION, HITS, CONTEXT)


def test_a_refused_request_is_a_refusal_not_a_crash(client: Any, stub: Stubber) -> None:
    stub.add_client_error("converse", "ValidationException", "Input is too long", 400, _expected_request())
    assert _composer(client).compose(QUESTION, HITS, CONTEXT) is None


def test_guardrail_config_and_intervention(client: Any, stub: Stubber) -> None:
    expected = copy.deepcopy(_expected_request())
    expected["messages"][0]["content"] = [
        {"text": "【知识】"},
        {"guardContent": {"text": {"text": KNOWLEDGE, "qualifiers": ["grounding_source"]}}},
        {"text": f"【背景】\n{BACKGROUND}"},
        {"text": "【买家问题】"},
        {"guardContent": {"text": {"text": QUESTION, "qualifiers": ["query"]}}},
    ]
    expected["guardrailConfig"] = {
        "guardrailIdentifier": "gr-kefu01",
        "guardrailVersion": "3",
        "trace": "enabled",
    }
    trace = {
        "guardrail": {
            "inputAssessment": {
                "gr-kefu01": {
                    "contentPolicy": {
                        "filters": [{"type": "PROMPT_ATTACK", "confidence": "HIGH", "action": "BLOCKED"}]
                    }
                }
            }
        }
    }
    stub.add_response(
        "converse", _reply("抱歉，这个问题暂时无法回答。", stop="guardrail_intervened", trace=trace), expected
    )

    composer = _composer(client, guardrail_id="gr-kefu01", guardrail_version="3")

    assert composer.compose(QUESTION, HITS, CONTEXT) is None


def test_guardrail_needs_id_and_version(client: Any) -> None:
    with pytest.raises(ValueError):
        BedrockComposer(client, guardrail_id="gr-kefu01")


def test_no_hits_refuses_without_calling_bedrock(client: Any, stub: Stubber) -> None:
    assert _composer(client).compose(QUESTION, [], CONTEXT) is None


def test_only_the_best_passages_are_sent(client: Any) -> None:
    many = [_hit(f"r{n}", f"标题{n}", f"内容{n}", f"rules/x.md#{n}", 0.5) for n in range(8)]
    request = _composer(client, max_passages=3).request(QUESTION, many[:3], {})
    text = request["messages"][0]["content"][0]["text"]
    assert "[3] 标题2：内容2" in text and "[4]" not in text and "【背景】" not in text


def test_quantities_in() -> None:
    assert quantities_in("39.90元，２盒装６９.９元") == {("39.9", "元"), ("2", "盒"), ("69.9", "元")}
    assert quantities_in("20-30分钟，1-3个工作日") == {
        ("20", "分钟"),
        ("30", "分钟"),
        ("1", "工作日"),
        ("3", "工作日"),
    }
    assert quantities_in("十五分钟、二十天、一百二十毫升、两盒、七日、48个小时") == {
        ("15", "分钟"),
        ("20", "天"),
        ("120", "毫升"),
        ("2", "盒"),
        ("7", "天"),
        ("48", "小时"),
    }
    assert quantities_in("一到三个工作日") == {("1", "工作日"), ("3", "工作日")}
    assert quantities_in("稍等一下，一般都可以，统一发货，一梳黑") == set()
    assert quantities_in("满59减5，60ml+60ml") == {("59", ""), ("5", ""), ("60", "毫升")}


def test_ungrounded_quantities() -> None:
    knowledge = "付款后48小时内发货；签收后7天内未拆封可退，不影响二次销售；满59减5；植物泡泡染发剂1盒39.9元"
    assert ungrounded_quantities("亲，48个小时内发货，七天无理由", knowledge) == set()
    assert ungrounded_quantities("亲，满59元减5元", knowledge) == set()  # bare in the knowledge: any unit
    assert ungrounded_quantities("亲，39.9的", knowledge) == set()  # bare in the reply: any unit
    assert ungrounded_quantities("亲，两天内发货", knowledge) == {("2", "天")}  # 二次 is not 两天
    assert ungrounded_quantities("亲，39.9元2盒", knowledge) == {("2", "盒")}
