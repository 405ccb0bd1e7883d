"""The dependency layer is built by pip for Linux arm64 / CPython 3.12, locally, never with Docker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from infra_synth import REPO  # puts the repo on sys.path

from infra.bundling import PLATFORM, PipLayerBundling, dependency_layer_code, runtime_dependencies


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
def test_real_local_bundling_through_the_cdk(tmp_path: Path) -> None:
    """A real synth of a layer asset: the CDK calls our ILocalBundling (no Docker), pip hits PyPI.

    Seconds with a warm pip cache, about a minute cold.
    """
    app = App(outdir=str(tmp_path / "out"))
    stack = Stack(app, "LayerOnly")
    lambda_.LayerVersion(
        stack, "Deps", code=dependency_layer_code(False, ["pydantic>=2.6,<3", "jieba>=0.42"])
    )
    app.synth()
    (asset,) = [p for p in (tmp_path / "out").glob("asset.*") if p.is_dir()]
    site = asset / "python"
    core = next(site.glob("pydantic_core/_pydantic_core*.so"))
    assert "aarch64" in core.name and "312" in core.name
    assert (site / "jieba" / "__init__.py").exists()
    assert not list(site.rglob("__pycache__"))
    shutil.rmtree(tmp_path)  # about 10 MB of wheels


@pytest.mark.skipif(os.environ.get("KEFU_SKIP_LAYER_BUILD") == "1", reason="KEFU_SKIP_LAYER_BUILD=1")
@pytest.mark.timeout(600)
def test_the_whole_deployment_fits_lambdas_layer_quota(tmp_path: Path) -> None:
    """Every runtime dependency for arm64/cp312, the sentence encoder and the library: under 250 MB unzipped."""
    from infra.bundling import _trim, encoder_layer_code

    site = tmp_path / "python"
    for command in PipLayerBundling(runtime_dependencies()).commands(str(tmp_path)):
        subprocess.run(command, check=True)
    _trim(site)
    assert any(site.glob("onnxruntime/capi/onnxruntime_pybind11_state*aarch64*.so"))
    assert any(site.glob("tokenizers/tokenizers*.so")) and not (site / "huggingface_hub").exists()
    assert not (site / "grpc").exists() and not (site / "jieba" / "posseg").exists()
    # What was trimmed is not needed: the OpenSearch client still imports (pure Python, any architecture).
    check = "import opensearchpy, sys; assert 'grpc' not in sys.modules"
    subprocess.run([sys.executable, "-c", check], check=True, env={**os.environ, "PYTHONPATH": str(site)})
    encoder = Path(encoder_layer_code(False).path)  # type: ignore[attr-defined]
    library = REPO / "layers" / "kefu"
    size = sum(_bytes(p) for p in (site, encoder, library))
    assert size < 250 * 1024 * 1024, f"{size / 2**20:.0f} MB unzipped"
    shutil.rmtree(tmp_path)


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
