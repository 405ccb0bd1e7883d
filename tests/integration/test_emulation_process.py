"""The local AWS emulation in a process of its own (kefu_dev.local.moto_process): serves, stops, never outlives
the runtime that started it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from kefu_dev.local.emulator import MotoServer, client


def test_serves_with_keep_alive_and_stops() -> None:
    server = MotoServer(own_process=True).start()
    try:
        dynamodb = client("dynamodb", server.endpoint_url)
        assert dynamodb.list_tables()["TableNames"] == []
        response = dynamodb.list_tables()["ResponseMetadata"]["HTTPHeaders"]
        assert response.get("connection", "").lower() != "close"  # moto's own server closed every connection
    finally:
        server.stop()
    with pytest.raises(Exception):  # noqa: B017 - any connection error will do
        client("dynamodb", server.endpoint_url).list_tables()


def test_exits_when_the_process_that_started_it_dies() -> None:
    parent = subprocess.run(
        [sys.executable, "-c", textwrap.dedent("""
            import os
            from kefu_dev.local.emulator import MotoServer
            server = MotoServer(own_process=True).start()
            print(server._process.pid, flush=True)
            os._exit(0)  # dies without stopping it, like a runtime killed with SIGKILL
        """)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    child = int(parent.stdout.strip())
    deadline = time.monotonic() + 15
    while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the emulation outlived its runtime"
        time.sleep(0.2)


def test_background_emulation_runs_at_idle_priority() -> None:
    """The reply path's emulation yields the CPU to the intake path (see kefu_dev.local.runtime)."""
    foreground = MotoServer(own_process=True).start()
    background = MotoServer(own_process=True, background=True).start()
    try:
        assert foreground._process is not None and background._process is not None
        if hasattr(os, "sched_getscheduler"):
            assert os.sched_getscheduler(foreground._process.pid) == os.SCHED_OTHER
            assert os.sched_getscheduler(background._process.pid) == os.SCHED_IDLE
        else:
            assert psutil.Process(background._process.pid).nice() > psutil.Process(foreground._process.pid).nice()
        assert client("dynamodb", background.endpoint_url).list_tables()["TableNames"] == []
    finally:
        background.stop()
        foreground.stop()
