"""The browser tests' shared pieces: Debian's headless Chromium and the console opened in it.

Playwright only drives /usr/bin/chromium (no browser download). A module's ``runtime`` fixture asks for
``chromium`` before it starts the local runtime, so a missing browser skips (or, as root, fails) at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from kefu_dev.local.runtime import LocalRuntime

CHROMIUM = "/usr/bin/chromium"
# This machine's network is closed: no background connections, no component updates, no QUIC.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """The browser's path; skips when it is missing, fails when root could have installed it."""
    if not Path(CHROMIUM).exists():
        hint = "apt-get install -y chromium chromium-driver fonts-noto-cjk (make test does, as root)"
        if os.geteuid() == 0:  # root could have installed it (CI): a missing browser must not pass silently
            pytest.fail(f"Debian's chromium is missing: {hint}")
        pytest.skip(f"Debian's chromium is missing and we are not root: {hint}")
    return CHROMIUM


@pytest.fixture
def open_console(chromium: str, tmp_path: Path) -> Callable[..., AbstractContextManager[Any]]:
    """``with open_console(runtime, agent) as page:`` the runtime's console, logged in as ``agent``.

    A new, empty profile per test (the persistent context's user-data-dir, in the test's tmp_path); the
    browser is closed when the block ends. Other keywords go to playwright's launch (accept_downloads=True).
    """

    @contextmanager
    def open_(
        runtime: LocalRuntime, agent: str, *, viewport_height: int = 1000, **launch_options: Any
    ) -> Iterator[Any]:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
                viewport={"width": 1440, "height": viewport_height}, locale="zh-CN", **launch_options,
            )
            try:
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.goto(runtime.console_url or "")
                # Log in once: the token stays in localStorage.
                page.get_by_test_id("token").fill(runtime.agent_token)
                page.get_by_test_id("agent").fill(agent)
                page.get_by_test_id("login").click()
                yield page
            finally:
                context.close()

    return open_
