"""BedrockEmbedder against botocore's Stubber: real InvokeModel request / response shapes, no network."""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Metrics
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from kefu.knowledge.bedrock_embedder import (
    COHERE_MULTILINGUAL_V3,
    TITAN_V2,
    BedrockEmbedder,
    BedrockRetry,
)


def _client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _vector(seed: int, dimension: int = 1024) -> list[float]:
    rng = random.Random(seed)
    raw = [rng.uniform(-1, 1) for _ in range(dimension)]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    """An InvokeModel response as botocore hands it over: the body is a StreamingBody."""
    data = json.dumps(payload).encode()
    return {"body": StreamingBody(io.BytesIO(data), len(data)), "contentType": "application/json"}


def _titan_response(seed: int, tokens: int = 7) -> dict[str, Any]:
    vector = _vector(seed)
    return _body({"embedding": vector, "embeddingsByType": {"float": vector}, "inputTextTokenCount": tokens})


def _expected(model_id: str = TITAN_V2) -> dict[str, Any]:
    return {"modelId": model_id, "body": ANY, "contentType": "application/json", "accept": "application/json"}


class Recorder:
    """Collects the JSON bodies sent to invoke_model (the Stubber only sees them as opaque bytes)."""

    def __init__(self, client: Any) -> None:
        self.bodies: list[dict[str, Any]] = []
        client.meta.events.register("before-parameter-build.bedrock-runtime.InvokeModel", self._capture)

    def _capture(self, params: dict[str, Any], **_: Any) -> None:
        self.bodies.append(json.loads(params["body"]))


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def client() -> Any:
    return _client()


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    sink = Metrics(namespace="kefu", service="test")
    sink.clear_metrics()  # Powertools keeps one metric set per process
    yield sink
    sink.clear_metrics()


def test_titan_request_shape_and_unit_vector(client: Any, stub: Stubber) -> None:
    recorder = Recorder(client)
    stub.add_response("invoke_model", _titan_response(1), _expected())

    [vector] = BedrockEmbedder(client).embed(["染发剂怎么用"])

    assert recorder.bodies == [{"inputText": "染发剂怎么用", "dimensions": 1024, "normalize": True}]
    assert len(vector) == 1024
    assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-9)
    assert vector == pytest.approx(_vector(1))


def test_cache_and_duplicates_call_bedrock_once_per_distinct_text(client: Any, stub: Stubber) -> None:
    stub.add_response("invoke_model", _titan_response(1), _expected())
    stub.add_response("invoke_model", _titan_response(2), _expected())
    embedder = BedrockEmbedder(client)

    first = embedder.embed(["发货时间", "能退货吗", "发货时间"])
    second = embedder.embed(["能退货吗"])  # served from the LRU cache: the Stubber has no response left

    assert first[0] == first[2] == pytest.approx(_vector(1))
    assert second[0] == first[1] == pytest.approx(_vector(2))
    assert embedder.cache.hits == 1 and len(embedder.cache) == 2


def test_lru_evicts_the_least_recently_used(client: Any, stub: Stubber) -> None:
    for seed in (1, 2, 3, 1):
        stub.add_response("invoke_model", _titan_response(seed), _expected())
    embedder = BedrockEmbedder(client, cache_size=2)

    embedder.embed(["a"])
    embedder.embed(["b"])
    embedder.embed(["c"])  # evicts "a"
    embedder.embed(["b"])  # cached
    embedder.embed(["a"])  # fetched again: the fourth stubbed response

    assert len(embedder.cache) == 2


def test_empty_text_is_the_zero_vector_without_a_call(client: Any, stub: Stubber) -> None:
    [vector] = BedrockEmbedder(client, dimension=256).embed(["  "])
    assert vector == [0.0] * 256


