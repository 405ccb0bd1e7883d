"""The platform pushes the same message again (its own retry, signed afresh each time): one outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fault_harness import Harness, Sent
from kefu_dev.local.gateway import LocalGateway
from kefu_dev.local.handlers import LambdaContext, load_handler


@pytest.fixture
def gateway(fault_env: dict[str, str], harness: Harness) -> Iterator[LocalGateway]:
    webhook = load_handler("webhook", fault_env)

    def invoke(event: dict[str, Any]) -> Any:
        return webhook.lambda_handler(event, LambdaContext("kefu-local-webhook", timeout_s=10))

    gateway = LocalGateway({"webhook": invoke}).start()
    harness.simulator.webhook_url = f"{gateway.url}/webhook/pdd"
    yield gateway
    gateway.stop()


def test_a_resent_webhook_gets_one_outcome(gateway: LocalGateway, harness: Harness, fault_env: dict[str, str]) -> None:
    responder = load_handler("responder", fault_env)
    poller = harness.poller(lambda event: responder.lambda_handler(event, LambdaContext("kefu-local-responder")))
    simulator = harness.simulator
    # Twice while the first copy waits in the queue, each push signed with its own timestamp and signature.
    first = simulator.send_buyer_message("u5001", "什么时候发货", message_id="resend-1")
    again = simulator.send_buyer_message("u5001", "什么时候发货", message_id="resend-1", timestamp=int(time.time()) - 5)
    assert first["status"] == again["status"] == 200
    assert harness.depth() == (1, 0)  # the FIFO queue dropped the copy (deduplication id = shop + message id)
    harness.drive(poller)
    # Once more after the first copy was handled (SQS would still drop it for 5 minutes; the emulation
    # does not, so it is queued again): the ledger answers from the stored outcome, nothing is sent.
    late = simulator.send_buyer_message("u5001", "什么时候发货", message_id="resend-1")
    assert late["status"] == 200
    harness.drive(poller)
    harness.assert_invariants([Sent("resend-1", "u5001", "什么时候发货")])
    assert simulator.duplicates == 0  # stopped by the ledger before the platform, not by the platform's dedup
    assert poller.stats.records == 2  # really delivered twice
