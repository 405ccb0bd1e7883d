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
# onnxruntime publishes arm64 wheels for glibc 2.28+ only; Lambda's Python 3.12 (Amazon Linux 2023) has glibc 2.34.
EXTRA_PLATFORMS = ("manylinux_2_28_aarch64",)
# Pure-Python projects published as source only (no wheel): installed without --platform, no deps.
SOURCE_ONLY = frozenset({"jieba"})
# Wheels installed without their dependencies: tokenizers' hub client (huggingface_hub, hf_xet, httpx …) is only
# for downloading models, which kefu never does (its encoder comes in its own layer).
NO_DEPS = frozenset({"tokenizers"})
# Parts of installed packages the Lambda never imports; the 250 MB unzipped quota is for all layers together.
# (opensearch-py's gRPC transport, jieba's paddle and part-of-speech modes, onnxruntime's Python tooling.)
NEVER_IMPORTED = (
    "grpc", "grpcio-*.dist-info", "opensearch_protobufs", "opensearch_protobufs-*.dist-info",
    "jieba/lac_small", "jieba/posseg", "jieba/analyse",
    "onnxruntime/transformers", "onnxruntime/quantization", "onnxruntime/tools",
)
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
        wheels = [r for r in self.requirements if _project_name(r) not in SOURCE_ONLY | NO_DEPS]
        bare = [r for r in self.requirements if _project_name(r) in NO_DEPS]
        sources = [r for r in self.requirements if _project_name(r) in SOURCE_ONLY]
        binary = [
            *[flag for platform in (PLATFORM, *EXTRA_PLATFORMS) for flag in ("--platform", platform)],
            "--only-binary=:all:",
            "--python-version", PYTHON_VERSION,
            "--implementation", "cp",
        ]  # fmt: skip
        commands = [[*pip, *binary, *wheels]]
        if bare:
            commands.append([*pip, *binary, "--no-deps", *bare])
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
    unused = [path for pattern in NEVER_IMPORTED for path in site.glob(pattern)]
    for path in [*site.rglob("__pycache__"), site / "bin", *unused]:
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


def encoder_layer_code(skip_bundling: bool) -> lambda_.Code:
    """The sentence encoder's two files as a layer: ``/opt/kefu-models/<model>/`` (where kefu.encoder looks).

    Copied from ``.kefu/models`` (``make model`` fetches and hash-checks them); the asset hash is the files' own
    sha256, so an unchanged model is never uploaded again."""
    from kefu.encoder.files import FILE_SHA256, MODEL_DIR, repo_model_dir, sha256_of

    source = Path(tempfile.mkdtemp(prefix="kefu-encoder-layer-"))
    target = source / "kefu-models" / MODEL_DIR
    target.mkdir(parents=True)
    if skip_bundling:
        (target / "PLACEHOLDER.txt").write_text("encoder files not bundled\n", encoding="utf-8")
        return lambda_.Code.from_asset(str(source))
    folder = repo_model_dir()
    for name, digest in FILE_SHA256.items():
        path = folder / name
        if not path.is_file() or sha256_of(path) != digest:
            raise FileNotFoundError(f"{path} is missing or not the expected file: run `make model` before cdk synth")
        shutil.copyfile(path, target / name)
    shutil.copyfile(REPO_ROOT / "NOTICE", target / "NOTICE")  # the model's and the conversion's licences
    return lambda_.Code.from_asset(
        str(source),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=hashlib.sha256("".join(sorted(FILE_SHA256.values())).encode()).hexdigest(),
    )


def library_layer_code() -> lambda_.Code:
    """The ``kefu`` package as a layer: ``layers/kefu/python/kefu`` → ``/opt/python/kefu``."""
    return lambda_.Code.from_asset(
        str(REPO_ROOT / "layers" / "kefu"),
        exclude=["**/__pycache__", "**/*.pyc", "**/*.egg-info", "**/.pytest_cache"],
    )
