"""The local API Gateway: HTTP requests in, API Gateway REST proxy events to the real handlers, responses out.

Routes (as the stack's two REST APIs have them):
- ``/webhook/...``            → functions/webhook
- ``/agent/...``, ``/console…`` → functions/agent_api (when that function exists)

Like API Gateway it refuses bodies over 10 MB (413), answers 502 when the function
fails or returns something that is not a proxy response, and never lets junk crash
the server.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kefu_dev.local.handlers import InvocationError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024  # beyond this an oversized body is not read at all
STAGE = "prod"  # the stage name the stack deploys
Invoke = Callable[[dict[str, Any]], Any]


def route(path: str) -> str | None:
    """Which function serves ``path``; None: no route (404)."""
    if path == "/webhook" or path.startswith("/webhook/"):
        return "webhook"
    if path.startswith("/agent/") or path == "/agent" or path.startswith("/console"):
        return "agent_api"
    return None


def proxy_event(
    method: str,
    raw_path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy event, shaped as API Gateway sends it."""
    split = urlsplit(raw_path)
    path = split.path or "/"
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value  # the last value wins, as in API Gateway's headers map
        multi.setdefault(name, []).append(value)
    query_multi = parse_qs(split.query, keep_blank_values=True) if split.query else {}
    query_single = {key: values[-1] for key, values in query_multi.items()}
    try:
        text: str | None = body.decode("utf-8") if body else None
        is_base64 = False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": single.get("Host") or single.get("host") or "127.0.0.1",
            "identity": {
                "sourceIp": source_ip,
                "userAgent": single.get("User-Agent") or single.get("user-agent"),
            },
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def _resource(function: str, path: str) -> tuple[str, dict[str, str] | None]:
    """Resource template and path parameters: exact webhook resources, a greedy proxy for the console API."""
    if function == "webhook":
        return path, None
    proxy = path.lstrip("/")
    return "/{proxy+}", {"proxy": proxy} if proxy else None


class _Handler(BaseHTTPRequestHandler):
    server: _GatewayServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms per keep-alive request, measured); TCP_NODELAY sends it at once.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, ...) reaches the function too, which refuses it with a 4xx,
        # instead of http.server's 501 (the fuzz pass found it).
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        started = time.perf_counter()
        try:
            status, headers, body = self._handle()
        except Exception:  # the gateway itself must never fall over
            log.exception("gateway error")
            status, headers, body = (
                500,
                {"Content-Type": "application/json"},
                b'{"message":"Internal server error"}',
            )
        self._respond(status, headers, body)
        self.server.record(self.command, self.path, status, (time.perf_counter() - started) * 1000)

    def _handle(self) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(self.path).path
        function = route(path)
        invoke = self.server.functions.get(function) if function else None
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return _json(413, {"message": "Request Too Long"})
        if invoke is None:
            return _json(
                404 if function is None else 503,
                {
                    "message": "Missing Authentication Token"
                    if function is None
                    else f"{function} is not deployed locally"
                },
            )
        resource, parameters = _resource(function or "", path)
        event = proxy_event(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            self.client_address[0],
            resource,
            parameters,
        )
        try:
            result = invoke(event)
        except InvocationError as error:
            log.warning("%s failed: %s", function, error)
            return _json(502, {"message": "Internal server error"})
        return _from_proxy_result(result)

    def _read_body(self) -> bytes | None:
        """The request body; None when it exceeds the limit (the rest is not read: the connection closes)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            self._discard(length)
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _discard(self, length: int) -> None:
        """Read and drop an oversized body, so the client is not cut off mid-send and sees the 413."""
        remaining = min(length, DRAIN_LIMIT_BYTES)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(64).split(b";", 1)[0].strip()
            try:
                size = int(size_line or b"0", 16)
            except ValueError:
                return b"".join(parts)
            if size == 0:
                self.rfile.readline(64)
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(64)

    def _respond(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _json(status: int, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload, ensure_ascii=False).encode()


def _from_proxy_result(result: Any) -> tuple[int, dict[str, str], bytes]:
    """API Gateway's reading of a proxy integration response; anything malformed is a 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return _json(502, {"message": "Internal server error"})
    headers: dict[str, str] = {}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if isinstance(values, list) and values:
            headers[name] = ", ".join(str(v) for v in values)
    for name, value in (result.get("headers") or {}).items():
        headers[name] = str(value)
    raw = result.get("body") or ""
    if not isinstance(raw, str):
        return _json(502, {"message": "Internal server error"})
    try:
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
    except ValueError:
        return _json(502, {"message": "Internal server error"})
    return int(result["statusCode"]), headers, body


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], functions: dict[str, Invoke]) -> None:
        super().__init__(address, _Handler)
        self.functions = functions
        self.requests = 0
        self._count_lock = threading.Lock()

    def record(self, method: str, path: str, status: int, elapsed_ms: float) -> None:
        with self._count_lock:
            self.requests += 1
        log.info("%s %s -> %d (%.1f ms)", method, urlsplit(path).path, status, elapsed_ms)


class LocalGateway:
    """The local API Gateway on a loopback port; ``functions`` maps a function name to its invoker."""

    def __init__(self, functions: Mapping[str, Invoke], host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _GatewayServer((host, port), dict(functions))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        return self._server.requests

    def start(self) -> LocalGateway:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="kefu-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._thread = None
