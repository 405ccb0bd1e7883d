"""functions/agent_api with real-shaped API Gateway (REST v1 proxy) events, over the local AWS emulation."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from kefu_dev.local.emulator import LocalAws
from kefu_dev.local.gateway import proxy_event
from kefu_dev.local.handlers import LambdaContext, load_handler

from kefu.handoff.workspace import Workspace
from kefu.models.conversation import ConversationState, Mode, Role, Turn
from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.models.shop import Order
from kefu.platform.client import PlatformError
from kefu.resources import AGENT_QUEUE, CONVERSATIONS
from kefu.settings import get_settings
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore

SHOP = "hair-dye-demo"
TOKEN = "local-test-token"

pytestmark = pytest.mark.dynamodb_engines


class RecordingPlatform:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.fail = False

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        return Order(order_sn="251001-1", buyer_id=buyer_id, status="待发货")

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        if self.fail:
            raise PlatformError("50001", "busy", retryable=True)
        self.sent.append((buyer_id, text, client_msg_id))


@pytest.fixture
def restore_environment() -> Iterator[None]:
    """load_handler leaves its env in os.environ (as Lambda would): undo that for the other tests."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


class Api:
    def __init__(self, local_aws: LocalAws, token: str | None) -> None:
        env = {**local_aws.env(), "KEFU_SHOP_ID": SHOP, "KEFU_AGENT_API_TOKEN": token or ""}
        self.module: ModuleType = load_handler("agent_api", env)
        resource = boto3.resource("dynamodb", endpoint_url=local_aws.dynamodb_url, region_name="cn-north-1")
        self.queue = AgentQueue(resource.Table(local_aws.names.table(AGENT_QUEUE)))
        self.conversations = ConversationStore(resource.Table(local_aws.names.table(CONVERSATIONS)))
        self.platform = RecordingPlatform()
        self.module.set_workspace(Workspace(SHOP, self.queue, self.conversations, self.platform))

    def call(self, method: str, path: str, body: Any = None, agent: str | None = "alice",
             token: str | None = TOKEN,
             claims: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        headers = [("Host", "127.0.0.1"), ("Content-Type", "application/json")]
        if token is not None:
            headers.append(("Authorization", f"Bearer {token}"))
        if agent is not None:
            headers.append(("X-Agent-Id", agent))
        raw = body if isinstance(body, str) else (json.dumps(body) if body is not None else "")
        event = proxy_event(method, path, headers, raw.encode(), "127.0.0.1", resource="/{proxy+}",
                            path_parameters={"proxy": path.lstrip("/")})
        if claims is not None:  # what API Gateway's Cognito authorizer adds
            event["requestContext"]["authorizer"] = {"claims": claims}
        result = self.module.lambda_handler(event, LambdaContext(function_name="kefu-agent-api"))
        # REST proxy responses may carry headers in either map (Powertools uses multiValueHeaders).
        out = {name: ", ".join(values) for name, values in (result.get("multiValueHeaders") or {}).items()}
        out.update(result.get("headers") or {})
        is_json = out.get("Content-Type", "").startswith("application/json")
        return result["statusCode"], json.loads(result["body"]) if is_json else result["body"], out


@pytest.fixture
def api(local_aws: LocalAws, restore_environment: None) -> Api:
    return Api(local_aws, TOKEN)


def _handoff(api: Api, buyer: str = "u1001") -> str:
    now = datetime.now(UTC)
    ticket = HandoffTicket.open(SHOP, buyer, HandoffReason.EMOTION, "m2", emotion=0.82,
                                enqueued_at=now - timedelta(minutes=4))
    api.queue.enqueue(ticket)
    api.conversations.append_turn(SHOP, buyer, Turn(role=Role.BUYER, text="怎么还没发货，气死了", at=now,
                                                    message_id="m2"))
    api.conversations.save_state(ConversationState(shop_id=SHOP, buyer_id=buyer, mode=Mode.HUMAN))
    return ticket.handoff_id


def test_unauthenticated_requests_get_401(api: Api) -> None:
    handoff_id = _handoff(api)
    assert api.call("GET", "/agent/handoffs", token=None)[0] == 401
    assert api.call("GET", "/agent/handoffs", token="wrong")[0] == 401
    status, body, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/claim", agent=None)
    assert (status, body["error"]) == (401, "unauthenticated")
    assert api.call("POST", f"/agent/handoffs/{handoff_id}/claim", agent="bad agent id")[0] == 401
    assert api.queue.get(SHOP, handoff_id).status == "waiting"  # nothing happened


@pytest.mark.dynamodb_needs("old_item_on_condition_failure")  # a refused action answers 409 with the state
def test_list_open_claim_twice_reply_resolve(api: Api) -> None:
    handoff_id = _handoff(api)

    status, view, headers = api.call("GET", "/agent/handoffs")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    [row] = view["waiting"]
    assert row["handoff_id"] == handoff_id and row["reason_label"] == "买家情绪激动"
    assert row["overdue"] is True and row["age_s"] >= 240 and view["sla_minutes"] == 3

    status, package, _ = api.call("GET", f"/agent/handoffs/{handoff_id}")
    assert status == 200
    assert package["transcript"][0]["text"] == "怎么还没发货，气死了"
    assert package["order"]["status"] == "待发货" and package["ticket"]["emotion"] == 0.82
    assert len(package["suggestions"]) >= 2
    assert api.call("GET", "/agent/handoffs/nobody~m1")[0] == 404

    status, claimed, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/claim")
    assert (status, claimed["status"], claimed["claimed_by"]) == (200, "claimed", "alice")
    status, conflict, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/claim", agent="bob")
    assert (status, conflict["error"], conflict["claimed_by"]) == (409, "already_claimed", "alice")
    assert api.call("POST", "/agent/handoffs/nobody~m1/claim")[0] == 404

    # Invalid bodies are 400s, and a reply by someone else than the holder is a 409.
    for bad in ['{"text": ""}', '{"text": "   "}', "{not json", '{"text": "hi", "extra": 1}',
                json.dumps({"text": "x" * 1001}), '{"text": "hi", "client_ref": "has space"}']:
        status, error, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/reply", bad)
        assert (status, error["error"]) == (400, "invalid_request"), bad
    status, error, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/reply", {"text": "抢答"}, agent="bob")
    assert (status, error["error"]) == (409, "not_your_ticket")
    assert api.platform.sent == []

    status, sent, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/reply",
                               {"text": "亲，非常抱歉，马上为您催促发货", "client_ref": "c-1"})
    assert status == 200 and sent["client_msg_id"].startswith("ag-")
    assert api.platform.sent == [("u1001", "亲，非常抱歉，马上为您催促发货", sent["client_msg_id"])]
    turns = api.conversations.transcript(SHOP, "u1001")
    assert [(t.role, t.text) for t in turns][-1] == (Role.AGENT, "亲，非常抱歉，马上为您催促发货")

    api.platform.fail = True
    status, error, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/reply", {"text": "再发一条"})
    assert (status, error["error"], error["retryable"]) == (502, "platform_error", True)
    api.platform.fail = False

    assert api.call("POST", f"/agent/handoffs/{handoff_id}/resolve", agent="bob")[0] == 409
    status, resolved, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/resolve")
    assert (status, resolved["status"]) == (200, "resolved")
    assert api.conversations.load_state(SHOP, "u1001").mode == Mode.BOT
    status, error, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/reply", {"text": "还在吗"})
    assert (status, error["error"]) == (409, "invalid_state")
    assert api.call("GET", "/agent/handoffs")[1]["waiting"] == []


