"""Shared fixtures: the local AWS emulation (moto server mode) and the demo shop."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from kefu_dev.local.dynalite import (
    FEATURES,
    DynaliteServer,
    DynaliteUnavailable,
    DynamoEngine,
    missing_runtime,
    probe_gaps,
)
from kefu_dev.local.dynalite import version as dynalite_version
from kefu_dev.local.emulator import LocalAws, MotoServer, create_resources
from kefu_dev.local.runtime import LocalRuntime
from kefu_dev.local.simulator import PlatformSimulator

from kefu.models.knowledge import KnowledgeSnapshot
from kefu.resources import LocalNames

REPO = Path(__file__).resolve().parents[1]
_PREFIXES = itertools.count()
DEMO_SHOP = REPO / "examples" / "shops" / "hair-dye"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


# -- the DynamoDB engine: moto (kefu's emulation) everywhere; moto and dynalite for the DynamoDB-semantics tests

DYNAMODB_ENGINES = ("moto", "dynalite")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dynamodb_engines: run once on each DynamoDB engine (moto, dynalite)")
    config.addinivalue_line("markers", "dynamodb_needs(*features): skip on an engine that lacks one of them "
                                       "(kefu_dev.local.dynalite.FEATURES), with the engine's answer as the reason")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "dynamodb_engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("dynamodb_engines"):
        metafunc.parametrize("dynamodb_engine", DYNAMODB_ENGINES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def dynamodb_engine(request: pytest.FixtureRequest, moto_server: MotoServer) -> Iterator[DynamoEngine]:
    """moto's DynamoDB, or (tests marked ``dynamodb_engines``, second run) dynalite's; skipped without Node 20+."""
    name = str(getattr(request, "param", "moto"))
    if name == "moto":
        yield DynamoEngine("moto", moto_server.endpoint_url, probe_gaps(moto_server.endpoint_url, "moto"))
        return
    if os.environ.get("KEFU_SKIP_DYNALITE", "").strip().lower() in ("1", "true", "yes"):
        pytest.skip("KEFU_SKIP_DYNALITE=1: dynalite engine tests skipped on request")
    missing = missing_runtime()
    if missing:
        pytest.skip(missing)
    server = DynaliteServer()
    try:
        server.start()
    except DynaliteUnavailable as error:
        pytest.fail(f"dynalite could not start: {error}", pytrace=False)
    engine = f"dynalite {dynalite_version()}"
    yield DynamoEngine(engine, server.endpoint_url, probe_gaps(server.endpoint_url, engine))
    server.stop()


def _skip_what_the_engine_lacks(engine: DynamoEngine, node: pytest.Item) -> None:
    for marker in node.iter_markers("dynamodb_needs"):
        for feature in marker.args:
            if feature not in FEATURES:
                raise ValueError(f"dynamodb_needs({feature!r}): not one of {sorted(FEATURES)}")
            if feature in engine.gaps and os.environ.get("KEFU_DYNAMODB_RUN_GAPS") != "1":
                pytest.skip(engine.gaps[feature])


@pytest.fixture
def local_aws(moto_server: MotoServer, dynamodb_engine: DynamoEngine, request: pytest.FixtureRequest) -> LocalAws:
    """Fresh tables / queues / bucket per test (unique prefix), in the shared moto server.

    The tables are on ``dynamodb_engine`` (moto's unless the test is marked ``dynamodb_engines``); a test marked
    ``dynamodb_needs(feature)`` skips where the engine lacks it (KEFU_DYNAMODB_RUN_GAPS=1: runs it anyway, to
    see how it fails).
    """
    _skip_what_the_engine_lacks(dynamodb_engine, request.node)
    # The node id alone is not unique: schemathesis runs one node id per API operation.
    prefix = "t" + format(abs(hash(request.node.nodeid)) % 10**8, "d") + format(next(_PREFIXES), "d")
    apart = None if dynamodb_engine.endpoint_url == moto_server.endpoint_url else dynamodb_engine.endpoint_url
    return create_resources(moto_server.endpoint_url, LocalNames(prefix=prefix), dynamodb_endpoint_url=apart)


@pytest.fixture(scope="session")
def demo_shop() -> Path:
    return DEMO_SHOP


# -- the local runtime's pieces (kefu_dev.local): learned demo shop, platform simulator, handler environment

LOCAL_SECRET = "test-platform-secret"


@pytest.fixture(scope="session")
def demo_snapshot(demo_shop: Path) -> KnowledgeSnapshot:
    """The demo shop, learned once per test session."""
    from kefu.knowledge.learn import learn_bundle

    return learn_bundle(demo_shop).snapshot


@pytest.fixture
def platform_simulator(demo_shop: Path) -> Iterator[PlatformSimulator]:
    """The platform simulator on the demo shop (no webhook registered: set ``webhook_url`` to push)."""
    simulator = PlatformSimulator(demo_shop, LOCAL_SECRET).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def function_env(
    local_aws: LocalAws,
    demo_snapshot: KnowledgeSnapshot,
    platform_simulator: PlatformSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """The Lambda environment for handlers against ``local_aws``, with the demo shop's knowledge in its S3.

    Set in os.environ through monkeypatch (restored after the test); pass it to
    ``kefu_dev.local.handlers.load_handler``.
    """
    from kefu_dev.local.emulator import client

    from kefu.knowledge import snapshot as snapshots
    from kefu.resources import KNOWLEDGE_BUCKET

    s3 = client("s3", local_aws.endpoint_url)
    snapshots.save_s3(s3, local_aws.names.bucket(KNOWLEDGE_BUCKET), demo_snapshot)
    env = {
        **local_aws.env(),
        "KEFU_SHOP_ID": demo_snapshot.shop_id,
        "KEFU_PLATFORM_SECRET": LOCAL_SECRET,
        "KEFU_PLATFORM_CLIENT_ID": platform_simulator.client_id,
        "KEFU_PLATFORM_API_URL": platform_simulator.api_url,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture(scope="session")
def local_runtime(demo_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    """The whole local runtime on the demo shop (free ports), shared by the e2e tests: use distinct buyer ids.

    Failed records are retried after 2 s instead of the queue's 60 s visibility timeout.
    """
    log_path = tmp_path_factory.mktemp("runtime") / "functions.log"
    with LocalRuntime(demo_shop, failure_visibility_s=2, log_path=log_path) as runtime:
        yield runtime
