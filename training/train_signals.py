#!/usr/bin/env python3
"""Train the handoff-signal classifier (kefu/data/models/signals.json) and report it on data it never saw.

Usage: python -m training.train_signals [--write] [--with-cases]

Data: the labelled corpus in training/corpus/signals (4,400 buyer messages written by helpers who never saw the
code or its lexicons; labels ask_human / anger / distress / after_sale, or none). Every writer's fifth batch
(20%) is held out: never trained on, reported at the end. The thresholds are chosen on 5-fold out-of-fold
predictions (a missed buyer who needs a person costs MISS_COST needless handoffs).

Also reported: the development shops' case turns, a second held-out test written by other people for another
purpose (an explicit_request turn must fire ask_human; emotion, anger or distress; after_sale, after_sale; an
answer or low_confidence turn must fire nothing). --with-cases adds those turns to the final training data
(ask_human and after_sale positives, negatives for every label; emotion turns are not split into anger and
distress, so they train nothing) and reports them leave-one-shop-out instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

import numpy as np
from kefu_dev.evaluation.replay import load_cases
from scipy import sparse

from kefu.encoder.bge import shared_encoder
from kefu.models.decision import Action, HandoffReason
from kefu.understanding.classifier import LABELS, RULE_NAMES, rule_features, text_tokens
from kefu.understanding.normalize import Normalizer
from training.dataset import CACHE, REPO, SHOPS, case_files, code_key

CORPUS = REPO / "training" / "corpus" / "signals"
MODEL_PATH = REPO / "layers" / "kefu" / "python" / "kefu" / "data" / "models" / "signals.json"
HELD_OUT_BATCH = "batch5"
# A buyer who needs a person and gets the bot costs this many needless handoffs (thresholds minimise the cost).
MISS_COST = 3.0
C = 4.0
VECTOR_SCALE = 1.5
RULE_SCALE = 0.5
MIN_DF = 2
UNKNOWN = -1  # a label a source does not say (case emotion turns: anger or distress)


@dataclass
class Message:
    text: str  # normalised
    labels: np.ndarray  # per LABELS: 1, 0 or UNKNOWN
    source: str  # corpus file, or the shop of a case turn
    exclamations: int


def corpus_messages() -> tuple[list[Message], list[Message]]:
    normalizer = Normalizer()
    train: list[Message] = []
    held: list[Message] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            normalized = normalizer.normalize(row["text"])
            labels = np.array([1 if label in row["labels"] else 0 for label in LABELS])
            message = Message(normalized.text, labels, path.stem, normalized.exclamations)
            (held if HELD_OUT_BATCH in path.stem else train).append(message)
    return train, held


def case_messages() -> list[Message]:
    normalizer = Normalizer()
    out = []
    for shop in sorted(p for p in SHOPS.iterdir() if (p / "shop.json").is_file()):
        for path in case_files(shop):
            for case in load_cases(path):
                for turn in case.turns:
                    if turn.type != "text":
                        continue
                    expect = turn.expect
                    if expect.action == Action.ANSWER or expect.reason == HandoffReason.LOW_CONFIDENCE:
                        labels = np.zeros(len(LABELS), dtype=int)
                    elif expect.reason == HandoffReason.EXPLICIT_REQUEST:
                        labels = np.array([1, UNKNOWN, UNKNOWN, UNKNOWN])
                    elif expect.reason == HandoffReason.EMOTION:
                        labels = np.array([UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN])
                    elif expect.reason == HandoffReason.AFTER_SALE:
                        labels = np.array([UNKNOWN, UNKNOWN, UNKNOWN, 1])
                    else:
                        continue
                    normalized = normalizer.normalize(turn.text)
                    out.append(Message(normalized.text, labels, shop.name, normalized.exclamations))
                    message = out[-1]
                    message.expected = expect.reason.value if expect.reason else "answer"  # type: ignore[attr-defined]
    return out


def vectors(messages: list[Message]) -> np.ndarray:
    """Encoder vectors, cached by text (the corpus does not change between runs)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"signal_vectors-{code_key('encoder')}.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            cached = dict(zip(data["texts"].tolist(), data["matrix"], strict=True))
    missing = sorted({m.text for m in messages} - set(cached))
    if missing:
        print(f"encoding {len(missing)} messages", file=sys.stderr)
        cached.update(zip(missing, shared_encoder().encode(missing), strict=True))
        np.savez(path, texts=np.array(list(cached)), matrix=np.vstack(list(cached.values())))
    return np.vstack([cached[m.text] for m in messages])


