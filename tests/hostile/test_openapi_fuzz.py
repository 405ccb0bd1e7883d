"""Fuzz pass with schemathesis over HTTP, through the local API Gateway twin, against the OpenAPI specs of the
webhook (functions/webhook/openapi.yaml) and the agent API (agent_api.openapi.yaml here): whatever it sends,
no 5xx, and every answer is documented (status code, content type, body shape). Examples are bounded so
the suite stays fast."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from fuzz_support import CHECKS, FUZZ, TOKEN
from hypothesis import settings

REPO = Path(__file__).resolve().parents[2]

webhook_schema = schemathesis.openapi.from_path(str(REPO / "functions" / "webhook" / "openapi.yaml"))
agent_schema = schemathesis.openapi.from_path(str(Path(__file__).with_name("agent_api.openapi.yaml")))


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
