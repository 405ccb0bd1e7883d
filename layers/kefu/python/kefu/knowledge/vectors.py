"""Encoder vectors of a snapshot's views: computed once at learn time, kept in the snapshot, reused at load."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from kefu.models.knowledge import VectorBlock


class SentenceEncoder(Protocol):
    """Text → unit-length float32 rows (the bundled bge-small-zh encoder; a test double in unit tests)."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def pack(model_id: str, texts: list[str], matrix: np.ndarray) -> VectorBlock:
    data = base64.b64encode(np.ascontiguousarray(matrix, dtype="<f2").tobytes()).decode("ascii")
    return VectorBlock(model_id=model_id, dimension=int(matrix.shape[1]) if matrix.ndim == 2 else 0,
                       texts=texts, data=data)


def unpack(block: VectorBlock) -> dict[str, np.ndarray]:
    """text → float32 unit vector (rows renormalised after the float16 round trip)."""
    raw = np.frombuffer(base64.b64decode(block.data), dtype="<f2")
    matrix = raw.reshape(len(block.texts), block.dimension).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms == 0, 1.0, norms)
    return dict(zip(block.texts, matrix, strict=True))


def encode_texts(encoder: SentenceEncoder, texts: Iterable[str], known: VectorBlock | None = None) -> VectorBlock:
    """Vectors for every distinct text; those already in ``known`` (same model) are reused, not re-encoded."""
    unique = list(dict.fromkeys(t for t in texts if t))
    reused = unpack(known) if known is not None and known.model_id == encoder.model_id else {}
    missing = [t for t in unique if t not in reused]
    fresh = dict(zip(missing, encoder.encode(missing), strict=True)) if missing else {}
    rows = [reused[t] if t in reused else fresh[t] for t in unique]
    matrix = np.vstack(rows) if rows else np.zeros((0, encoder.dimension), dtype=np.float32)
    return pack(encoder.model_id, unique, matrix)