class Features:
    """Vocabulary + IDF fit on the training messages; the same arithmetic as SignalClassifier.tfidf."""

    def __init__(self, messages: list[Message]) -> None:
        document_frequency: dict[str, int] = {}
        for message in messages:
            for token in set(text_tokens(message.text)):
                document_frequency[token] = document_frequency.get(token, 0) + 1
        self.vocabulary = sorted(t for t, df in document_frequency.items() if df >= MIN_DF)
        self.index = {t: i for i, t in enumerate(self.vocabulary)}
        n = len(messages)
        self.idf = np.array([np.log((1 + n) / (1 + document_frequency[t])) + 1.0 for t in self.vocabulary])

    def matrix(self, messages: list[Message], vecs: np.ndarray) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for row, message in enumerate(messages):
            counts: dict[int, int] = {}
            for token in text_tokens(message.text):
                column = self.index.get(token)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if counts:
                ids = np.array(list(counts))
                values = (1.0 + np.log(np.array(list(counts.values()), dtype=float))) * self.idf[ids]
                values /= np.linalg.norm(values) or 1.0
                rows += [row] * len(ids)
                cols += ids.tolist()
                vals += values.tolist()
        tfidf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(messages), len(self.vocabulary)))
        rules = np.array([rule_features(m.text, m.exclamations) for m in messages])
        return sparse.hstack([tfidf, sparse.csr_matrix(VECTOR_SCALE * vecs),
                              sparse.csr_matrix(RULE_SCALE * rules)]).tocsr()


def fit(messages: list[Message], vecs: np.ndarray) -> tuple[Features, list[object]]:
    from sklearn.linear_model import LogisticRegression

    features = Features(messages)
    x = features.matrix(messages, vecs)
    models = []
    for j, _label in enumerate(LABELS):
        y = np.array([m.labels[j] for m in messages])
        known = y != UNKNOWN
        models.append(LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x[known], y[known]))
    return features, models


def predict(features: Features, models: list[object], messages: list[Message], vecs: np.ndarray) -> np.ndarray:
    x = features.matrix(messages, vecs)
    return np.column_stack([m.predict_proba(x)[:, 1] for m in models])  # type: ignore[attr-defined]


