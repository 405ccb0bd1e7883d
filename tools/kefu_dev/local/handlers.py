"""Loading the real Lambda handlers (``functions/<name>/app.py``) outside Lambda.

Two ways, both running exactly the code that is deployed:

- ``load_handler(name, env)`` imports the handler module in this process: what the
  integration tests use (one call at a time, like one Lambda execution environment).
- ``FunctionPool(name, env)`` runs each execution environment as a child process
  (``python -m kefu_dev.local.worker``), created on demand up to a concurrency limit and
  kept warm, as Lambda does. The local runtime uses it: handler modules hold
  per-process state (Powertools' resolver, batch processor and a metric set shared by
  every ``Metrics`` instance), so two invocations must never share one interpreter
  concurrently; separate processes also let the two cores work in parallel. A timed-out
  invocation kills its process, as Lambda resets the environment.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import selectors
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import kefu
from kefu.resources import FUNCTIONS
from kefu.settings import get_settings
from kefu_dev.local.priority import run_in_background

LOCAL_ACCOUNT = "123456789012"
_IMPORT_LOCK = threading.Lock()
_COUNTER = itertools.count(1)


def functions_dir() -> Path:
    """``functions/`` of the source tree (beside layers/); override: KEFU_FUNCTIONS_DIR."""
    override = os.environ.get("KEFU_FUNCTIONS_DIR")
    if override:
        return Path(override)
    return Path(kefu.__file__).resolve().parents[4] / "functions"


def handler_path(name: str, base: Path | None = None) -> Path:
    """The handler's module file, from the function's spec (kefu.resources.FUNCTIONS), as the stack names it."""
    module = FUNCTIONS[name].module if name in FUNCTIONS else "app"
    return (base or functions_dir()) / name / f"{module.replace('.', '/')}.py"


def handler_attribute(name: str) -> str:
    return FUNCTIONS[name].attribute if name in FUNCTIONS else "lambda_handler"


def has_function(name: str, base: Path | None = None) -> bool:
    return handler_path(name, base).is_file()


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    timeout_s: float = 30.0
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    region: str = "cn-north-1"
    started_at: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        return f"arn:{partition}:lambda:{self.region}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started_at
        return max(0, int((self.timeout_s - elapsed) * 1000))


def load_handler(name: str, env: Mapping[str, str], base: Path | None = None) -> ModuleType:
    """Import functions/<name>/app.py afresh with ``env`` in os.environ (a cold start).

    Handlers read their settings at import, so the environment is set first and the
    settings cache cleared; a unique module name gives every call its own module
    state. os.environ keeps ``env`` afterwards, as a Lambda's environment does.
    """
    path = handler_path(name, base)
    if not path.is_file():
        raise FileNotFoundError(f"no handler at {path}")
    with _IMPORT_LOCK:
        os.environ.update(env)
        get_settings.cache_clear()
        module_name = f"kefu_local_fn_{name}_{next(_COUNTER)}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
    return module


class InvocationError(RuntimeError):
    """The function failed: an unhandled exception, a timeout, or a dead execution environment."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.error_message = message


