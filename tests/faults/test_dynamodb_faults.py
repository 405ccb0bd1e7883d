"""DynamoDB throttles or fails under the responder: injected with botocore event hooks on the responder's
own client (the real handler in this process), against the local AWS emulation."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from fault_harness import Harness
from kefu_dev.local.handlers import LambdaContext, load_handler

TEXTS = ["什么时候发货", "这个染发剂怎么用"]


@pytest.fixture
def responder(fault_env: dict[str, str]) -> ModuleType:
    return load_handler("responder", fault_env)


def _invoke(responder: ModuleType) -> Callable[[dict[str, Any]], Any]:
    return lambda event: responder.lambda_handler(event, LambdaContext("kefu-local-responder", timeout_s=30))


def _dynamodb(responder: ModuleType) -> Any:
    """The responder's DynamoDB client (every table of the reception service shares it)."""
    return responder.reception._ledger._table.meta.client


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def _throttled() -> AWSResponse:
    body = json.dumps({
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    }).encode()
    headers = {"x-amzn-RequestId": uuid.uuid4().hex, "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("http://dynamodb.local/", 400, headers, _Raw(body))


def test_throttled_calls_are_absorbed_by_the_sdks_retries(responder: ModuleType, harness: Harness) -> None:
    """The 2nd and 5th DynamoDB requests are answered with a throttling error (on the wire, as DynamoDB does)."""
    counter = {"sends": 0, "throttled": 0}
    lock = threading.Lock()

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        with lock:
            counter["sends"] += 1
            if counter["sends"] in (2, 5):
                counter["throttled"] += 1
                return _throttled()
        return None

    _dynamodb(responder).meta.events.register("before-send.dynamodb", before_send)
    sent = harness.conversation(["u3001", "u3002"], TEXTS, "ddb-throttle")
    poller = harness.poller(_invoke(responder))
    harness.drive(poller)
    harness.assert_invariants(sent)
    assert counter["throttled"] == 2
    assert poller.stats.failed == 0  # retried inside the call: no message went back to the queue


def test_a_failure_after_the_reply_went_out_is_retried_without_a_second_reply(
    responder: ModuleType, harness: Harness
) -> None:
    """Marking the ledger entry sent fails (after the platform got the reply): the queue redelivers, the stored
    outcome is applied again, and the reply's client message id lets the platform drop the repeat."""
    budget = {"left": 2}

    def before_build(params: dict[str, Any], **_: Any) -> None:
        if ":sent" in str(params.get("UpdateExpression", "")) and budget["left"] > 0:
            budget["left"] -= 1
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "UpdateItem")

    _dynamodb(responder).meta.events.register("before-parameter-build.dynamodb.UpdateItem", before_build)
    sent = harness.conversation(["u3011", "u3012"], TEXTS, "ddb-mark")
    poller = harness.poller(_invoke(responder))
    harness.drive(poller)
    harness.assert_invariants(sent)
    assert budget["left"] == 0 and poller.stats.failed >= 2
    # The platform saw the repeated sends and dropped them: the buyer saw one reply each.
    assert harness.simulator.duplicates == 2


def test_dynamodb_down_for_a_while_then_back(responder: ModuleType, harness: Harness) -> None:
    """Every DynamoDB call fails for three rounds of deliveries, then the table is back."""
    down = {"on": True, "refused": 0}

    def before_call(**_: Any) -> None:
        if down["on"]:
            down["refused"] += 1
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "Call")

    _dynamodb(responder).meta.events.register("before-call.dynamodb", before_call)
    sent = harness.conversation(["u3021", "u3022", "u3023"], TEXTS, "ddb-down")
    poller = harness.poller(_invoke(responder))
    for _ in range(3):
        poller.poll_once()
    assert down["refused"] > 0 and all(harness.simulator.sent_to(m.buyer_id) == [] for m in sent)
    down["on"] = False
    harness.drive(poller)
    harness.assert_invariants(sent)
