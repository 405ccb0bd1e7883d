"""Pair similarity for `kefu match`: the brain's own question-to-question similarity (the encoder's cosine)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kefu.understanding.normalize import Normalizer


def pair_scorer(shop_dir: Path | None = None) -> Callable[[str, str], float]:
    """Scores pairs the way re-asked questions are recognised; ``shop_dir`` adds the shop's own lexicon."""
    import numpy as np

    from kefu.encoder.bge import shared_encoder

    normalizer = Normalizer()
    if shop_dir is not None:
        from kefu.knowledge.learn import load_shop
        from kefu.understanding.lexicon import Lexicon

        normalizer = Normalizer(Lexicon(load_shop(shop_dir).lexicon))
    encoder = shared_encoder()

    def score(a: str, b: str) -> float:
        vectors = encoder.encode([normalizer.normalize(a).text, normalizer.normalize(b).text])
        return float(np.clip(vectors[0] @ vectors[1], 0.0, 1.0))

    return score
