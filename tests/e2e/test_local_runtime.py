"""The local runtime end to end: buyer → simulator → signed webhook → gateway → SQS → poller → responder →
platform API → simulator, over real HTTP and the local AWS emulation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from kefu_dev.cli.main import build_parser, main
from kefu_dev.local.runtime import LocalRuntime
from kefu_dev.local.simulator import PlatformSimulator

from kefu.models.handoff import HandoffStatus
from kefu.resources import AGENT_QUEUE
from kefu.store.agent_queue import AgentQueue

pytestmark = pytest.mark.e2e

REPLY_TIMEOUT_S = 30.0  # generous: a shared 2-core machine


def _wait_for_messages(simulator_url: str, buyer: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    messages: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        messages = requests.get(f"{simulator_url}/buyer/{buyer}/messages", timeout=5).json()["messages"]
        if len(messages) >= count:
            return messages
        time.sleep(0.1)
    return messages


def test_a_signed_buyer_message_is_answered_at_the_simulator(local_runtime: LocalRuntime) -> None:
    url = local_runtime.simulator_url
    sent = requests.post(
        f"{url}/buyer/send", json={"buyer_id": "u1004", "text": "这个染发剂怎么用"}, timeout=20
    )
    assert sent.status_code == 200
    result = sent.json()
    assert result["status"] == 200 and result["response"]["accepted"] is True
    messages = _wait_for_messages(url, "u1004", 1)
    assert len(messages) == 1, "no reply reached the simulator"
    assert messages[0]["client_msg_id"] == f"re-{result['message_id']}"
    assert messages[0]["content"]
    assert local_runtime.simulator.duplicates == 0
    assert local_runtime.wait_until_idle()
    assert local_runtime.queue_depth()["dead_letter"] == 0


def test_an_image_from_a_buyer_with_an_order_goes_to_a_human(
    local_runtime: LocalRuntime, demo_shop: Path
) -> None:
    shop = json.loads((demo_shop / "shop.json").read_text(encoding="utf-8"))
    result = local_runtime.simulator.send_buyer_message("u1001", type="image")  # u1001: an order 已发货
    assert result["status"] == 200
    replies = local_runtime.simulator.wait_for_replies("u1001", 1, REPLY_TIMEOUT_S)
    # Inside agent hours the handoff message, outside them the offline message: both mean "a human takes it".
    assert [r["content"] for r in replies] in ([shop["handoff_message"]], [shop["offline_message"]])
    # The human side sees the conversation in the agent queue.
    env = local_runtime.env
    dynamodb = boto3.resource(
        "dynamodb", endpoint_url=local_runtime.endpoint_url, region_name=env["AWS_REGION"]
    )
    queue = AgentQueue(dynamodb.Table(env[AGENT_QUEUE.env_var]))
    waiting = queue.list_status(local_runtime.shop_id, HandoffStatus.WAITING)
    assert [(ticket.buyer_id, ticket.reason.value) for ticket in waiting] == [("u1001", "media_rule")]


def test_quick_messages_of_one_buyer_are_answered_in_order(local_runtime: LocalRuntime) -> None:
    simulator = local_runtime.simulator
    texts = ["你好", "什么时候发货", "有没有发票"]
    ids = [simulator.send_buyer_message("u1011", text)["message_id"] for text in texts]
    replies = simulator.wait_for_replies("u1011", len(texts), REPLY_TIMEOUT_S)
    # One FIFO message group per conversation: handled one after another, in the order sent.
    assert [reply["client_msg_id"] for reply in replies] == [f"re-{i}" for i in ids]


def test_buyer_chat_page_and_simulator_state(local_runtime: LocalRuntime) -> None:
    page = requests.get(f"{local_runtime.simulator_url}/", timeout=5)
    assert page.status_code == 200 and "买家" in page.text and "/buyer/send" in page.text
    state = requests.get(f"{local_runtime.simulator_url}/sim/state", timeout=5).json()
    assert state["webhook_url"] == local_runtime.webhook_url
    assert state["rejected_calls"] == 0  # every call the agent made was correctly signed


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for command in (["run"], ["chat"], ["dlq"], ["dlq", "list"], ["dlq", "redrive"], ["register-webhook"]):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([*command, "--help"])
        assert exit_info.value.code == 0
        assert "usage: kefu" in capsys.readouterr().out


def _kefu(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefu_dev.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


def test_kefu_run_chat_dlq_register_and_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "local.json"
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kefu_dev.cli.main",
            "run",
            "--port",
            "0",
            "--simulator-port",
            "0",
            "--state",
            str(state),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while not state.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert state.exists(), "kefu run did not come up (its output is printed below)"
        info = json.loads(state.read_text(encoding="utf-8"))
        simulator = info["simulator_url"]

        chat = _kefu("chat", "--url", simulator, "--buyer", "u1010", input="亲 在吗\n/quit\n")
        assert chat.returncode == 0, chat.stderr
        assert "客服:" in chat.stdout

        listing = _kefu("dlq", "list", "--state", str(state))
        assert listing.returncode == 0, listing.stderr
        assert "no dead letters" in listing.stdout

        register = _kefu(
            "register-webhook", "--state", str(state), env={**os.environ, "KEFU_PLATFORM_SECRET": ""}
        )
        assert register.returncode == 0, register.stderr
        assert info["webhook_url"] in register.stdout and "registered" in register.stdout
        assert requests.get(f"{simulator}/sim/state", timeout=5).json()["webhook_url"] == info["webhook_url"]
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
        print(output)  # shown by pytest when the test fails
    assert run.returncode == 0, output
    assert "ready" in output and "stopped" in output
    assert not state.exists()


def test_register_webhook_from_stack_outputs(
    platform_simulator: PlatformSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    webhook = "https://abc123.execute-api.cn-northwest-1.amazonaws.com.cn/prod/webhook/pdd"
    secret_arn = "arn:aws-cn:secretsmanager:cn-northwest-1:123456789012:secret:kefu-platform-AbCdEf"
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(
        json.dumps({"kefu-hair-dye-demo": {"WebhookUrl": webhook, "PlatformSecretArn": secret_arn}})
    )
    monkeypatch.setenv("KEFU_PLATFORM_SECRET", platform_simulator.secret)
    args = [
        "register-webhook",
        "--outputs",
        str(outputs),
        "--platform-url",
        platform_simulator.api_url,
        "--client-id",
        platform_simulator.client_id,
    ]
    assert main([*args, "--dry-run"]) == 0
    assert platform_simulator.webhook_url is None
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert webhook in printed and secret_arn in printed and "registered" in printed
    assert (platform_simulator.webhook_url, platform_simulator.secret_location) == (webhook, secret_arn)
    # A wrong secret is refused by the platform, and said so without a traceback.
    monkeypatch.setenv("KEFU_PLATFORM_SECRET", "wrong")
    assert main(args) == 2
