"""Fixtures of the integration tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kefu_dev.local.runtime import LocalRuntime


@pytest.fixture(scope="module")
def platform_runtime(
    request: pytest.FixtureRequest, demo_shop: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalRuntime]:
    """The whole local runtime on the demo shop, speaking the test module's ``PLATFORM``, one per module."""
    platform: str = request.module.PLATFORM
    log_path = tmp_path_factory.mktemp(platform) / "functions.log"
    with LocalRuntime(demo_shop, platform=platform, failure_visibility_s=2, log_path=log_path) as runtime:
        yield runtime
