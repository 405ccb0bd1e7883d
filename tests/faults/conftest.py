"""Fixtures of the fault tests (the harness itself: fault_harness.py)."""

from __future__ import annotations

import pytest
from fault_harness import LEASE_S, Harness
from kefu_dev.local.emulator import LocalAws
from kefu_dev.local.simulator import PlatformSimulator


@pytest.fixture
def harness(local_aws: LocalAws, platform_simulator: PlatformSimulator) -> Harness:
    return Harness(local_aws, platform_simulator)


@pytest.fixture
def fault_env(function_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The responder's environment with the short test lease."""
    monkeypatch.setenv("KEFU_LEDGER_LEASE_S", str(LEASE_S))
    return {**function_env, "KEFU_LEDGER_LEASE_S": str(LEASE_S)}
