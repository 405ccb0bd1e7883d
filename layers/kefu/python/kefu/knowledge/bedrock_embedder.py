"""Bedrock text embeddings (Titan Text Embeddings V2, or Cohere Embed Multilingual v3) behind ``Embedder``.

Only used when ``KEFU_EMBEDDER=bedrock``; the offline embedder stays the local default.
``BedrockRetry`` (retries with exponential backoff and full jitter on throttling, and the
``BedrockThrottles`` metric) is shared with the Bedrock composer.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from botocore.config import Config
from botocore.exceptions import ClientError

TITAN_V2 = "amazon.titan-embed-text-v2:0"
COHERE_MULTILINGUAL_V3 = "cohere.embed-multilingual-v3"

# Error codes that mean "try again later", not "your request is wrong".
RETRYABLE_CODES = frozenset({"ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException"})
THROTTLE_METRIC = "BedrockThrottles"

# Our own retry loop does the backing off (and counts throttles), so botocore must not retry underneath it.
BEDROCK_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=2,
    read_timeout=20,
)

_TITAN_DIMENSIONS = (256, 512, 1024)
_TITAN_MAX_CHARS = 8000  # well under Titan V2's 8,192-token / 50,000-character input limit
_COHERE_MAX_CHARS = 2048  # Cohere v3 rejects longer texts
_COHERE_BATCH = 96  # Cohere v3: at most 96 texts per call

T = TypeVar("T")


class MetricsSink(Protocol):
    """The part of ``aws_lambda_powertools.Metrics`` the adapters use."""

    def add_metric(self, name: str, unit: Any, value: float) -> None: ...


def bedrock_runtime_client(region: str, endpoint_url: str | None = None) -> Any:
    """A bedrock-runtime client without botocore retries (``BedrockRetry`` retries instead)."""
    import boto3

    return boto3.client(
        "bedrock-runtime", region_name=region, endpoint_url=endpoint_url, config=BEDROCK_CLIENT_CONFIG
    )


class BedrockRetry:
    """Calls a Bedrock operation; on a retryable error sleeps ``uniform(0, min(cap, base·2^n))`` and retries.

    Full jitter keeps many Lambdas that were throttled together from retrying in lockstep.
    """

    def __init__(
        self,
        max_attempts: int = 4,
        base_delay_s: float = 0.2,
        max_delay_s: float = 4.0,
        metrics: MetricsSink | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self._base = base_delay_s
        self._cap = max_delay_s
        self._metrics = metrics
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.throttles = 0  # also kept without a metrics sink: visible in tests and logs

    def __call__(self, operation: Callable[[], T]) -> T:
        for attempt in range(self.max_attempts):
            try:
                return operation()
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code == "ThrottlingException":
                    self._count_throttle()
                if code not in RETRYABLE_CODES or attempt == self.max_attempts - 1:
                    raise
                self._sleep(self._rng.uniform(0.0, min(self._cap, self._base * 2**attempt)))
        raise AssertionError("unreachable")

    def _count_throttle(self) -> None:
        with self._lock:
            self.throttles += 1
        if self._metrics is not None:
            self._metrics.add_metric(name=THROTTLE_METRIC, unit="Count", value=1)


class _LruCache:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, ...], list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, ...]) -> list[float] | None:
        with self._lock:
            vector = self._items.get(key)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return vector

    def put(self, key: tuple[str, ...], vector: list[float]) -> None:
        if self._capacity <= 0:
            return
        with self._lock:
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else vector


class BedrockEmbedder:
    """``Embedder`` over Bedrock ``invoke_model``: unit-length vectors, repeated texts from an LRU cache.

    Titan V2 embeds one text per call (body ``{"inputText", "dimensions", "normalize"}``);
    Cohere v3 embeds up to 96 per call (body ``{"texts", "input_type", "truncate"}``).
    An empty text gets the zero vector (it matches nothing) instead of a refused request.
    """

    def __init__(
        self,
        client: Any,
        model_id: str = TITAN_V2,
        dimension: int = 1024,
        cache_size: int = 4096,
        retry: BedrockRetry | None = None,
        metrics: MetricsSink | None = None,
        cohere_input_type: str = "search_document",
    ) -> None:
        self._client = client
        self.model_id = model_id
        self._cohere = model_id.startswith("cohere.")
        if self._cohere and dimension != 1024:
            raise ValueError("Cohere Embed Multilingual v3 returns 1024-d vectors")
        if not self._cohere and dimension not in _TITAN_DIMENSIONS:
            raise ValueError(f"Titan Text Embeddings V2 supports dimensions {_TITAN_DIMENSIONS}")
        self.dimension = dimension
        self._input_type = cohere_input_type
        self._retry = retry or BedrockRetry(metrics=metrics)
        self.cache = _LruCache(cache_size)

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: dict[str, list[float]] = {}
        missing: list[str] = []
        for text in dict.fromkeys(texts):  # each distinct text once, in first-seen order
            if not text.strip():
                vectors[text] = [0.0] * self.dimension
                continue
            cached = self.cache.get(self._key(text))
            if cached is None:
                missing.append(text)
            else:
                vectors[text] = cached
        for text, vector in zip(missing, self._fetch(missing), strict=True):
            if len(vector) != self.dimension:
                raise ValueError(f"{self.model_id} returned {len(vector)} dimensions, not {self.dimension}")
            self.cache.put(self._key(text), vector)
            vectors[text] = vector
        return [list(vectors[text]) for text in texts]

    def _key(self, text: str) -> tuple[str, ...]:
        return (self.model_id, str(self.dimension), self._input_type if self._cohere else "", text)

    def _fetch(self, texts: list[str]) -> list[list[float]]:
        if self._cohere:
            out: list[list[float]] = []
            for start in range(0, len(texts), _COHERE_BATCH):
                out.extend(self._cohere_batch(texts[start : start + _COHERE_BATCH]))
            return out
        return [self._titan(text) for text in texts]

    def _invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._retry(
            lambda: self._client.invoke_model(
                modelId=self.model_id,
                body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                contentType="application/json",
                accept="application/json",
            )
        )
        payload: dict[str, Any] = json.loads(response["body"].read())
        return payload

    def _titan(self, text: str) -> list[float]:
        payload = self._invoke(
            {"inputText": text[:_TITAN_MAX_CHARS], "dimensions": self.dimension, "normalize": True}
        )
        vector = payload.get("embedding") or payload.get("embeddingsByType", {}).get("float")
        if not vector:
            raise ValueError(f"{self.model_id} response has no embedding")
        return _unit([float(x) for x in vector])  # normalize=true already; guards float drift

    def _cohere_batch(self, texts: list[str]) -> list[list[float]]:
        payload = self._invoke(
            {
                "texts": [text[:_COHERE_MAX_CHARS] for text in texts],
                "input_type": self._input_type,
                "truncate": "END",
            }
        )
        embeddings = payload.get("embeddings")
        if isinstance(embeddings, dict):  # the shape when embedding_types is requested
            embeddings = embeddings.get("float")
        if not isinstance(embeddings, list) or len(embeddings) != len(texts):
            raise ValueError(f"{self.model_id} returned no embedding for some texts")
        return [_unit([float(x) for x in vector]) for vector in embeddings]
