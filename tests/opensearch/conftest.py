"""A real single-node OpenSearch for the ``opensearch`` tests, started once per session.

Missing Java or Maven is a failure, not a skip: a silently skipped adapter test is how a broken
adapter ships. ``KEFU_SKIP_OPENSEARCH=1`` opts out explicitly.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

_spec = importlib.util.spec_from_file_location(
    "kefu_test_opensearch_node", Path(__file__).with_name("node.py")
)
assert _spec and _spec.loader
node_helper = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = node_helper
_spec.loader.exec_module(node_helper)


def _skip_requested() -> bool:
    return os.environ.get("KEFU_SKIP_OPENSEARCH", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def opensearch_node() -> Iterator[Any]:
    if _skip_requested():
        pytest.skip("KEFU_SKIP_OPENSEARCH=1: real OpenSearch node tests skipped on request")
    missing = [tool for tool in ("java", "javac", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: the OpenSearch adapter tests run a real node from Maven "
            "Central jars and need Java 17+ and Maven. Install them (apt-get install "
            "openjdk-17-jdk-headless maven) or set KEFU_SKIP_OPENSEARCH=1 to skip explicitly.",
            pytrace=False,
        )
    started = time.monotonic()
    try:
        node_helper.ensure_setup()
        setup_s = time.monotonic() - started
        running = node_helper.start_node()
    except node_helper.NodeSetupError as exc:
        pytest.fail(f"could not start the OpenSearch test node: {exc}", pytrace=False)
    sys.stderr.write(
        f"\n[opensearch] set-up {setup_s:.1f}s, node up in {running.started_in_s:.1f}s at {running.url}\n"
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def os_client(opensearch_node: Any) -> OpenSearch:
    return OpenSearch(hosts=[opensearch_node.url], timeout=30)
