"""Fuzz pass with schemathesis over HTTP, through the local API Gateway twin, against the OpenAPI specs of the
webhook (functions/webhook/openapi.yaml) and the agent API (agent_api.openapi.yaml here): whatever it sends,
no 5xx, and every answer is documented (status code, content type, body shape). Examples are bounded so
the suite stays fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from kefu_dev.local.emulator import LocalAws
from kefu_dev.local.gateway import LocalGateway
from kefu_dev.local.handlers import LambdaContext, load_handler
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from kefu.models.decision import HandoffReason
from kefu.models.handoff import HandoffTicket
from kefu.resources import AGENT_QUEUE
from kefu.store.agent_queue import AgentQueue

REPO = Path(__file__).resolve().parents[2]
TOKEN = "fuzz-token"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=30, deadline=None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))

webhook_schema = schemathesis.openapi.from_path(str(REPO / "functions" / "webhook" / "openapi.yaml"))
agent_schema = schemathesis.openapi.from_path(str(Path(__file__).with_name("agent_api.openapi.yaml")))


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


@webhook_schema.parametrize()
@FUZZ
def test_webhook_never_fails_and_answers_as_documented(case: schemathesis.Case, gateway: str) -> None:
    case.call_and_validate(base_url=gateway, checks=CHECKS)


@agent_schema.parametrize()
@FUZZ
def test_agent_api_never_fails_and_answers_as_documented(case: schemathesis.Case, gateway: str) -> None:
    case.call_and_validate(base_url=gateway, headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)


@agent_schema.parametrize()
@settings(FUZZ, max_examples=10)
def test_agent_api_without_the_token_refuses_everything_but_the_console(
    case: schemathesis.Case, gateway: str
) -> None:
    response = case.call(base_url=gateway)
    assert response.status_code < 500
    if case.path.startswith("/agent/") and case.method.upper() == case.operation.method.upper():
        assert response.status_code == 401  # (an undefined method is a 404 before any auth)
