"""A real engine (ElasticMQ's JVM, dynalite's Node) as a child process on a loopback port.

Its output goes to a log in a temporary folder of its own (``log_tail`` for error messages); ``stop``
terminates it and removes the folder; ``start_new_session`` keeps Ctrl-C for the runtime, which stops it.
On Linux the child is also sent SIGTERM when the process that started it dies (a test run or runtime killed
with -9 leaves no engine behind). PR_SET_PDEATHSIG follows the starting *thread*: start an engine from a
thread that outlives it (the runtime, the benchmark and the test fixtures start them from the main thread).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
_PRCTL: Any = None
if sys.platform.startswith("linux"):  # looked up here, in the parent: the child between fork and exec only calls it
    with contextlib.suppress(OSError, AttributeError):
        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent dies (elsewhere: nothing)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGTERM))


class ChildServer:
    NAME = "server"  # in messages and the log's file name

    def __init__(self, port: int | None, ready_timeout_s: float) -> None:
        from kefu_dev.local.emulator import free_port

        self.port = port or free_port()
        self._ready_timeout_s = ready_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def workdir(self) -> Path:
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix=f"kefu-{self.NAME.lower()}-"))
        return self._workdir

    def _log(self) -> Path:
        return self.workdir() / f"{self.NAME.lower()}.log"

    def _launch(self, argv: list[str], unavailable: type[RuntimeError], ready_path: str = "/") -> None:
        """Start ``argv`` and wait until it answers HTTP at ``ready_path``; ``unavailable`` when it does not."""
        with self._log().open("wb") as log:
            self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self._ready_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                rc, tail = self._process.returncode, self.log_tail()
                self.stop()
                raise unavailable(f"{self.NAME} exited with {rc}:\n{tail}")
            if self._answers(ready_path):
                return
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        waited = f"{self._ready_timeout_s:.0f} s"
        raise unavailable(f"{self.NAME} did not answer on port {self.port} within {waited}:\n{tail}")

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}{path}", timeout=2) as resp:
                return bool(resp.status < 500)
        except urllib.error.HTTPError:
            return True  # it speaks HTTP: up
        except OSError:
            return False

    def log_tail(self, lines: int = 40) -> str:
        if self._workdir is None:
            return ""
        with contextlib.suppress(OSError):
            return "\n".join(self._log().read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