def test_throttling_is_retried_with_backoff_and_counted(client: Any, stub: Stubber, metrics: Metrics) -> None:
    stub.add_client_error("invoke_model", "ThrottlingException", "Too many requests", 429, _expected())
    stub.add_client_error("invoke_model", "ServiceUnavailableException", "unavailable", 503, _expected())
    stub.add_client_error("invoke_model", "ThrottlingException", "Too many requests", 429, _expected())
    stub.add_response("invoke_model", _titan_response(5), _expected())
    sleeps = Sleeps()
    retry = BedrockRetry(max_attempts=4, base_delay_s=0.2, max_delay_s=4.0, metrics=metrics, sleep=sleeps)

    [vector] = BedrockEmbedder(client, retry=retry).embed(["多久能到"])

    assert vector == pytest.approx(_vector(5))
    assert len(sleeps.calls) == 3
    # full jitter: attempt n sleeps somewhere in [0, base * 2^n]
    for attempt, seconds in enumerate(sleeps.calls):
        assert 0.0 <= seconds <= 0.2 * 2**attempt
    assert retry.throttles == 2
    emf: dict[str, Any] = dict(metrics.serialize_metric_set())
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "kefu"
    assert emf["BedrockThrottles"] == [1.0, 1.0]


def test_model_not_ready_is_retryable_too(client: Any, stub: Stubber) -> None:
    stub.add_client_error("invoke_model", "ModelNotReadyException", "warming up", 429, _expected())
    stub.add_response("invoke_model", _titan_response(6), _expected())
    retry = BedrockRetry(sleep=Sleeps())

    BedrockEmbedder(client, retry=retry).embed(["保质期"])

    assert retry.throttles == 0  # not a throttle: not counted


def test_gives_up_after_max_attempts(client: Any, stub: Stubber) -> None:
    for _ in range(3):
        stub.add_client_error("invoke_model", "ThrottlingException", "Too many requests", 429, _expected())
    sleeps = Sleeps()
    embedder = BedrockEmbedder(client, retry=BedrockRetry(max_attempts=3, sleep=sleeps))

    with pytest.raises(ClientError) as raised:
        embedder.embed(["在吗"])

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert len(sleeps.calls) == 2  # no sleep after the last attempt


def test_validation_errors_are_not_retried(client: Any, stub: Stubber) -> None:
    stub.add_client_error("invoke_model", "ValidationException", "Malformed input request", 400, _expected())
    sleeps = Sleeps()

    with pytest.raises(ClientError):
        BedrockEmbedder(client, retry=BedrockRetry(sleep=sleeps)).embed(["x"])

    assert sleeps.calls == []


def test_wrong_dimension_in_response_is_an_error(client: Any, stub: Stubber) -> None:
    stub.add_response("invoke_model", _titan_response(1), _expected())  # 1024-d answer to a 512-d request
    with pytest.raises(ValueError, match="dimensions"):
        BedrockEmbedder(client, dimension=512).embed(["x"])


def test_cohere_multilingual_batches_texts(client: Any, stub: Stubber) -> None:
    recorder = Recorder(client)
    texts = ["亲 这个染发剂咋用啊", "发什么快递"]
    stub.add_response(
        "invoke_model",
        _body(
            {
                "embeddings": [_vector(11), _vector(12)],
                "id": "0f5a8b8e-6d5c-4c61-9b1e-2c4c0d3e9a11",
                "response_type": "embeddings_floats",
                "texts": texts,
            }
        ),
        _expected(COHERE_MULTILINGUAL_V3),
    )

    vectors = BedrockEmbedder(client, model_id=COHERE_MULTILINGUAL_V3).embed(texts)

    assert recorder.bodies == [{"texts": texts, "input_type": "search_document", "truncate": "END"}]
    assert vectors[0] == pytest.approx(_vector(11)) and vectors[1] == pytest.approx(_vector(12))


def test_unsupported_dimensions_are_refused(client: Any) -> None:
    with pytest.raises(ValueError):
        BedrockEmbedder(client, dimension=768)
    with pytest.raises(ValueError):
        BedrockEmbedder(client, model_id=COHERE_MULTILINGUAL_V3, dimension=512)
