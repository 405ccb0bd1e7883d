"""A logistic model stored as plain JSON (trained with scikit-learn in training/, run with numpy alone).

The runtime needs no scikit-learn: a standardised linear score through the logistic function, with the
feature names checked against the code's so a stale model file fails loudly instead of scoring nonsense.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from kefu.understanding.lexicon import load_data


class ModelMismatch(RuntimeError):
    """The model file was trained on other features than the code computes: retrain (see training/)."""


@dataclass(frozen=True)
class LogisticModel:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogisticModel:
        return cls(
            names=tuple(data["features"]),
            mean=np.asarray(data["mean"], dtype=np.float32),
            scale=np.asarray(data["scale"], dtype=np.float32),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=float(data["intercept"]),
            threshold=float(data.get("threshold", 0.5)),
            info=dict(data.get("info", {})),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
            "info": self.info,
        }

    def check(self, names: tuple[str, ...]) -> LogisticModel:
        if tuple(names) != self.names:
            raise ModelMismatch(f"model features {self.names} differ from the code's {tuple(names)}")
        return self

    def linear(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.linear(x), -30.0, 30.0)))


@cache
def load_model(name: str, part: str | None = None) -> LogisticModel:
    """A model from kefu/data/models/<name>.json (``part``: one of several models kept in one file)."""
    data = load_data(f"models/{name}.json")
    return LogisticModel.from_json(data[part] if part else data)
