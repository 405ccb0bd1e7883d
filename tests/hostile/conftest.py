"""Hostile and broken input: the hypothesis profile of the tests here (strategies in hostile_strategies.py) and
the local API Gateway the schemathesis fuzz passes call (their settings in fuzz_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fuzz_support import TOKEN
from hypothesis import HealthCheck, settings
from inbound_queue import Queue
from kefu_dev.local.emulator import LocalAws
from kefu_dev.local.gateway import LocalGateway
from kefu_dev.local.handlers import LambdaContext, load_handler

from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.resources import AGENT_QUEUE
from kefu.store.agent_queue import AgentQueue

# Bounded so the suite stays fast; no example database written into the work tree (print_blob reproduces
# a failure instead). Fixtures are set up once per test and shared by its examples on purpose: the tests
# measure what each example adds to the queue, not absolute state.
settings.register_profile(
    "hostile",
    max_examples=60,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

@pytest.fixture
def queue(local_aws: LocalAws) -> Queue:
    """The inbound FIFO queue the webhook sends to."""
    return Queue(local_aws)


# -- the schemathesis fuzz passes (test_openapi_fuzz.py, test_generic_contract_fuzz.py) -----------------------

@pytest.fixture
def gateway(function_env: dict[str, str], local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The gateway in front of the real webhook and agent API handlers; one handoff waiting in the queue."""
    monkeypatch.setenv("KEFU_AGENT_API_TOKEN", TOKEN)
    env = {**function_env, "KEFU_AGENT_API_TOKEN": TOKEN}
    handlers = {name: load_handler(name, env) for name in ("webhook", "agent_api")}

    def invoker(name: str) -> Any:
        return lambda event: handlers[name].lambda_handler(event, LambdaContext(f"kefu-local-{name}"))

    import boto3

    table = boto3.resource("dynamodb", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1").Table(
        local_aws.names.table(AGENT_QUEUE)
    )
    AgentQueue(table).enqueue(HandoffTicket.open("hair-dye-demo", "u1001", HandoffReason.EXPLICIT_REQUEST, "fz-1"))
    gateway = LocalGateway({name: invoker(name) for name in handlers}).start()
    yield gateway.url
    gateway.stop()