@pytest.mark.dynamodb_needs("old_item_on_condition_failure")  # a refused action answers 409 with the state
def test_give_back_from_waiting(api: Api) -> None:
    handoff_id = _handoff(api, "u2002")
    status, body, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/give-back")
    assert (status, body["status"]) == (200, "returned_to_bot")
    assert api.conversations.load_state(SHOP, "u2002").mode == Mode.BOT
    assert api.call("POST", f"/agent/handoffs/{handoff_id}/claim")[0] == 409


@pytest.mark.dynamodb_needs("old_item_on_condition_failure")  # a refused action answers 409 with the state
def test_in_aws_the_agent_comes_from_the_cognito_claims(local_aws: LocalAws,
                                                         restore_environment: None) -> None:
    api = Api(local_aws, token=None)
    handoff_id = _handoff(api)
    # No token check in the function: the authorizer did it; without its claims there is no agent.
    assert api.call("GET", "/agent/handoffs", token=None, agent=None)[0] == 401
    status, body, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/claim", token=None, agent="spoofed",
                               claims={"cognito:username": "agent.zhang", "sub": "3f1c"})
    assert (status, body["claimed_by"]) == (200, "agent.zhang")
    status, body, _ = api.call("POST", f"/agent/handoffs/{handoff_id}/claim", token=None, agent=None,
                               claims={"sub": "5a2d-77"})
    assert (status, body["error"]) == (409, "already_claimed")


def test_the_console_is_served_with_the_api(api: Api) -> None:
    status, page, headers = api.call("GET", "/console", token=None, agent=None)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for label in ("待处理列表", "会话详情", "聊天记录", "订单与物流", "转人工原因", "情绪分", "机器人已回复",
                  "推荐回复", "接待", "发送", "结束会话", "交还机器人"):
        assert label in page
    status, script, headers = api.call("GET", "/console/app.js", token=None, agent=None)
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and "POLL_MS" in script
    assert api.call("GET", "/console/style.css", token=None, agent=None)[0] == 200
    for missing in ("/console/nope.js", "/console/..%2Fapp.py", "/console/app.py"):
        assert api.call("GET", missing, token=None, agent=None)[0] == 404, missing
    for index in ("/console/", "/console/index.html"):  # relative asset links need the URL .../console
        status, _, headers = api.call("GET", index, token=None, agent=None)
        assert (status, headers["Location"]) == (302, "../console")
    assert api.call("GET", "/agent/nothing-here")[0] == 404
