"""Lambda layers: the kefu library, and its third-party dependencies bundled locally (never Docker).

The dependency layer is built by ``pip install --platform manylinux2014_aarch64 --only-binary=:all:``
into ``<out>/python``: wheels for the Lambda's Python 3.12 on arm64, whatever machine runs ``cdk synth``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_aarch64"
# Pure-Python projects published as source only (no wheel): installed without --platform, no deps.
SOURCE_ONLY = frozenset({"jieba"})
# Context key: true → a placeholder dependency layer (tests, quick synths); the template stays the same shape.
SKIP_BUNDLING_CONTEXT = "kefu:skipLayerBundling"


def runtime_dependencies(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The ``[project].dependencies`` requirement strings: one list for the wheel and the layer."""
    with pyproject.open("rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def _project_name(requirement: str) -> str:
    for index, char in enumerate(requirement):
        if not (char.isalnum() or char in "-_."):
            return requirement[:index].lower()
    return requirement.lower()


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Installs the requirements for Python 3.12 / arm64 with the running interpreter's pip."""

    def __init__(self, requirements: list[str], python: str = sys.executable) -> None:
        self.requirements = requirements
        self.python = python

    def commands(self, output_dir: str) -> list[list[str]]:
        target = str(Path(output_dir) / "python")
        pip = [
            self.python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            target,
        ]
        wheels = [r for r in self.requirements if _project_name(r) not in SOURCE_ONLY]
        sources = [r for r in self.requirements if _project_name(r) in SOURCE_ONLY]
        commands = [
            [
                *pip,
                "--platform", PLATFORM,
                "--only-binary=:all:",
                "--python-version", PYTHON_VERSION,
                "--implementation", "cp",
                *wheels,
            ]
        ]  # fmt: skip
        if sources:
            commands.append([*pip, "--no-deps", *sources])
        return commands

    def try_bundle(self, output_dir: str, *_options: Any, **_kw_options: Any) -> bool:  # jsii: (dir, options)
        for command in self.commands(output_dir):
            # Fail loudly: returning False would make the CDK fall back to Docker.
            subprocess.run(command, check=True)
        _trim(Path(output_dir) / "python")
        return True


def _trim(site: Path) -> None:
    """Drop what Lambda never reads; the layer quota is 250 MB unzipped for all layers together."""
    for path in [*site.rglob("__pycache__"), site / "bin"]:
        shutil.rmtree(path, ignore_errors=True)


def dependency_layer_code(skip_bundling: bool, requirements: list[str] | None = None) -> lambda_.Code:
    requirements = runtime_dependencies() if requirements is None else requirements
    source = Path(tempfile.mkdtemp(prefix="kefu-layer-src-"))
    (source / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    if skip_bundling:
        # A stand-in asset: synth stays fast and offline; never deploy a stack synthesized this way.
        (source / "python").mkdir()
        (source / "python" / "PLACEHOLDER.txt").write_text("dependency layer not bundled\n", encoding="utf-8")
        return lambda_.Code.from_asset(str(source))
    fingerprint = hashlib.sha256(
        "\n".join([PLATFORM, PYTHON_VERSION, *sorted(requirements)]).encode("utf-8")
    ).hexdigest()
    return lambda_.Code.from_asset(
        str(source),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=fingerprint,  # same requirements → same asset: pip runs once per change, not per synth
        bundling=BundlingOptions(
            image=DockerImage.from_registry("unused-local-bundling-only"),
            local=PipLayerBundling(requirements),
        ),
    )


def library_layer_code() -> lambda_.Code:
    """The ``kefu`` package as a layer: ``layers/kefu/python/kefu`` → ``/opt/python/kefu``."""
    return lambda_.Code.from_asset(
        str(REPO_ROOT / "layers" / "kefu"),
        exclude=["**/__pycache__", "**/*.pyc", "**/*.egg-info", "**/.pytest_cache"],
    )
