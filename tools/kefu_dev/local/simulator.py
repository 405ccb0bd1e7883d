"""The e-commerce platform's local twin (Pinduoduo-style), over HTTP.

Platform side (what the agent calls): ``POST /api/router``, a signed form as
``kefu.platform.pinduoduo.client.PddClient`` sends it. The signature, client id and timestamp
are checked, then the call is answered from the shop bundle:

- ``pdd.order.list.get`` (buyer_id) → the buyer's orders, newest ``created_at`` first;
- ``pdd.order.information.get`` (order_sn), ``pdd.logistics.companies.get``,
  ``pdd.logistics.ordertrace.get`` (company_code, mail_no), ``pdd.goods.detail.get`` (goods_id);
- ``kefu.chat.message.send`` (shop_id, buyer_id, content, client_msg_id): the reply is
  stored for the buyer, deduplicated on client_msg_id (duplicates are counted);
- ``kefu.webhook.register`` (url, secret_location?): where buyer messages are pushed.

Buyer side (what a person or a test does):
``POST /buyer/send`` ``{"buyer_id", "text" | "type", "goods_id"?}`` signs the message
(params client_id, timestamp, type=pdd.chat.message.push, data=<message JSON>, sign)
and posts it to the webhook; ``GET /buyer/{id}/messages`` returns what the agent sent;
``GET /`` is a small buyer chat page. ``PUT /sim/orders/{buyer_id}`` ``{"status"}``
overrides a buyer's order status (``null`` clears it); ``GET /sim/state`` shows counters.

Other platforms (``platform="generic"`` or ``"wecom_kf"``, ``kefu run --platform``): the buyer side is the same;
messages are pushed as that platform pushes them and its API is served instead of ``/api/router`` (``sim_modes.py``).

Fault switches (``simulator.faults``, a ``PlatformFaults``) make chat sends slow or fail, for
fault tests: an outage that recovers, throttling, a buyer whose messages can never be delivered.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources as package_files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from pydantic import BaseModel, Field, ValidationError

from kefu.models.shop import NO_ORDER, ORDER_STATUSES
from kefu.platform.pinduoduo.signing import pdd_sign, pdd_verify
from kefu.platform.signing import within_window
from kefu_dev.local.sim_modes import GenericMode, Mode, WecomMode

log = logging.getLogger(__name__)

PUSH_TYPE = "pdd.chat.message.push"
SEND_TYPE = "kefu.chat.message.send"
REGISTER_TYPE = "kefu.webhook.register"
MAX_FORM_BYTES = 1024 * 1024

# Error codes of the simulator's error_response (PDD-like numbers; none of them is retryable).
ERR_MISSING_PARAM = 10001
ERR_UNKNOWN_TYPE = 10002
ERR_BAD_CLIENT = 10015
ERR_BAD_SIGN = 10016
ERR_STALE = 10017
ERR_NOT_FOUND = 20001

# Carriers the logistics.companies call lists (id, name, code).
CARRIERS = [
    (115, "中通快递", "ZTO"),
    (85, "圆通速递", "YTO"),
    (121, "韵达快递", "YUNDA"),
    (1, "申通快递", "STO"),
    (44, "顺丰速运", "SF"),
    (118, "邮政EMS", "EMS"),
    (384, "极兔速递", "JTSD"),
    (120, "京东快递", "JD"),
]
_BUYER_PATH = re.compile(r"^/buyer/([^/]+)/messages$")
_ORDER_PATH = re.compile(r"^/sim/orders/([^/]+)$")


class BuyerSend(BaseModel):
    """The body of ``POST /buyer/send``."""

    buyer_id: str = Field(min_length=1, max_length=96)
    text: str | None = Field(default=None, max_length=4000)
    type: str = "text"
    goods_id: str | None = None
    goods_name: str | None = None
    order_sn: str | None = None
    media_url: str | None = None
    message_id: str | None = None


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PlatformFaults:
    """Switches that make the platform misbehave, for fault tests and experiments; all off by default.

    - ``send_delay_s``: every chat send waits this long before it is answered (a slow platform);
    - ``fail_sends``: the next N chat sends fail with HTTP ``fail_status`` (503: an outage, 429:
      throttled; both retryable for the agent's client) and are not delivered;
    - ``fail_buyers``: chat sends to these buyers always fail (a message that can never succeed).

    ``failed`` counts the sends refused by a fault.
    """

    send_delay_s: float = 0.0
    fail_sends: int = 0
    fail_status: int = 503
    fail_buyers: set[str] = field(default_factory=set)
    failed: int = 0


class PlatformSimulator:
    """The platform for one shop: order data from its bundle, chat in both directions.

    Thread-safe; use it from tests directly (``send_buyer_message``, ``sent_to``,
    ``wait_for_replies``, ``set_order_status``) or over HTTP.
    """

    def __init__(
        self,
        shop_dir: Path,
        secret: str,
        *,
        client_id: str = "kefu-local",
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        signature_window_s: int = 600,
        platform: str = "pdd",
    ) -> None:
        shop_dir = Path(shop_dir)
        shop = json.loads((shop_dir / "shop.json").read_text(encoding="utf-8"))
        self.shop_id: str = shop["shop_id"]
        self.shop_name: str = shop.get("shop_name", self.shop_id)
        orders_path = shop_dir / "orders.json"
        self._orders: list[dict[str, Any]] = (
            json.loads(orders_path.read_text(encoding="utf-8")) if orders_path.exists() else []
        )
        self._products: dict[str, dict[str, Any]] = {}
        for path in sorted((shop_dir / "products").glob("*.json")):
            product = json.loads(path.read_text(encoding="utf-8"))
            self._products[str(product.get("goods_id", path.stem))] = product
        self.secret = secret
        self.client_id = client_id
        self.webhook_url = webhook_url
        self.secret_location: str | None = None
        self._window = signature_window_s
        self._lock = threading.Condition()
        self._status_override: dict[str, str | None] = {}
        self._conversation: dict[str, list[dict[str, Any]]] = {}
        self._seen_client_ids: set[str] = set()
        self.duplicates = 0
        self.api_calls: Counter[str] = Counter()
        self.rejected_calls = 0
        self.faults = PlatformFaults()
        self._session = requests.Session()
        self.platform = platform
        self.mode: Mode | None = None
        if platform == "generic":
            self.mode = GenericMode(secret, signature_window_s, self._session)
        elif platform == "wecom_kf":
            self.mode = WecomMode(signature_window_s, self._session)
        elif platform != "pdd":
            raise ValueError(f"the simulator speaks pdd, generic and wecom_kf, not {platform!r}")
        self._server = _SimulatorServer((host, port), self)
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What kefu calls: Pinduoduo's router, or the base URL of the connector / WeCom API."""
        return self.url if self.mode is not None else f"{self.url}/api/router"

    def function_env(self) -> dict[str, str]:
        """The functions' platform settings for this simulator (secret, client id, API URL)."""
        if self.mode is not None:
            return {"KEFU_PLATFORM": self.platform, **self.mode.function_env(self.api_url)}
        return {"KEFU_PLATFORM": "pdd", "KEFU_PLATFORM_SECRET": self.secret,
                "KEFU_PLATFORM_CLIENT_ID": self.client_id, "KEFU_PLATFORM_API_URL": self.api_url}

    def start(self) -> PlatformSimulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="kefu-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._session.close()
        self._thread.join(timeout=5)
        self._thread = None

    # -- buyer side -----------------------------------------------------------------------------------------

    def send_buyer_message(
        self,
        buyer_id: str,
        text: str | None = None,
        *,
        type: str = "text",
        goods_id: str | None = None,
        message_id: str | None = None,
        timestamp: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Sign a buyer message and push it to the webhook; returns the webhook's status and body."""
        if not self.webhook_url:
            raise RuntimeError("no webhook registered with the simulator")
        message: dict[str, Any] = {
            "shop_id": self.shop_id,
            "buyer_id": buyer_id,
            "message_id": message_id or f"m{uuid.uuid4().hex[:20]}",
            "type": type,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        if text is not None:
            message["text"] = text
        if goods_id:
            message["goods_id"] = goods_id
        message.update({key: value for key, value in extra.items() if value is not None})
        with self._lock:
            self._conversation.setdefault(buyer_id, []).append(
                {
                    "from": "buyer",
                    "type": type,
                    "content": text or _placeholder(type),
                    "message_id": message["message_id"],
                    "at": message["sent_at"],
                }
            )
        if self.mode is not None:
            response = self.mode.push(self.webhook_url, message)
        else:
            response = self._push_pdd(message, timestamp)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return {"message_id": message["message_id"], "status": response.status_code, "response": body}

    def _push_pdd(self, message: dict[str, Any], timestamp: int | None) -> requests.Response:
        assert self.webhook_url is not None
        form = {
            "client_id": self.client_id,
            "timestamp": str(int(time.time()) if timestamp is None else timestamp),
            "type": PUSH_TYPE,
            "data": json.dumps(message, ensure_ascii=False, separators=(",", ":")),
        }
        form["sign"] = pdd_sign(form, self.secret)
        return self._session.post(self.webhook_url, data=form, timeout=15)

    def sent_to(self, buyer_id: str) -> list[dict[str, Any]]:
        """What the agent sent this buyer, oldest first."""
        with self._lock:
            return [dict(m) for m in self._conversation.get(buyer_id, []) if m["from"] == "agent"]

    def conversation(self, buyer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._conversation.get(buyer_id, [])]

    def wait_for_replies(
        self, buyer_id: str, count: int = 1, timeout_s: float = 20.0
    ) -> list[dict[str, Any]]:
        """Block until the agent has sent ``count`` messages to the buyer (or the time is up)."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while True:
                sent = [dict(m) for m in self._conversation.get(buyer_id, []) if m["from"] == "agent"]
                remaining = deadline - time.monotonic()
                if len(sent) >= count or remaining <= 0:
                    return sent
                self._lock.wait(remaining)

    def set_order_status(self, buyer_id: str, status: str | None) -> None:
        """Make the order look-up answer with ``status`` for this buyer.

        ``未下单``: no order at all; None: back to orders.json.
        """
        if status is not None and status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}; one of {', '.join(ORDER_STATUSES)}")
        with self._lock:
            if status is None:
                self._status_override.pop(buyer_id, None)
            else:
                self._status_override[buyer_id] = status

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "shop_id": self.shop_id,
                "platform": self.platform,
                "platform_calls": dict(self.mode.calls) if isinstance(self.mode, WecomMode) else {},
                "webhook_url": self.webhook_url,
                "secret_location": self.secret_location,
                "api_calls": dict(self.api_calls),
                "rejected_calls": self.rejected_calls,
                "duplicates": self.duplicates,
                "buyers": sorted(self._conversation),
                "order_overrides": dict(self._status_override),
            }

    # -- platform API ---------------------------------------------------------------------------------------

    def api(self, params: Mapping[str, str], now: float | None = None) -> dict[str, Any]:
        """One /api/router call: verified, then answered; errors in the platform's envelope."""
        try:
            self._verify(params, time.time() if now is None else now)
            api_type = params.get("type", "")
            with self._lock:
                self.api_calls[api_type] += 1
            return self._dispatch(api_type, params)
        except ApiError as error:
            with self._lock:
                self.rejected_calls += 1
            return {
                "error_response": {
                    "error_code": error.code,
                    "error_msg": error.message,
                    "request_id": uuid.uuid4().hex,
                }
            }

    def fault(self, params: Mapping[str, str]) -> tuple[int, dict[str, Any]] | None:
        """The (HTTP status, body) a fault switch answers this call with, or None (see PlatformFaults)."""
        if params.get("type") != SEND_TYPE:
            return None
        if self.faults.send_delay_s > 0:
            time.sleep(self.faults.send_delay_s)
        with self._lock:
            faults = self.faults
            if params.get("buyer_id") not in faults.fail_buyers and faults.fail_sends <= 0:
                return None
            if params.get("buyer_id") not in faults.fail_buyers:
                faults.fail_sends -= 1
            faults.failed += 1
        return faults.fail_status, {
            "error_response": {
                "error_code": faults.fail_status,
                "error_msg": "service unavailable (simulated fault)",
                "request_id": uuid.uuid4().hex,
            }
        }

    def _verify(self, params: Mapping[str, str], now: float) -> None:
        for name in ("type", "client_id", "timestamp", "sign"):
            if not params.get(name):
                raise ApiError(ERR_MISSING_PARAM, f"missing parameter: {name}")
        if params["client_id"] != self.client_id:
            raise ApiError(ERR_BAD_CLIENT, "unknown client_id")
        if not within_window(params["timestamp"], now, self._window):
            raise ApiError(ERR_STALE, "timestamp outside the allowed window")
        if not pdd_verify(params, self.secret):
            raise ApiError(ERR_BAD_SIGN, "sign does not match")

    def _dispatch(self, api_type: str, params: Mapping[str, str]) -> dict[str, Any]:
        if api_type == "pdd.order.list.get":
            orders = self.orders_of(_required(params, "buyer_id"))
            return {"order_list_get_response": {"total_count": len(orders), "order_list": orders}}
        if api_type == "pdd.order.information.get":
            info = self._order_info(_required(params, "order_sn"))
            return {"order_info_get_response": {"order_info": info or {}}}
        if api_type == "pdd.logistics.companies.get":
            return {"logistics_companies_get_response": {"logistics_companies": self._companies()}}
        if api_type == "pdd.logistics.ordertrace.get":
            trace = self._trace(_required(params, "mail_no"))
            # "resposne" is the platform's own spelling of this key.
            return {"logistics_ordertrace_get_resposne": {"trace_list": trace}}
        if api_type == "pdd.goods.detail.get":
            product = self._products.get(_required(params, "goods_id"))
            return {"goods_detail_get_response": dict(product) if product else {}}
        if api_type == SEND_TYPE:
            return self._receive_reply(params)
        if api_type == REGISTER_TYPE:
            url = _required(params, "url")
            if not url.startswith(("http://", "https://")):
                raise ApiError(ERR_MISSING_PARAM, "url must be an http(s) URL")
            with self._lock:
                self.webhook_url = url
                self.secret_location = params.get("secret_location") or None
            return {"webhook_register_response": {"success": True, "url": url}}
        raise ApiError(ERR_UNKNOWN_TYPE, f"unknown api type: {api_type}")

    def orders_of(self, buyer_id: str) -> list[dict[str, Any]]:
        """The buyer's orders, newest first, with the status override applied to the newest."""
        with self._lock:
            override = self._status_override.get(buyer_id)
        if override == NO_ORDER:
            return []
        orders = sorted(
            (dict(o) for o in self._orders if o.get("buyer_id") == buyer_id),
            key=lambda o: str(o.get("created_at", "")),
            reverse=True,
        )
        if override is not None:
            if not orders:
                return [
                    {
                        "order_sn": f"sim-{buyer_id}",
                        "buyer_id": buyer_id,
                        "status": override,
                        "created_at": datetime.now(UTC).isoformat(),
                    }
                ]
            orders[0]["status"] = override
        return orders

    def _order_info(self, order_sn: str) -> dict[str, Any] | None:
        for order in self._orders:
            if order.get("order_sn") == order_sn:
                info = dict(order)
                logistics = order.get("logistics") or {}
                if logistics.get("tracking_no"):
                    info["tracking_number"] = logistics["tracking_no"]
                    info["logistics_id"] = self._carrier_id(str(logistics.get("company", "")))
                return info
        return None

    def _companies(self) -> list[dict[str, Any]]:
        companies = [
            {"id": i, "logistics_company": name, "code": code, "available": 1} for i, name, code in CARRIERS
        ]
        known = {name for _, name, _ in CARRIERS}
        for order in self._orders:
            name = (order.get("logistics") or {}).get("company")
            if name and name not in known:
                known.add(name)
                companies.append(
                    {
                        "id": self._carrier_id(name),
                        "logistics_company": name,
                        "code": f"X{len(companies)}",
                        "available": 1,
                    }
                )
        return companies

    @staticmethod
    def _carrier_id(name: str) -> int:
        for carrier_id, carrier, _ in CARRIERS:
            if carrier == name:
                return carrier_id
        return 9000 + sum(name.encode()) % 1000

    def _trace(self, mail_no: str) -> list[dict[str, Any]]:
        for order in self._orders:
            logistics = order.get("logistics") or {}
            if logistics.get("tracking_no") == mail_no:
                return [
                    {
                        "status_time": event.get("time", ""),
                        "time": event.get("time", ""),
                        "status_desc": event.get("desc", ""),
                        "desc": event.get("desc", ""),
                        "action": event.get("action", ""),
                    }
                    for event in logistics.get("events", [])
                ]
        raise ApiError(ERR_NOT_FOUND, "no trace for this waybill number")

    def _receive_reply(self, params: Mapping[str, str]) -> dict[str, Any]:
        buyer_id = _required(params, "buyer_id")
        content = _required(params, "content")
        client_msg_id = _required(params, "client_msg_id")
        if params.get("shop_id") and params["shop_id"] != self.shop_id:
            raise ApiError(ERR_BAD_CLIENT, "this client serves another shop")
        duplicate = self.record_reply(buyer_id, content, client_msg_id)
        return {"chat_message_send_response": {"success": True, "duplicate": duplicate}}

    def record_reply(self, buyer_id: str, content: str, client_msg_id: str) -> bool:
        """Store what the agent sent a buyer; True (and counted) when this client message id came before."""
        with self._lock:
            if client_msg_id in self._seen_client_ids:
                self.duplicates += 1
                return True
            self._seen_client_ids.add(client_msg_id)
            self._conversation.setdefault(buyer_id, []).append(
                {
                    "from": "agent",
                    "type": "text",
                    "content": content,
                    "client_msg_id": client_msg_id,
                    "at": datetime.now(UTC).isoformat(),
                }
            )
            self._lock.notify_all()
        return False


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise ApiError(ERR_MISSING_PARAM, f"missing parameter: {name}")
    return value


def _placeholder(kind: str) -> str:
    return {"image": "[图片]", "video": "[视频]", "goods_card": "[商品]", "order_card": "[订单]"}.get(
        kind, ""
    )


def chat_page() -> bytes:
    return package_files.files("kefu_dev.local").joinpath("static/chat.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: _SimulatorServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms per keep-alive request, measured); TCP_NODELAY sends it at once.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def do_PUT(self) -> None:
        self._guarded(self._post)

    def __getattr__(self, name: str) -> Any:
        """``do_<any other method>``: 405 (BaseHTTPRequestHandler's own answer would be a 501 HTML page)."""
        if name.startswith("do_"):
            return lambda: self._guarded(lambda: _json(405, {"error": "method_not_allowed"}))
        raise AttributeError(name)

    def _guarded(self, handle: Any) -> None:
        try:
            status, content_type, body = handle()
        except Exception:  # junk must never take the simulator down
            log.exception("simulator error")
            status, content_type, body = 500, "application/json", b'{"error":"internal error"}'
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_FORM_BYTES:
            raise ValueError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _get(self) -> tuple[int, str, bytes]:
        simulator = self.server.simulator
        split = urlsplit(self.path)
        if split.path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", chat_page()
        if split.path == "/sim/state":
            return _json(200, simulator.state())
        match = _BUYER_PATH.match(split.path)
        if match:
            buyer_id = match.group(1)
            query = dict(parse_qsl(split.query))
            try:
                after = int(query.get("after", "0"))
            except ValueError:
                after = 0
            agent = simulator.sent_to(buyer_id)
            return _json(
                200,
                {
                    "buyer_id": buyer_id,
                    "messages": agent[after:],
                    "count": len(agent),
                    "conversation": simulator.conversation(buyer_id),
                },
            )
        return self._mode("GET", split.path, split.query, b"")

    def _mode(self, method: str, path: str, query: str, raw: bytes) -> tuple[int, str, bytes]:
        """The platform mode's own API (generic connector, WeCom), else 404."""
        simulator = self.server.simulator
        if simulator.mode is not None:
            served = simulator.mode.serve(method, path, query, dict(self.headers.items()), raw,
                                          simulator.record_reply, simulator.orders_of)
            if served is not None:
                return _json(*served)
        return _json(404, {"error": "not found"})

    def _post(self) -> tuple[int, str, bytes]:
        simulator = self.server.simulator
        split = urlsplit(self.path)
        path = split.path
        try:
            raw = self._body()
        except ValueError:
            return _json(413, {"error": "body too large"})
        if path == "/api/router":
            try:
                params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                params = {}
            fault = simulator.fault(params)
            if fault is not None:
                return _json(*fault)
            return _json(200, simulator.api(params))
        if path == "/buyer/send":
            try:
                request = BuyerSend.model_validate_json(raw or b"{}")
            except ValidationError as error:
                return _json(400, {"error": "invalid request", "detail": error.errors()[:3]})
            if request.type == "text" and not request.text:
                return _json(400, {"error": "text is required for a text message"})
            try:
                result = simulator.send_buyer_message(
                    request.buyer_id,
                    request.text,
                    type=request.type,
                    goods_id=request.goods_id,
                    message_id=request.message_id,
                    goods_name=request.goods_name,
                    order_sn=request.order_sn,
                    media_url=request.media_url,
                )
            except (RuntimeError, requests.RequestException) as error:
                return _json(502, {"error": f"webhook unreachable: {error}"})
            return _json(200, result)
        match = _ORDER_PATH.match(path)
        if match:
            try:
                status = json.loads(raw or b"{}").get("status")
                simulator.set_order_status(match.group(1), status)
            except (ValueError, AttributeError) as error:
                return _json(400, {"error": str(error)})
            return _json(200, {"buyer_id": match.group(1), "status": status})
        return self._mode(self.command, path, split.query, raw)


def _json(status: int, payload: Any) -> tuple[int, str, bytes]:
    return (
        status,
        "application/json; charset=utf-8",
        json.dumps(payload, ensure_ascii=False, default=str).encode(),
    )


class _SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: PlatformSimulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator
