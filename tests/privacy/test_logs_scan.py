"""Buyer PII never appears in logs, metrics, mined knowledge or what an LLM would be sent.

A full replay of the demo shop's evaluation cases plus messages carrying fake PII (phones, addresses,
names, ID numbers, e-mail, order numbers) runs through the real handlers in this process: signed push →
webhook → FIFO queue → responder → platform simulator, with a platform outage in the middle (failure
paths log too), a message for another shop, and an undecodable queued body carrying PII; then the agent
console API opens, claims, answers and resolves the handoffs. Everything written to stdout / stderr
(Powertools' JSON logs and EMF metrics) and every log record is captured, at INFO, and scanned.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from kefu_dev.evaluation.replay import load_cases
from kefu_dev.local.emulator import LocalAws, client
from kefu_dev.local.gateway import proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler
from kefu_dev.local.poller import SqsPoller
from kefu_dev.local.simulator import PlatformSimulator

from kefu.knowledge.learn import learn_bundle
from kefu.models.handoff import HandoffStatus
from kefu.platform.pinduoduo.signing import pdd_sign
from kefu.privacy.pii import PLACEHOLDERS, find_pii
from kefu.resources import AGENT_QUEUE, INBOUND_QUEUE
from kefu.store.agent_queue import AgentQueue

SHOP = "hair-dye-demo"
SECRET = "test-platform-secret"
TOKEN = "privacy-token"
DEMO = Path(__file__).resolve().parents[2] / "examples" / "shops" / "hair-dye"

# Fake personal data, each value distinctive enough to be searched for verbatim in the output.
PII_VALUES = {
    "mobile": "13812345678",
    "mobile_spaced": "139 1234 5678",
    "id_card": "110101199003071234",
    "address": "浙江省杭州市西湖区文一路100号3栋501室",
    "address2": "广东省广州市天河区体育西路88号",
    "name": "王小明",
    "name2": "李华",
    "email": "wang.xm@example.com",
    "order_sn": "251121-604218735",
    "landline": "021-65432198",
}
PII_MESSAGES = [
    f"我的手机号是{PII_VALUES['mobile']}，麻烦改一下收货地址：{PII_VALUES['address']}，收件人{PII_VALUES['name']}",
    f"身份证号{PII_VALUES['id_card']} 能开发票吗",
    f"电话 {PII_VALUES['mobile_spaced']} 地址 {PII_VALUES['address2']} 收货人{PII_VALUES['name2']}",
    f"我叫{PII_VALUES['name']}，订单{PII_VALUES['order_sn']}怎么还没到",
    f"发票发到邮箱 {PII_VALUES['email']} 谢谢",
    f"座机{PII_VALUES['landline']}，打这个电话联系我，人工！",
    f"退货寄到哪 我的地址是{PII_VALUES['address']} 电话{PII_VALUES['mobile']}",
]


def _variants(value: str) -> set[str]:
    """The value as written, without separators, and JSON-escaped (a logger may escape non-ASCII)."""
    compact = re.sub(r"[\s\-]", "", value)
    return {value, compact, json.dumps(value)[1:-1], json.dumps(compact)[1:-1]}


class Pipeline:
    """The handlers in this process, fed like the runtime feeds them."""

    def __init__(self, env: dict[str, str], local_aws: LocalAws) -> None:
        self.webhook = load_handler("webhook", env)
        self.responder = load_handler("responder", env)
        self.agent_api = load_handler("agent_api", env)
        self.sqs = client("sqs", local_aws.endpoint_url)
        self.queue_url = local_aws.queue_urls[INBOUND_QUEUE.logical_id]
        self.poller = SqsPoller(self.sqs, self.queue_url, self._respond, wait_time_s=0, failure_visibility_s=0)
        self.count = 0

    def _respond(self, event: dict[str, Any]) -> Any:
        return self.responder.lambda_handler(event, LambdaContext("kefu-local-responder"))

    def push(self, buyer: str, text: str | None, kind: str = "text") -> None:
        self.count += 1
        message: dict[str, Any] = {"shop_id": SHOP, "buyer_id": buyer, "message_id": f"pv-{self.count}", "type": kind}
        if text is not None:
            message["text"] = text
        form = {"client_id": "kefu-local", "timestamp": str(int(time.time())), "type": "pdd.chat.message.push",
                "data": json.dumps(message, ensure_ascii=False)}
        form["sign"] = pdd_sign(form, SECRET)
        event = proxy_event("POST", "/webhook/pdd", [("Content-Type", "application/x-www-form-urlencoded")],
                            urlencode(form).encode(), "203.0.113.7")
        status = self.webhook.lambda_handler(event, LambdaContext("kefu-local-webhook"))["statusCode"]
        assert status == 200

    def drain(self) -> None:
        for _ in range(200):
            if self.poller.poll_once() == 0:
                return

    def agent(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        headers = [("Authorization", f"Bearer {TOKEN}"), ("X-Agent-Id", "agent-7"),
                   ("Content-Type", "application/json")]
        event = proxy_event(method, path, headers, json.dumps(body or {}).encode(), "198.51.100.4",
                            "/{proxy+}", {"proxy": path.lstrip("/")})
        response = self.agent_api.lambda_handler(event, LambdaContext("kefu-local-agent_api"))
        return int(response["statusCode"]), json.loads(response["body"] or "null")


@pytest.fixture
def pipeline(function_env: dict[str, str], local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    env = {**function_env, "POWERTOOLS_LOG_LEVEL": "INFO", "KEFU_AGENT_API_TOKEN": TOKEN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Pipeline(env, local_aws)


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)  # every logger, the functions' level
    yield caplog


def _scan(output: str) -> list[str]:
    """What looks like PII in the captured output: every string value of JSON lines, and other lines whole."""
    findings: list[str] = []

    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield str(key)
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    for line in output.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = line
        for text in strings(parsed):
            findings += [f"{found!r} in {text[:160]!r}" for found in find_pii(text)]
    return findings


def test_a_full_replay_with_pii_leaves_no_pii_in_logs_or_metrics(
    pipeline: Pipeline, platform_simulator: PlatformSimulator, local_aws: LocalAws,
    capfd: pytest.CaptureFixture[str], captured_logs: pytest.LogCaptureFixture,
) -> None:
    # 1. The demo shop's evaluation cases, each a conversation of its own.
    cases = load_cases(DEMO / "cases.jsonl")
    for case in cases:
        buyer = f"{case.buyer_id}~{case.id}"
        platform_simulator.set_order_status(buyer, case.order_status)
        for turn in case.turns:
            pipeline.push(buyer, turn.text if turn.type == "text" else None, turn.type)
    pipeline.drain()
    # 2. Messages carrying PII, some while the platform is down (failures and retries log too).
    platform_simulator.faults.fail_sends = 3
    for n, text in enumerate(PII_MESSAGES):
        buyer = f"pii-{n}"
        platform_simulator.set_order_status(buyer, "已发货")
        pipeline.push(buyer, text)
        pipeline.push(buyer, f"再说一遍，{text}")
    pipeline.drain()
    # 3. A message for another shop, and a queued body that does not parse, both carrying PII.
    other = {"message": {"shop_id": "other-shop", "buyer_id": "x1", "message_id": "pv-other", "type": "text",
                         "text": PII_MESSAGES[0]}, "received_at": "2025-11-25T06:00:00+00:00"}
    broken = {"message": {"shop_id": SHOP, "buyer_id": "x2", "message_id": "pv-broken", "type": "text",
                          "text": PII_MESSAGES[2], "sent_at": "not a time"}, "received_at": "soon"}
    too_long = {"message": {"shop_id": SHOP, "buyer_id": "x3", "message_id": "pv-long", "type": "text",
                            "text": PII_MESSAGES[0] * 60}, "received_at": "2025-11-25T06:00:00+00:00"}
    for n, body in enumerate((other, broken, too_long)):
        pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody=json.dumps(body, ensure_ascii=False),
                                  MessageGroupId=f"{SHOP}#x{n}", MessageDeduplicationId=f"pv-bad-{n}")
    pipeline.drain()
    # 4. The agent console: the queue, each handoff's context, claim, answer, resolve.
    status, _ = pipeline.agent("GET", "/agent/handoffs")
    assert status == 200
    waiting = AgentQueue(client_table(local_aws)).list_status(SHOP, HandoffStatus.WAITING)
    assert len(waiting) >= 5
    for ticket in waiting[:8]:
        handoff = ticket.handoff_id
        assert pipeline.agent("GET", f"/agent/handoffs/{handoff}")[0] == 200
        assert pipeline.agent("POST", f"/agent/handoffs/{handoff}/claim")[0] == 200
        answer = {"text": "亲，已为您登记，马上处理~"}
        assert pipeline.agent("POST", f"/agent/handoffs/{handoff}/reply", answer)[0] == 200
        assert pipeline.agent("POST", f"/agent/handoffs/{handoff}/resolve")[0] == 200

    out, err = capfd.readouterr()
    records = "\n".join(
        f"{record.name} {record.levelname} {record.getMessage()} {record.exc_text or ''}"
        for record in captured_logs.records
    )
    everything = "\n".join([out, err, records])
    assert len(out) > 10_000 and "MessagesAnswered" in out  # we really captured it all
    leaked = sorted(
        {name for name, value in PII_VALUES.items() for variant in _variants(value) if variant in everything}
    )
    assert leaked == [], f"PII values in the logs: {leaked}"
    assert _scan(everything) == []


def client_table(local_aws: LocalAws) -> Any:
    import boto3

    return boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1").Table(
        local_aws.names.table(AGENT_QUEUE)
    )


def test_mined_knowledge_carries_no_pii(tmp_path: Path) -> None:
    """Chat logs full of PII (the demo's own, plus every PII message above in customer and agent turns)."""
    bundle = tmp_path / "shop"
    shutil.copytree(DEMO, bundle)
    sessions = []
    for n, text in enumerate(PII_MESSAGES):
        sessions.append({
            "session_id": f"pii{n}", "goods_id": "100001", "order_status": "已发货",
            "messages": [
                {"role": "customer", "type": "text", "text": text, "ts": "2025-10-01T21:03:00+08:00"},
                {"role": "agent", "type": "text",
                 "text": f"好的{PII_VALUES['name']}，已记下您的电话{PII_VALUES['mobile']}，"
                         f"会寄到{PII_VALUES['address']}",
                 "ts": "2025-10-01T21:04:00+08:00"},
                {"role": "customer", "type": "text", "text": "这个染发剂怎么用 我电话13987654321",
                 "ts": "2025-10-01T21:05:00+08:00"},
                {"role": "agent", "type": "text", "text": "亲，先做皮肤过敏测试，停留20-30分钟再冲洗。",
                 "ts": "2025-10-01T21:06:00+08:00"},
            ],
        })
    with (bundle / "chat_logs" / "pii.jsonl").open("w", encoding="utf-8") as log:
        for session in sessions * 3:  # repeated, so that mining would keep them if it could
            log.write(json.dumps(session, ensure_ascii=False) + "\n")
    snapshot = learn_bundle(bundle).snapshot
    texts = [text for item in snapshot.items for text in (item.title, item.answer, *item.questions)]
    found = [(text, find_pii(text)) for text in texts if find_pii(text)]
    assert found == []
    assert not [value for value in PII_VALUES.values() for text in texts if value in text]
    # The learning report kept in the snapshot quotes dropped pairs masked; every value the detector knows
    # (numbers, addresses, e-mail, labelled names) is gone. A bare name in an agent's answer ("好的王小明")
    # has no label to be found by, so the report's quote may still carry it: see the closing report.
    report = snapshot.model_dump_json(include={"report"})
    assert not [v for k, v in PII_VALUES.items() if not k.startswith("name") and v in report]
    assert any(placeholder in report for placeholder in PLACEHOLDERS)


def test_the_console_shows_buyer_data_only_where_the_platform_shows_it(
    pipeline: Pipeline, platform_simulator: PlatformSimulator, local_aws: LocalAws
) -> None:
    """The context package carries the buyer's own words in the transcript (the platform shows the agent the
    chat) and nothing of them anywhere else: not in suggestions, bot answers, the ticket or its actions."""
    for n, text in enumerate(PII_MESSAGES):
        platform_simulator.set_order_status(f"ctx-{n}", "已发货")
        pipeline.push(f"ctx-{n}", text)
    pipeline.drain()
    waiting = AgentQueue(client_table(local_aws)).list_status(SHOP, HandoffStatus.WAITING)
    assert waiting
    for ticket in waiting:
        status, package = pipeline.agent("GET", f"/agent/handoffs/{ticket.handoff_id}")
        assert status == 200
        outside = dict(package)
        outside["transcript"] = [turn for turn in package["transcript"] if turn["role"] != "buyer"]
        text = json.dumps(outside, ensure_ascii=False)
        assert [name for name, value in PII_VALUES.items() if any(v in text for v in _variants(value))] == []


class _RecordingComposer:
    """A composer that records what it is asked (what an LLM would be sent) and declines to answer."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def compose(self, question: str, hits: list[Any], context: dict[str, str]) -> None:
        self.questions.append(question + " " + json.dumps(context, ensure_ascii=False))
        return None


def test_what_a_composer_is_given_carries_no_pii(demo_snapshot: Any) -> None:
    from datetime import UTC, datetime

    from kefu.models.conversation import ConversationState
    from kefu.models.messages import TextMessage
    from kefu.reception.knowledge_cache import brain_from_snapshot

    composer = _RecordingComposer()
    brain = brain_from_snapshot(demo_snapshot, composer)  # type: ignore[arg-type]
    questions = [f"{text} 这个染发剂怎么用" for text in PII_MESSAGES]
    questions += [f"这个染发剂怎么用 {text}" for text in PII_MESSAGES]
    for n, text in enumerate(questions):
        message = TextMessage(shop_id=SHOP, buyer_id=f"c{n}", message_id=f"c{n}", text=text)
        brain.respond(message, ConversationState(shop_id=SHOP, buyer_id=f"c{n}"), None, datetime.now(UTC))
    # Many of them reached the composer (the rest went to a human: a request for one, or an address change).
    assert len(composer.questions) >= len(questions) // 3
    assert [(q, find_pii(q)) for q in composer.questions if find_pii(q)] == []
    assert not [value for value in PII_VALUES.values() for q in composer.questions if value in q]
