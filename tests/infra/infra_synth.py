"""Synthesis helper for the infra tests (a uniquely named module: tests/ has several conftest.py)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `infra` is an app folder, not an installed package
    sys.path.insert(0, str(REPO))
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.app import build_app  # noqa: E402
from infra.bundling import SKIP_BUNDLING_CONTEXT  # noqa: E402
from infra.config import MERCHANTS_DIR, config_from_context  # noqa: E402
from infra.stack import KefuStack  # noqa: E402


@dataclass
class Synth:
    stack: KefuStack
    template: Template
    nag_failure: str | None  # the cdk-nag report when synthesis was refused, else None
    outdir: Path  # the cloud assembly: staged assets are its asset.<hash> folders

    @property
    def json(self) -> dict[str, Any]:
        return self.template.to_json()


def synthesize(config_data: dict[str, Any], outdir: Path) -> Synth:
    app = App(context={SKIP_BUNDLING_CONTEXT: True}, outdir=str(outdir))
    stack = build_app(app, config_from_context(None, config_data))
    failure = None
    try:
        app.synth()
    except RuntimeError as error:  # cdk-nag v3 refuses synthesis on unacknowledged findings
        report = outdir / "validation-report.json"
        failure = str(error) + ("\n" + report.read_text() if report.exists() else "")
    return Synth(stack=stack, template=Template.from_stack(stack), nag_failure=failure, outdir=outdir)


def merchant(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MERCHANTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data