class _Environment:
    """One execution environment: a child process running kefu_dev.local.worker."""

    def __init__(
        self, name: str, env: Mapping[str, str], base: Path | None, log: Any, ready_timeout_s: float,
        background: bool = False,
    ) -> None:
        child_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        if base is not None:
            child_env["KEFU_FUNCTIONS_DIR"] = str(base)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kefu_dev.local.worker", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=child_env,
            start_new_session=True,  # Ctrl-C reaches the parent only; it stops us in order
            preexec_fn=run_in_background if background else None,
        )
        self._buffer = b""
        ready = self._read(time.monotonic() + ready_timeout_s)
        if not ready.get("ready"):
            self.kill()
            raise InvocationError(
                ready.get("error_type", "Runtime.InitError"), ready.get("error_message", "")
            )

    def invoke(self, event: dict[str, Any], request_id: str, timeout_s: float) -> Any:
        assert self.process.stdin is not None
        line = json.dumps({"event": event, "request_id": request_id, "timeout_s": timeout_s}) + "\n"
        try:
            self.process.stdin.write(line.encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise InvocationError("Runtime.ExitError", f"execution environment exited: {error}") from None
        reply = self._read(time.monotonic() + timeout_s + 1.0)
        if reply.get("ok"):
            return reply.get("result")
        raise InvocationError(str(reply.get("error_type", "Error")), str(reply.get("error_message", "")))

    def _read(self, deadline: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    return {"error_type": "Sandbox.Timedout", "error_message": "Task timed out"}
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    code = self.process.wait()
                    return {"error_type": "Runtime.ExitError", "error_message": f"exited with status {code}"}
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            return {
                "error_type": "Runtime.InvalidResponse",
                "error_message": line[:200].decode(errors="replace"),
            }
        return parsed if isinstance(parsed, dict) else {"error_type": "Runtime.InvalidResponse"}

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self, grace_s: float = 3.0) -> None:
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # EOF: the worker exits by itself
        try:
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.kill()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class FunctionPool:
    """Invokes one function like Lambda: warm environments reused, new ones up to ``max_concurrency``."""

    def __init__(
        self,
        name: str,
        env: Mapping[str, str],
        *,
        max_concurrency: int = 2,
        timeout_s: float | None = None,
        base: Path | None = None,
        log: Any = None,
        ready_timeout_s: float = 120.0,
        background: bool = False,
    ) -> None:
        """``background``: the environments run at idle CPU priority; see LocalRuntime."""
        self.name = name
        self._background = background
        self.function_name = f"kefu-local-{name}"
        self._env = dict(env)
        self._base = base
        self._log = log
        self._ready_timeout_s = ready_timeout_s
        # The timeout the stack gives the function (kefu.resources.FUNCTIONS), unless a test sets one.
        self.timeout_s = timeout_s or float(FUNCTIONS[name].timeout_s if name in FUNCTIONS else 30)
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._idle: list[_Environment] = []
        self._all: list[_Environment] = []
        self._lock = threading.Lock()
        self._closed = False
        self.invocations = 0
        self.cold_starts = 0

    def warm(self, count: int = 1) -> None:
        """Start ``count`` environments now (in parallel), so the first request is not a cold start."""
        errors: list[BaseException] = []

        def start() -> None:
            try:
                environment = self._spawn()
                with self._lock:
                    self._idle.append(environment)
            except BaseException as error:  # reported below, from the calling thread
                errors.append(error)

        threads = [threading.Thread(target=start, daemon=True) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        """The handler's return value; raises InvocationError when the function failed."""
        if self._closed:
            raise InvocationError("Runtime.Closed", f"{self.name} is stopped")
        with self._slots:
            environment = self._take()
            try:
                result = environment.invoke(event, request_id or str(uuid.uuid4()), self.timeout_s)
            finally:
                self._give_back(environment)
            return result

    def _take(self) -> _Environment:
        with self._lock:
            while self._idle:
                environment = self._idle.pop()
                if environment.alive:
                    self.invocations += 1
                    return environment
                self._all.remove(environment)
            self.invocations += 1
        return self._spawn()

    def _spawn(self) -> _Environment:
        environment = _Environment(self.name, self._env, self._base, self._log, self._ready_timeout_s,
                                   self._background)
        with self._lock:
            self._all.append(environment)
            self.cold_starts += 1
        return environment

    def _give_back(self, environment: _Environment) -> None:
        with self._lock:
            if environment.alive and not self._closed:
                self._idle.append(environment)
            elif environment in self._all:
                self._all.remove(environment)
                if self._closed:
                    environment.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            environments = list(self._all)
            self._idle.clear()
            self._all.clear()
        for environment in environments:
            environment.close()


Invoker = Callable[[dict[str, Any]], Any]
