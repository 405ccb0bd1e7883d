"""WeCom's customer-service API (微信客服, ``https://qyapi.weixin.qq.com``): the calls kefu makes.

- ``GET /cgi-bin/gettoken?corpid=&corpsecret=`` → ``access_token`` (``expires_in`` 7200 s), cached until a
  minute before it expires, fetched again when a call says it is invalid or expired (40014, 42001, 40001);
- ``POST /cgi-bin/kf/sync_msg`` ``{cursor, token, limit, open_kfid}`` → ``{next_cursor, has_more, msg_list}``;
  the callback's Token (valid 10 minutes) lifts the call's strict rate limit;
- ``POST /cgi-bin/kf/send_msg`` ``{touser, open_kfid, msgid, msgtype: "text", text: {content}}``; ``msgid``
  (at most 32 of ``[0-9a-zA-Z_-]``) makes a retried send recognisable.

Every answer carries ``errcode`` (0: ok) and ``errmsg``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.platform.client import PlatformError
from kefu.platform.http import JsonHttp

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid / expired access_token
RETRYABLE_ERRORS = {-1, 45009, 45033}  # system busy, API frequency limit, too many concurrent calls
SYNC_LIMIT = 1000


def send_msgid(client_msg_id: str) -> str:
    """kefu's client message id (any length) as WeCom's msgid: 32 hex characters, the same on every retry."""
    return hashlib.sha256(client_msg_id.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SyncPage:
    next_cursor: str
    has_more: bool
    messages: list[dict[str, Any]] = field(default_factory=list)


class WecomKfClient:
    def __init__(
        self,
        api_url: str,
        corp_id: str,
        corp_secret: str,
        *,
        http: JsonHttp | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = api_url.rstrip("/")
        self._corp_id = corp_id
        self._corp_secret = corp_secret
        self._http = http or JsonHttp()
        self._clock = clock
        self._token: tuple[str, float] | None = None  # (access_token, valid until on the clock)
        self._lock = threading.Lock()

    def access_token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if not fresh and self._token is not None and self._clock() < self._token[1]:
                return self._token[0]
            status, body = self._http.request(
                "GET", f"{self._url}/cgi-bin/gettoken",
                params={"corpid": self._corp_id, "corpsecret": self._corp_secret},
            )
            answer = _answer(status, body)
            token = str(answer.get("access_token") or "")
            if not token:
                raise PlatformError("no_token", "gettoken answered without an access_token", retryable=True)
            lifetime = float(answer.get("expires_in") or 7200)
            self._token = (token, self._clock() + max(0.0, lifetime - 60))
            return token

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One POST with the access token; a stale token is fetched again once."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        for fresh in (False, True):
            token = self.access_token(fresh=fresh)
            status, answer = self._http.request(
                "POST", f"{self._url}{path}", body=body, params={"access_token": token},
                headers={"Content-Type": "application/json"},
            )
            try:
                return _answer(status, answer)
            except PlatformError as error:
                if fresh or error.code not in TOKEN_ERRORS:
                    raise
        raise AssertionError("unreachable")

    def sync_msg(self, cursor: str | None, token: str | None, open_kfid: str, limit: int = SYNC_LIMIT) -> SyncPage:
        payload: dict[str, Any] = {"limit": limit, "open_kfid": open_kfid}
        if cursor:
            payload["cursor"] = cursor
        if token:
            payload["token"] = token
        answer = self.call("/cgi-bin/kf/sync_msg", payload)
        listed = answer.get("msg_list") or []
        return SyncPage(
            next_cursor=str(answer.get("next_cursor") or cursor or ""),
            has_more=bool(answer.get("has_more")),
            messages=[message for message in listed if isinstance(message, dict)],
        )

    def send_text(self, open_kfid: str, external_userid: str, text: str, client_msg_id: str) -> None:
        self.call(
            "/cgi-bin/kf/send_msg",
            {"touser": external_userid, "open_kfid": open_kfid, "msgid": send_msgid(client_msg_id),
             "msgtype": "text", "text": {"content": text}},
        )


def _answer(status: int, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise PlatformError(f"http-{status}", "not a JSON answer", retryable=status >= 500, http_status=status)
    code = body.get("errcode", 0)
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = -1
    if code != 0 or status >= 400:
        raise PlatformError(code, str(body.get("errmsg") or ""), retryable=code in RETRYABLE_ERRORS,
                            http_status=status)
    return body
