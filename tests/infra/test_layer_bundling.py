"""The dependency layer is built by pip for Linux arm64 / CPython 3.12, locally, never with Docker."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from infra_synth import REPO  # noqa: F401  (puts the repo on sys.path)

from infra.bundling import PLATFORM, PipLayerBundling, runtime_dependencies


def test_requirements_come_from_pyproject() -> None:
    deps = runtime_dependencies()
    assert any(d.startswith("aws-lambda-powertools") for d in deps)
    assert any(d.startswith("pydantic") for d in deps)


def test_pip_commands_target_lambda_arm64() -> None:
    commands = PipLayerBundling(["pydantic>=2.6,<3", "jieba>=0.42"], python="py").commands("/out")
    wheels, sources = commands
    assert wheels[:3] == ["py", "-m", "pip"] and "--target" in wheels and "/out/python" in wheels
    for flag in (
        "--platform",
        PLATFORM,
        "--only-binary=:all:",
        "--python-version",
        "3.12",
        "--implementation",
        "cp",
    ):
        assert flag in wheels
    assert "pydantic>=2.6,<3" in wheels and "jieba>=0.42" not in wheels
    # jieba is published as a pure-Python sdist only: installed without --platform, without deps.
    assert "--no-deps" in sources and sources[-1] == "jieba>=0.42" and "--platform" not in sources


@pytest.mark.skipif(os.environ.get("KEFU_SKIP_LAYER_BUILD") == "1", reason="KEFU_SKIP_LAYER_BUILD=1")
@pytest.mark.timeout(240)
def test_real_local_bundling_builds_arm64_wheels(tmp_path: Path) -> None:
    """Runs pip against PyPI (seconds with a warm pip cache, about a minute cold)."""
    bundler = PipLayerBundling(["pydantic>=2.6,<3", "jieba>=0.42"])
    assert bundler.try_bundle(str(tmp_path)) is True
    site = tmp_path / "python"
    core = next(site.glob("pydantic_core/_pydantic_core*.so"))
    assert "aarch64" in core.name and "312" in core.name
    assert (site / "jieba" / "__init__.py").exists()
    assert not list(site.rglob("__pycache__"))
    shutil.rmtree(tmp_path)
