#!/usr/bin/env python3
"""Fetch the sentence encoder (bge-small-zh-v1.5, int8 ONNX) from Maven Central and check its hashes.

Usage: python scripts/fetch_encoder.py [--dest DIR]   (default: .kefu/models/bge-small-zh-v1.5-q)

Idempotent: files already in place with the right hashes are kept. Maven (`mvn`) downloads the jar into the
local repository (~/.m2); its sha256 is checked, then the two model files are unpacked and checked too.
Nothing else from the jar (langchain4j's code) is used.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "layers" / "kefu" / "python"))

from kefu.encoder.files import (  # noqa: E402
    FILE_SHA256,
    JAR_NAME,
    JAR_SHA256,
    MAVEN_ARTIFACT,
    ModelFiles,
    repo_model_dir,
    sha256_of,
)


def already_there(dest: Path) -> bool:
    files = ModelFiles(dest)
    return files.present() and all(sha256_of(dest / name) == digest for name, digest in FILE_SHA256.items())


def fetch_jar(workdir: Path) -> Path:
    if shutil.which("mvn") is None:
        raise SystemExit("fetch_encoder: Maven (mvn) is needed to fetch the model from Maven Central; install it "
                         "(Debian: apt-get install maven) or set KEFU_ENCODER_DIR to a folder with the files")
    command = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={MAVEN_ARTIFACT}",
               f"-DoutputDirectory={workdir}", "-Dtransitive=false"]
    print(f"fetch_encoder: {' '.join(command[:4])} {MAVEN_ARTIFACT}", file=sys.stderr)
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    jar = workdir / JAR_NAME
    if result.returncode != 0 or not jar.is_file():
        raise SystemExit(f"fetch_encoder: Maven could not fetch {MAVEN_ARTIFACT}:\n{result.stdout}\n{result.stderr}")
    return jar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--dest", type=Path, default=repo_model_dir(), help="where the model files go")
    args = parser.parse_args(argv)
    dest: Path = args.dest
    if already_there(dest):
        print(f"fetch_encoder: {dest} is up to date", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="kefu-encoder-") as tmp:
        jar = fetch_jar(Path(tmp))
        digest = sha256_of(jar)
        if digest != JAR_SHA256:
            raise SystemExit(f"fetch_encoder: {JAR_NAME} has sha256 {digest}, expected {JAR_SHA256}: refusing it")
        staging = Path(tmp) / "files"
        staging.mkdir()
        with zipfile.ZipFile(jar) as archive:
            for name in FILE_SHA256:
                (staging / name).write_bytes(archive.read(name))
        for name, expected in FILE_SHA256.items():
            actual = sha256_of(staging / name)
            if actual != expected:
                raise SystemExit(f"fetch_encoder: {name} has sha256 {actual}, expected {expected}: refusing it")
        dest.mkdir(parents=True, exist_ok=True)
        for name in FILE_SHA256:
            shutil.move(str(staging / name), dest / name)
    print(f"fetch_encoder: {dest} ready ({', '.join(FILE_SHA256)})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
