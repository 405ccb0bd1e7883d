"""The platform misbehaves: an outage that recovers, throttling, a buyer that can never be reached.

The responder is the real handler (``functions/responder/app.py``, in this process), fed SQS batches by
the event source mapping twin from the emulated FIFO queue; replies are checked at the platform simulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from types import ModuleType
from typing import Any

import pytest
from fault_harness import SHOP, Harness
from kefu_dev.local.handlers import LambdaContext, load_handler

from kefu.resources import INBOUND_QUEUE

TEXTS = ["你好", "什么时候发货", "这个染发剂怎么用"]


@pytest.fixture
def responder(fault_env: dict[str, str]) -> ModuleType:
    return load_handler("responder", fault_env)


def invoker(responder: ModuleType) -> Any:
    def invoke(event: dict[str, Any]) -> Any:
        return responder.lambda_handler(event, LambdaContext("kefu-local-responder", timeout_s=30))

    return invoke


def test_a_platform_outage_that_recovers_loses_and_duplicates_nothing(responder: ModuleType,
                                                                      harness: Harness) -> None:
    """Every send fails (HTTP 503, beyond the client's own retries) for a while, then the platform is back."""
    harness.simulator.faults.fail_sends = 10**6
    sent = harness.conversation(["u2001", "u2002", "u2003"], TEXTS, "outage")
    poller = harness.poller(invoker(responder))
    for _ in range(3):  # three rounds of deliveries while the platform is down
        poller.poll_once()
    assert all(harness.simulator.sent_to(buyer) == [] for buyer in ("u2001", "u2002", "u2003"))
    assert harness.simulator.faults.failed > 0
    harness.simulator.faults.fail_sends = 0  # the platform recovers
    harness.drive(poller)
    kinds = harness.assert_invariants(sent)
    assert sum(kinds.values()) == len(sent)
    assert poller.stats.failed > 0  # the outage really failed deliveries, and they were retried


def test_throttled_sends_are_absorbed_by_the_clients_backoff(responder: ModuleType, harness: Harness) -> None:
    harness.simulator.faults.fail_status = 429
    harness.simulator.faults.fail_sends = 2  # two throttled answers, then fine
    sent = harness.conversation(["u2011", "u2012"], TEXTS[:2], "throttle")
    poller = harness.poller(invoker(responder))
    harness.drive(poller)
    harness.assert_invariants(sent)
    assert harness.simulator.faults.failed == 2
    assert poller.stats.failed == 0  # retried inside the invocation: no message went back to the queue


def _kefu_dlq(harness: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        INBOUND_QUEUE.env_var: harness.queue_url,
        INBOUND_QUEUE.dlq_env_var or "": harness.dlq_url,
        "KEFU_AWS_ENDPOINT_URL": harness.local_aws.endpoint_url,
        "KEFU_SHOP_ID": SHOP,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "cn-north-1",
    }
    return subprocess.run([sys.executable, "-m", "kefu_dev.cli.main", "dlq", *args], capture_output=True, text=True,
                          timeout=60, env=env, check=False)


def test_a_message_that_always_fails_ends_in_the_dlq_with_its_reason_and_comes_back_after_the_fix(
    responder: ModuleType, harness: Harness
) -> None:
    harness.simulator.faults.fail_buyers = {"u2021"}  # this buyer can never be reached
    good = harness.conversation(["u2022"], TEXTS[:2], "ok")
    poison = [harness.enqueue("u2021", "什么时候发货", "poison-1")]
    # And a body that is not a message at all, as a bug upstream could produce.
    harness.sqs.send_message(QueueUrl=harness.queue_url, MessageBody='{"message": {"type": "text"}}',
                             MessageGroupId=f"{SHOP}#u2029", MessageDeduplicationId="junk-1")
    poller = harness.poller(invoker(responder), failure_visibility_s=0)
    harness.drive(poller)
    harness.assert_invariants(good, dead_letters=2)  # the others were answered, nothing held back

    listing = _kefu_dlq(harness, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    letters = {entry["platform_message_id"]: entry for entry in map(json.loads, listing.stdout.splitlines())}
    assert set(letters) == {"poison-1", None}
    # Delivered maxReceiveCount times (the listing's own receive may count once more).
    assert letters["poison-1"]["redrivable"] and letters["poison-1"]["receives"] >= INBOUND_QUEUE.max_receive_count
    assert "failed every delivery" in letters["poison-1"]["reason"]
    assert not letters[None]["redrivable"]
    assert letters[None]["reason"].startswith("poisoned: not a valid queued message")
    human = _kefu_dlq(harness, "list")
    assert "poison-1" in human.stdout and "poisoned" in human.stdout

    harness.simulator.faults.fail_buyers = set()  # the cause is fixed
    time.sleep(1.5)  # the last attempt's ledger lease (1 s in the tests) runs out
    redrive = _kefu_dlq(harness, "redrive", "--all")
    assert redrive.returncode == 0, redrive.stderr
    assert "1 moved back, 1 skipped" in redrive.stdout
    harness.drive(harness.poller(invoker(responder)))
    harness.assert_invariants(good + poison, dead_letters=1)  # the junk stays for `kefu dlq drop`
    assert harness.replies("u2021") == ["poison-1"]


def test_a_slow_platform_does_not_reorder_one_buyers_replies(responder: ModuleType, harness: Harness) -> None:
    """Sends take 0.2 s; two poller workers; one buyer's five quick messages still answered in order."""
    harness.simulator.faults.send_delay_s = 0.2
    sent = [harness.enqueue("u2031", text, f"slow-{n}") for n, text in enumerate([*TEXTS, "有没有发票", "谢谢"])]
    lock = threading.Lock()  # one interpreter: the in-process handler takes one batch at a time

    def invoke(event: dict[str, Any]) -> Any:
        with lock:
            return invoker(responder)(event)

    poller = harness.poller(invoke, workers=2, batch_size=2).start()
    try:
        harness.wait_idle(poller)
    finally:
        poller.stop()
    harness.assert_invariants(sent)
