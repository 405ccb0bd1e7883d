"""The signals that hand a buyer to a human, heard by a learned classifier rather than by a word list.

Four labels: the buyer asks for a person (ask_human), is angry, sarcastic or threatening (anger), speaks of a
hardship such as a death, illness or hospital (distress: never a cheerful sales answer), or reports a real
after-sale event with their order (after_sale, as opposed to a what-if or a policy question).

Features: the sentence encoder's vector of the message, TF-IDF of its character 1-3-grams and of its pinyin
syllable pairs (homophone typos such as 转人宫 share the sound), and the rule patterns of data/signals.json as
yes/no features (the model decides how far to trust each). One logistic model per label, trained on a labelled
corpus of buyer messages written for it (training/corpus/signals, see training/train_signals.py); thresholds
chosen on held-out predictions. Runs with numpy alone.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from kefu.understanding import signals
from kefu.understanding.features import char_pinyin
from kefu.understanding.lexicon import load_data

LABELS: tuple[str, ...] = ("ask_human", "anger", "distress", "after_sale")
MODEL_NAME = "signals"
NGRAM_RANGE = (1, 3)


def rule_features(text: str, exclamations: int = 0) -> list[float]:
    """The hand-written patterns as evidence: each one a yes/no the model weighs (names in RULE_NAMES)."""
    mood = signals.emotion(text, exclamations)
    return [
        float(signals.matches("ask_human", text)),
        float(signals.matches("ask_human_sounds", signals.sounds(text))),
        float(mood.insult),
        float(mood.threat),
        float(min(3, len(signals.finditer("anger", text)))) / 3.0,
        float(signals.matches("anxiety", text)),
        float(mood.sensitive),
        float(signals.matches("after_sale_need", text)),
        float(signals.matches("hypothetical", text)),
        float(signals.matches("reaction", text)),
        float(signals.matches("after_use", text)),
        float(signals.after_sale_needs_human(text)),
        float(signals.matches("repeat_complaint", text)),
        float(min(3, exclamations)) / 3.0,
    ]


RULE_NAMES: tuple[str, ...] = (
    "rule_ask_human", "rule_ask_human_sounds", "rule_insult", "rule_threat", "rule_anger", "rule_anxiety",
    "rule_sensitive", "rule_after_sale_need", "rule_hypothetical", "rule_reaction", "rule_after_use",
    "rule_after_sale_event", "rule_repeat_complaint", "rule_exclamations",
)


def text_tokens(text: str) -> list[str]:
    """Character 1-3-grams (spaces kept as boundaries) and pinyin syllable pairs of the Han runs."""
    compact = " ".join(text.split())
    tokens = [compact[i:i + n] for n in range(NGRAM_RANGE[0], NGRAM_RANGE[1] + 1)
              for i in range(len(compact) - n + 1) if compact[i:i + n].strip()]
    sounds = [char_pinyin(ch) for ch in compact if "\u4e00" <= ch <= "\u9fff"]
    tokens += [f"py:{a}_{b}" for a, b in itertools.pairwise(sounds)]
    return tokens


@dataclass(frozen=True)
class SignalScores:
    ask_human: float
    anger: float
    distress: float
    after_sale: float

    def get(self, label: str) -> float:
        return float(getattr(self, label))


class SignalClassifier:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or load_data(f"models/{MODEL_NAME}.json")
        if tuple(data["labels"]) != LABELS or tuple(data["rules"]) != RULE_NAMES:
            raise ValueError("signals model was trained on other labels or rule features: retrain it "
                             "(python -m training.train_signals --write)")
        self._vocabulary: dict[str, int] = {token: i for i, token in enumerate(data["vocabulary"])}
        self._idf = np.asarray(data["idf"], dtype=np.float32)
        self._ngram_weights = np.asarray(data["ngram_weights"], dtype=np.float32)  # vocabulary x labels
        self._vector_weights = np.asarray(data["vector_weights"], dtype=np.float32)  # dimension x labels
        self._rule_weights = np.asarray(data["rule_weights"], dtype=np.float32)  # rules x labels
        self._vector_scale = float(data["vector_scale"])
        self._rule_scale = float(data["rule_scale"])
        self._bias = np.asarray(data["bias"], dtype=np.float32)
        self.thresholds: dict[str, float] = {label: float(value) for label, value in data["thresholds"].items()}

    def tfidf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column ids, values) of the message's L2-normalised, sublinear TF-IDF vector."""
        counts = Counter(self._vocabulary[t] for t in text_tokens(text) if t in self._vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids = np.fromiter(counts.keys(), dtype=np.int64)
        values = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float32) * self._idf[ids]
        return ids, values / (float(np.linalg.norm(values)) or 1.0)

    def scores(self, text: str, vector: np.ndarray, exclamations: int = 0) -> SignalScores:
        ids, values = self.tfidf(text)
        z = self._bias.copy()
        if len(ids):
            z += values @ self._ngram_weights[ids]
        z += self._vector_scale * (vector @ self._vector_weights)
        z += self._rule_scale * (np.asarray(rule_features(text, exclamations), dtype=np.float32) @ self._rule_weights)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
        return SignalScores(*(float(v) for v in p))

    def fires(self, scores: SignalScores, label: str) -> bool:
        return scores.get(label) >= self.thresholds[label]


@cache
def shared_classifier() -> SignalClassifier:
    return SignalClassifier()
