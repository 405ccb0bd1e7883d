"""Unanswered questions: what the bot handed over for low confidence, grouped by meaning (the encoder).

One gap is one need many buyers had (能开发票吗 / 发票怎么开 / 可以开票不), with how often and how lately
it was asked, so the merchant writes the answer that matters most first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from kefu.models.learning import Gap

# Cosine of bge-small-zh vectors above which two short questions ask the same. benchmarks/gap_threshold.py
# finds F1 flat over a wide range; the precise end keeps two needs from hiding in one gap.
SAME_NEED = 0.80
EXAMPLES = 5


@dataclass(frozen=True)
class AskedQuestion:
    handoff_id: str
    text: str
    at: datetime


def gap_id(first_handoff_id: str) -> str:
    return "g-" + hashlib.sha256(first_handoff_id.encode()).hexdigest()[:16]


def cluster_gaps(asked: Sequence[AskedQuestion], encode: Callable[[list[str]], np.ndarray],
                 answered: Sequence[str] = (), same_need: float = SAME_NEED) -> list[Gap]:
    """Greedy clustering in time order: a question joins the closest cluster whose centroid it is near.

    ``answered``: questions the shop has taught an answer to since; a cluster near one of them is marked
    answered (it stays listed, so the merchant sees the loop closed).
    """
    ordered = sorted(asked, key=lambda question: question.at)
    if not ordered:
        return []
    vectors = np.asarray(encode([question.text for question in ordered]), dtype=np.float32)
    members: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for index, vector in enumerate(vectors):
        best, best_score = -1, same_need
        for cluster, centroid in enumerate(centroids):
            score = float(vector @ centroid / (np.linalg.norm(centroid) or 1.0))
            if score >= best_score:
                best, best_score = cluster, score
        if best < 0:
            members.append([index])
            centroids.append(vector.copy())
        else:
            members[best].append(index)
            centroids[best] = vectors[members[best]].mean(axis=0)
    taught = np.asarray(encode(list(answered)), dtype=np.float32) if answered else None
    gaps: list[Gap] = []
    for cluster, indexes in enumerate(members):
        questions = [ordered[i] for i in indexes]
        centroid = centroids[cluster] / (np.linalg.norm(centroids[cluster]) or 1.0)
        is_answered = taught is not None and bool((taught @ centroid).max() >= same_need)
        newest = questions[-1]
        gaps.append(Gap(
            gap_id=gap_id(questions[0].handoff_id),
            questions=list(dict.fromkeys(question.text for question in reversed(questions)))[:EXAMPLES],
            count=len(questions),
            last_seen=newest.at,
            example_handoff_id=newest.handoff_id,
            answered=is_answered,
        ))
    return sorted(gaps, key=lambda gap: (gap.answered, -gap.count, -gap.last_seen.timestamp()))
