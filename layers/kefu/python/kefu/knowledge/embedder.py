"""The offline embedder: feature hashing of words, character and pinyin n-grams and concepts.

It needs no model download, runs in microseconds and sits behind the same
``Embedder`` interface as the Bedrock embedder used in AWS.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping

import numpy as np

from kefu.understanding.features import FAMILY_WEIGHTS, Featurizer, family
from kefu.understanding.normalize import Normalizer


class HashingEmbedder:
    def __init__(
        self,
        dimension: int = 1024,
        featurizer: Featurizer | None = None,
        normalizer: Normalizer | None = None,
        idf: Mapping[str, float] | None = None,
        default_idf: float = 1.0,
    ) -> None:
        self.dimension = dimension
        self._featurizer = featurizer or Featurizer()
        self._normalizer = normalizer or Normalizer()
        self._idf = idf or {}
        self._default_idf = default_idf

    def vector(self, normalized_text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for feature, count in self._featurizer.features(normalized_text).items():
            digest = zlib.crc32(feature.encode())
            sign = 1.0 if digest & 1 else -1.0
            weight = FAMILY_WEIGHTS[family(feature)] * (1 + math.log(count)) * self._idf.get(feature, self._default_idf)
            vec[(digest >> 1) % self.dimension] += sign * weight
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.vector(self._normalizer.normalize(text).text).tolist() for text in texts]
