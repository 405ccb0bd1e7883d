"""The responder in Lambda-like worker processes (``kefu_dev.local.worker``, as the local runtime runs it):
one is killed in the middle of a batch; another works longer than the queue's visibility timeout."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from fault_harness import Harness
from kefu_dev.local.handlers import FunctionPool

TEXTS = ["你好", "什么时候发货", "这个染发剂怎么用"]


def _responder_processes() -> list[psutil.Process]:
    return [
        child for child in psutil.Process().children(recursive=True)
        if "kefu_dev.local.worker" in child.cmdline() and child.cmdline()[-1] == "responder"
    ]


@pytest.fixture
def pool(fault_env: dict[str, str], tmp_path: Path) -> Iterator[FunctionPool]:
    log = open(tmp_path / "responder.log", "wb")  # noqa: SIM115 - closed below
    pool = FunctionPool("responder", fault_env, max_concurrency=2, log=log)
    pool.warm(1)
    yield pool
    pool.close()
    log.close()


def _wait(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(pool: FunctionPool, harness: Harness) -> None:
    harness.simulator.faults.send_delay_s = 0.3  # sends are slow: the kill lands inside the batch
    buyers = ["u4001", "u4002", "u4003"]
    sent = harness.conversation(buyers, TEXTS, "kill")
    poller = harness.poller(pool.invoke, failure_visibility_s=1).start()
    try:
        _wait(lambda: sum(len(harness.simulator.sent_to(b)) for b in buyers) >= 2, 60, "the first replies")
        victims = _responder_processes()
        assert victims, "no responder worker to kill"
        for process in victims:
            os.kill(process.pid, signal.SIGKILL)  # as Lambda's environment dies: no cleanup, no goodbye
        answered_at_kill = sum(len(harness.simulator.sent_to(b)) for b in buyers)
        harness.simulator.faults.send_delay_s = 0.0
        harness.wait_idle(poller)
    finally:
        poller.stop()
    assert 2 <= answered_at_kill < len(sent)  # the batch really was cut in the middle
    assert poller.stats.crashed_batches >= 1 and pool.cold_starts >= 2  # seen as a crash; a new environment
    harness.assert_invariants(sent)
    # A reply in flight when the worker died may have reached the platform before the ledger knew:
    # the redelivery sends it again with the same client message id and the platform drops it.
    assert harness.simulator.duplicates <= 1


def test_work_longer_than_the_visibility_timeout_still_gives_one_reply(
    harness: Harness, fault_env: dict[str, str]
) -> None:
    """The queue hands the message to a second worker while the first is still sending; the ledger lease
    (longer than the work here) makes the second one back off until the first has finished."""
    harness.sqs.set_queue_attributes(QueueUrl=harness.queue_url, Attributes={"VisibilityTimeout": "1"})
    slow = FunctionPool("responder", {**fault_env, "KEFU_LEDGER_LEASE_S": "30"}, max_concurrency=2)
    slow.warm(2)  # both environments warm: the second worker is ready while the first works
    receives: list[tuple[str, int]] = []

    def invoke(event: dict[str, Any]) -> Any:
        for record in event["Records"]:
            receives.append((record["body"], int(record["attributes"]["ApproximateReceiveCount"])))
        return slow.invoke(event)

    try:
        harness.simulator.faults.send_delay_s = 2.0  # the work: longer than the 1 s visibility timeout
        sent = [harness.enqueue("u4011", "什么时候发货", "vt-1")]
        poller = harness.poller(invoke, workers=2, failure_visibility_s=None).start()
        try:
            _wait(lambda: len(receives) >= 2, 20, "a second delivery while the first worker works")
            harness.simulator.faults.send_delay_s = 0.0
            harness.wait_idle(poller)
        finally:
            poller.stop()
    finally:
        slow.close()
    assert max(count for _, count in receives) >= 2  # delivered again while the first worker was sending
    harness.assert_invariants(sent)
    assert harness.simulator.duplicates == 0  # the second worker never sent: the lease stopped it
