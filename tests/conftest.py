"""Shared fixtures: the local AWS emulation (moto server mode) and the demo shop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kefu.local.emulator import LocalAws, MotoServer, create_resources
from kefu.resources import LocalNames

REPO = Path(__file__).resolve().parents[1]
DEMO_SHOP = REPO / "examples" / "shops" / "hair-dye"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def local_aws(moto_server: MotoServer, request: pytest.FixtureRequest) -> LocalAws:
    """Fresh tables / queues / bucket per test (unique prefix), in the shared moto server."""
    prefix = "t" + format(abs(hash(request.node.nodeid)) % 10**10, "d")
    return create_resources(moto_server.endpoint_url, LocalNames(prefix=prefix))


@pytest.fixture(scope="session")
def demo_shop() -> Path:
    return DEMO_SHOP
