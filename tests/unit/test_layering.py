"""The pure decision logic imports no I/O, and the handoff and reception packages do not import each other.

Edges (DynamoDB, the platform, the knowledge cache) are chosen in one place, kefu.wiring.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore") or m.startswith("kefu."))))
"""


def _loaded(module: str) -> list[str]:
    probe = subprocess.run([sys.executable, "-c", _PROBE.format(module=module)], capture_output=True, text=True,
                           timeout=120, check=True)
    loaded: list[str] = json.loads(probe.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("module", ["kefu.reception.brain", "kefu.handoff.rules", "kefu.models.handoff"])
def test_decision_logic_loads_no_aws_sdk(module: str) -> None:
    loaded = _loaded(module)
    assert not [m for m in loaded if m.startswith(("boto3", "botocore"))], loaded
    assert "kefu.store.agent_queue" not in loaded


def test_handoff_does_not_import_reception() -> None:
    assert not [m for m in _loaded("kefu.handoff.workspace") if m.startswith("kefu.reception")]
