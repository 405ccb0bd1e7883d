"""The platform simulator's non-Pinduoduo modes: the generic contract and WeCom 微信客服.

A mode pushes a buyer message to the webhook the way that platform does, and serves the calls kefu makes to
that platform. Pinduoduo's mode is the simulator itself (``simulator.py``: ``/api/router``).

- ``GenericMode``: pushes the message as JSON with the HMAC headers; serves ``POST /v1/messages`` and
  ``GET /v1/orders/latest`` (signatures and timestamps checked; statuses sent as the contract's English codes).
- ``WecomMode``: keeps a message log per customer-service account; a buyer message is appended to it and an
  encrypted ``kf_msg_or_event`` notice is posted to the webhook; serves ``GET /cgi-bin/gettoken``,
  ``POST /cgi-bin/kf/sync_msg`` (pages of ``page_size`` from a cursor) and ``POST /cgi-bin/kf/send_msg``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests

from kefu.platform.generic.adapter import GENERIC_STATUSES, LATEST_ORDER_PATH, MESSAGES_PATH
from kefu.platform.generic.signing import HMAC_SIGNATURE_HEADER, HMAC_TIMESTAMP_HEADER, hmac_verify, signed_headers
from kefu.platform.signing import within_window
from kefu.platform.wecom_kf.adapter import NOTICE_EVENT, secret_json
from kefu.platform.wecom_kf.crypto import WecomCrypto

Reply = tuple[int, dict[str, Any]]
# (buyer id, content, client message id) → True when it was a duplicate
RecordReply = Callable[[str, str, str], bool]
OrdersOf = Callable[[str], list[dict[str, Any]]]

_ENGLISH: dict[str, str] = {neutral: code for code, neutral in GENERIC_STATUSES.items()}


class GenericMode:
    name = "generic"

    def __init__(self, secret: str, window_s: int, session: requests.Session) -> None:
        self.secret = secret
        self._window = window_s
        self._session = session
        self.rejected = 0

    def function_env(self, base_url: str) -> dict[str, str]:
        return {"KEFU_PLATFORM_SECRET": self.secret, "KEFU_PLATFORM_API_URL": base_url}

    def push(self, webhook_url: str, message: dict[str, Any]) -> requests.Response:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        headers = signed_headers(body, str(int(time.time())), self.secret) | {"Content-Type": "application/json"}
        return self._session.post(webhook_url, data=body, headers=headers, timeout=15)

    def _verified(self, headers: Mapping[str, str], signed: bytes) -> bool:
        lowered = {key.lower(): value for key, value in headers.items()}
        timestamp = lowered.get(HMAC_TIMESTAMP_HEADER, "")
        ok = within_window(timestamp, time.time(), self._window) and hmac_verify(
            signed, timestamp, lowered.get(HMAC_SIGNATURE_HEADER, ""), self.secret
        )
        if not ok:
            self.rejected += 1
        return ok

    def serve(self, method: str, path: str, query: str, headers: Mapping[str, str], raw: bytes,
              record: RecordReply, orders_of: OrdersOf) -> Reply | None:
        if method == "POST" and path == MESSAGES_PATH:
            if not self._verified(headers, raw):
                return 401, {"error": "invalid_signature"}
            try:
                sent = json.loads(raw)
                buyer, text, client_msg_id = sent["buyer_id"], sent["text"], sent["client_msg_id"]
            except (ValueError, KeyError, TypeError):
                return 400, {"error": "invalid_message"}
            if not all(isinstance(value, str) and value for value in (buyer, text, client_msg_id)):
                return 400, {"error": "invalid_message"}  # the contract's Reply: non-empty strings
            duplicate = record(buyer, text, client_msg_id)
            return (409 if duplicate else 200), {"accepted": not duplicate, "client_msg_id": client_msg_id}
        if method == "GET" and path == LATEST_ORDER_PATH:
            if not self._verified(headers, query.encode()):
                return 401, {"error": "invalid_signature"}
            buyer = dict(parse_qsl(query)).get("buyer_id", "")
            orders = orders_of(buyer)
            if not orders:
                return 404, {"error": "no_order"}
            order = dict(orders[0])
            order["status"] = _ENGLISH.get(str(order.get("status")), order.get("status"))
            return 200, {"order": order}
        return None


@dataclass
class _Account:
    records: list[dict[str, Any]] = field(default_factory=list)


class WecomMode:
    name = "wecom_kf"
    OPEN_KFID = "wkSimKefu01"

    def __init__(self, window_s: int, session: requests.Session, *, corp_id: str = "wwsimcorp0001",
                 page_size: int = 2) -> None:
        self.corp_id = corp_id
        self.token = secrets.token_hex(8)
        self.encoding_aes_key = base64.b64encode(secrets.token_bytes(32)).decode()[:43]
        self.corp_secret = secrets.token_hex(16)
        self.crypto = WecomCrypto(self.token, self.encoding_aes_key, corp_id)
        self.page_size = page_size  # small, so that a few messages already page
        self._window = window_s
        self._session = session
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}
        self._access_tokens: set[str] = set()
        self._callback_tokens: set[str] = set()
        self.sent_msgids: dict[str, int] = {}
        self.calls: dict[str, int] = {"gettoken": 0, "sync_msg": 0, "send_msg": 0}

    @property
    def secret(self) -> str:
        return secret_json(self.token, self.encoding_aes_key, self.corp_secret)

    def function_env(self, base_url: str) -> dict[str, str]:
        return {"KEFU_PLATFORM_SECRET": self.secret, "KEFU_PLATFORM_CLIENT_ID": self.corp_id,
                "KEFU_PLATFORM_API_URL": base_url}

    def kefu_buyer_id(self, buyer: str) -> str:
        return f"{self.OPEN_KFID}:{buyer}"

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {
            "msgid": message["message_id"],
            "open_kfid": self.OPEN_KFID,
            "external_userid": message["buyer_id"],
            "send_time": int(time.time()),
            "origin": 3,
            "msgtype": message["type"] if message["type"] in ("text", "image", "video") else "text",
        }
        if record["msgtype"] == "text":
            record["text"] = {"content": message.get("text") or ""}
        else:
            record[record["msgtype"]] = {"media_id": uuid.uuid4().hex}
        return record

    def notice(self, timestamp: str | None = None, nonce: str | None = None) -> tuple[dict[str, str], bytes]:
        """A signed, encrypted kf_msg_or_event callback: (query, XML body)."""
        callback_token = "ENC" + secrets.token_hex(12)
        with self._lock:
            self._callback_tokens.add(callback_token)
        inner = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><CreateTime>{int(time.time())}</CreateTime>"
                 f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{NOTICE_EVENT}]]></Event>"
                 f"<Token><![CDATA[{callback_token}]]></Token><OpenKfId><![CDATA[{self.OPEN_KFID}]]></OpenKfId></xml>")
        encrypted = self.crypto.encrypt(inner.encode())
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        query = {"msg_signature": self.crypto.sign(timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>")
        return query, body.encode()

    def log(self, message: dict[str, Any]) -> None:
        """Put a buyer message in the account's log (what sync_msg returns), without a callback."""
        with self._lock:
            self._accounts.setdefault(self.OPEN_KFID, _Account()).records.append(self._record(message))

    def push(self, webhook_url: str, message: dict[str, Any]) -> requests.Response:
        self.log(message)
        query, body = self.notice()
        return self._session.post(f"{webhook_url}?{urlencode(query)}", data=body,
                                  headers={"Content-Type": "text/xml"}, timeout=15)

    def serve(self, method: str, path: str, query: str, headers: Mapping[str, str], raw: bytes,
              record: RecordReply, orders_of: OrdersOf) -> Reply | None:
        params = dict(parse_qsl(query))
        if method == "GET" and path == "/cgi-bin/gettoken":
            self.calls["gettoken"] += 1
            if params.get("corpid") != self.corp_id or params.get("corpsecret") != self.corp_secret:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            token = secrets.token_hex(16)
            with self._lock:
                self._access_tokens.add(token)
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        if method != "POST" or path not in ("/cgi-bin/kf/sync_msg", "/cgi-bin/kf/send_msg"):
            return None
        if params.get("access_token") not in self._access_tokens:
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        try:
            payload = json.loads(raw)
        except ValueError:
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        if path == "/cgi-bin/kf/sync_msg":
            self.calls["sync_msg"] += 1
            return 200, self._sync(payload)
        self.calls["send_msg"] += 1
        return 200, self._send(payload, record)

    def _sync(self, payload: dict[str, Any]) -> dict[str, Any]:
        token = payload.get("token")
        if token is not None and token not in self._callback_tokens:
            return {"errcode": 95007, "errmsg": "invalid msg token"}
        try:
            start = int(payload.get("cursor") or 0)
        except ValueError:
            return {"errcode": 95000, "errmsg": "invalid cursor"}
        limit = min(int(payload.get("limit") or 1000), self.page_size)
        with self._lock:
            records = list(self._accounts.get(str(payload.get("open_kfid")), _Account()).records)
        page = records[start:start + limit]
        end = start + len(page)
        return {"errcode": 0, "errmsg": "ok", "next_cursor": str(end), "has_more": int(end < len(records)),
                "msg_list": page}

    def _send(self, payload: dict[str, Any], record: RecordReply) -> dict[str, Any]:
        if payload.get("open_kfid") != self.OPEN_KFID or payload.get("msgtype") != "text":
            return {"errcode": 95000, "errmsg": "invalid open_kfid or msgtype"}
        content = str((payload.get("text") or {}).get("content") or "")
        msgid = str(payload.get("msgid") or uuid.uuid4().hex)
        with self._lock:
            self.sent_msgids[msgid] = self.sent_msgids.get(msgid, 0) + 1
            # The shop's own messages come back in sync_msg too (origin 5): the adapter must not take them.
            self._accounts.setdefault(self.OPEN_KFID, _Account()).records.append(
                {"msgid": f"sent_{msgid}", "open_kfid": self.OPEN_KFID, "external_userid": payload.get("touser"),
                 "send_time": int(time.time()), "origin": 5, "msgtype": "text", "text": {"content": content}}
            )
        record(str(payload.get("touser")), content, msgid)
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


Mode = GenericMode | WecomMode