def cost_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold with the least MISS_COST x missed + needless handoffs on held-out predictions."""
    known = y != UNKNOWN
    y, p = y[known], p[known]
    grid = np.linspace(0.05, 0.95, 91)
    costs = [MISS_COST * float(((p < t) & (y == 1)).sum()) + float(((p >= t) & (y == 0)).sum()) for t in grid]
    return float(grid[int(np.argmin(costs))])


def label_report(title: str, messages: list[Message], p: np.ndarray, thresholds: dict[str, float]) -> dict:
    print(f"\n{title}: {len(messages)} messages")
    print(f"  {'label':11} {'positives':>9} {'precision':>9} {'recall':>7}")
    out = {}
    for j, label in enumerate(LABELS):
        y = np.array([m.labels[j] for m in messages])
        known = y != UNKNOWN
        fired = p[:, j] >= thresholds[label]
        tp = int((fired & (y == 1) & known).sum())
        precision = tp / max(1, int((fired & known).sum()))
        recall = tp / max(1, int(((y == 1) & known).sum()))
        out[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "positives": int((y == 1).sum())}
        print(f"  {label:11} {int((y == 1).sum()):9d} {precision:9.1%} {recall:7.1%}")
    any_y = np.array([(m.labels == 1).any() for m in messages])
    any_fired = np.column_stack([p[:, j] >= thresholds[label] for j, label in enumerate(LABELS)]).any(axis=1)
    precision = float((any_fired & any_y).sum() / max(1, any_fired.sum()))
    recall = float((any_fired & any_y).sum() / max(1, any_y.sum()))
    print(f"  {'any handoff':11} {int(any_y.sum()):9d} {precision:9.1%} {recall:7.1%}")
    out["any"] = {"precision": round(precision, 4), "recall": round(recall, 4)}
    return out


REASON_LABELS = {"explicit_request": ("ask_human",), "emotion": ("anger", "distress"), "after_sale": ("after_sale",)}


def case_report(title: str, messages: list[Message], p: np.ndarray, thresholds: dict[str, float]) -> dict:
    fired = np.column_stack([p[:, j] >= thresholds[label] for j, label in enumerate(LABELS)])
    print(f"\n{title}")
    out = {}
    for reason, labels in [*REASON_LABELS.items(), ("answer", ()), ("low_confidence", ())]:
        rows = [i for i, m in enumerate(messages) if m.expected == reason]  # type: ignore[attr-defined]
        if not rows:
            continue
        if labels:
            hit = sum(any(fired[i, LABELS.index(lab)] for lab in labels) for i in rows)
            anything = sum(fired[i].any() for i in rows)
            print(f"  {reason:17} {len(rows):4d} turns: its signal {hit / len(rows):6.1%}, any signal "
                  f"{anything / len(rows):6.1%}")
            out[reason] = {"turns": len(rows), "own_signal": round(hit / len(rows), 4),
                           "any_signal": round(anything / len(rows), 4)}
        else:
            false = sum(fired[i].any() for i in rows)
            print(f"  {reason:17} {len(rows):4d} turns: a signal fired on {false / len(rows):6.1%}")
            out[reason] = {"turns": len(rows), "false_signal": round(false / len(rows), 4)}
    return out


def out_of_fold(messages: list[Message], vecs: np.ndarray, folds: int = 5) -> np.ndarray:
    groups = np.array([hash(m.source) % folds for m in messages])  # a corpus file stays in one fold
    p = np.zeros((len(messages), len(LABELS)))
    for fold in range(folds):
        test = groups == fold
        if not test.any():
            continue
        train_idx = np.flatnonzero(~test)
        features, models = fit([messages[i] for i in train_idx], vecs[train_idx])
        p[test] = predict(features, models, [m for m, t in zip(messages, test, strict=True) if t], vecs[test])
    return p


def leave_one_shop_out(train: list[Message], train_vecs: np.ndarray, cases: list[Message],
                       case_vecs: np.ndarray) -> np.ndarray:
    """Each shop's case turns scored by a model trained on the corpus and the other shops' turns."""
    out = np.zeros((len(cases), len(LABELS)))
    for shop in sorted({m.source for m in cases}):
        keep = [i for i, m in enumerate(cases) if m.source != shop]
        test = [i for i, m in enumerate(cases) if m.source == shop]
        features, models = fit(train + [cases[i] for i in keep], np.vstack([train_vecs, case_vecs[keep]]))
        out[test] = predict(features, models, [cases[i] for i in test], case_vecs[test])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--write", action="store_true", help=f"write the model to {MODEL_PATH}")
    parser.add_argument("--with-cases", action="store_true", help="train on the development case turns too")
    args = parser.parse_args(argv)
    train, held = corpus_messages()
    cases = case_messages()
    print(f"corpus: {len(train)} training, {len(held)} held out; case turns: {len(cases)}", file=sys.stderr)
    train_vecs, held_vecs, case_vecs = vectors(train), vectors(held), vectors(cases)
    oof = out_of_fold(train, train_vecs)
    pooled_messages, pooled = list(train), oof
    loso = None
    if args.with_cases:
        loso = leave_one_shop_out(train, train_vecs, cases, case_vecs)
        pooled_messages, pooled = train + cases, np.vstack([oof, loso])
    thresholds = {label: cost_threshold(np.array([m.labels[j] for m in pooled_messages]), pooled[:, j])
                  for j, label in enumerate(LABELS)}
    print(f"thresholds (held-out predictions{', corpus and cases' if args.with_cases else ''}; a miss costs "
          f"{MISS_COST:g} needless handoffs):", {k: round(v, 2) for k, v in thresholds.items()})
    features, models = fit(train, train_vecs)
    report = {"thresholds": thresholds}
    report["corpus_held_out"] = label_report("corpus, held-out fifth batches (never trained on)", held,
                                             predict(features, models, held, held_vecs), thresholds)
    report["cases_unseen"] = case_report("development case turns (not trained on)", cases,
                                         predict(features, models, cases, case_vecs), thresholds)
    final_messages, final_vecs = train, train_vecs
    if loso is not None:
        report["cases_leave_one_shop_out"] = case_report(
            "development case turns, leave-one-shop-out (trained on the corpus and the other shops' turns)",
            cases, loso, thresholds)
        final_messages, final_vecs = train + cases, np.vstack([train_vecs, case_vecs])
    features, models = fit(final_messages, final_vecs)
    if args.write:
        vocabulary_size = len(features.vocabulary)
        ngram = np.column_stack([m.coef_[0][:vocabulary_size] for m in models])  # type: ignore[attr-defined]
        vector = np.column_stack([m.coef_[0][vocabulary_size:vocabulary_size + 512] for m in models])  # type: ignore[attr-defined]
        rule = np.column_stack([m.coef_[0][vocabulary_size + 512:] for m in models])  # type: ignore[attr-defined]
        data = {
            "labels": list(LABELS),
            "rules": list(RULE_NAMES),
            "vocabulary": features.vocabulary,
            "idf": [round(float(v), 5) for v in features.idf],
            "ngram_weights": np.round(ngram, 5).tolist(),
            "vector_weights": np.round(vector, 5).tolist(),
            "rule_weights": np.round(rule, 5).tolist(),
            "vector_scale": VECTOR_SCALE,
            "rule_scale": RULE_SCALE,
            "bias": [round(float(m.intercept_[0]), 5) for m in models],  # type: ignore[attr-defined]
            "thresholds": {k: round(v, 3) for k, v in thresholds.items()},
            "info": {
                "trained_on": f"{len(final_messages)} messages" + (" (corpus + case turns)" if args.with_cases
                                                                   else " (corpus training batches)"),
                "model": f"one logistic regression per label, C={C}, balanced classes; TF-IDF of character "
                         f"1-3-grams and pinyin pairs (min df {MIN_DF}) + encoder vector x{VECTOR_SCALE} + rule "
                         f"features x{RULE_SCALE}",
                "report": report,
            },
        }
        MODEL_PATH.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(REPO)} ({MODEL_PATH.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
