"""One JSON-over-HTTP call with retries, for the adapters that speak plain JSON (generic, WeCom).

Network errors, HTTP 429 and 5xx are retried with full-jitter exponential backoff; anything else is final.
Failures are ``PlatformError`` (``retryable`` says whether the caller, e.g. the SQS redelivery, may try again).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from kefu.platform.client import PlatformError


@dataclass
class JsonHttp:
    timeout_s: float = 3.0
    attempts: int = 3
    backoff_base_s: float = 0.1
    backoff_max_s: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    session: requests.Session = field(default_factory=requests.Session)
    calls: int = 0  # HTTP requests sent, retries included

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(HTTP status, parsed JSON or None) of a call answered below 500 and not 429; raises otherwise.

        ``headers`` may be a callable, so that each retry is signed afresh (a new timestamp)."""
        for attempt in range(max(1, self.attempts)):
            sent = dict(headers() if callable(headers) else headers or {})
            self.calls += 1
            try:
                response = self.session.request(
                    method, url, data=body, headers=sent, params=params, timeout=self.timeout_s
                )
            except requests.RequestException as error:
                failure = PlatformError("network", type(error).__name__, retryable=True)
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response.status_code, _json(response)
                failure = PlatformError(
                    f"http-{response.status_code}", response.reason or "", retryable=True,
                    http_status=response.status_code,
                )
            if attempt == self.attempts - 1:
                raise failure
            self.sleep(self.rng.uniform(0.0, min(self.backoff_max_s, self.backoff_base_s * 2**attempt)))
        raise AssertionError("unreachable")


def _json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
