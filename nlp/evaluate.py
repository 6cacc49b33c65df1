"""Figures: accuracy and macro-F1 of a binary classifier, precision/recall of school matching, and the
adjusted Rand index of an event clustering against ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Hashable, Sequence

import numpy as np


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    n: int
    f1_by_label: tuple[float, float] = (0.0, 0.0)

    def as_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4), "n": self.n}

    def line(self) -> str:
        """The last line ``yuqing eval`` prints."""
        return f"accuracy={self.accuracy:.3f} macro_f1={self.macro_f1:.3f} n={self.n}"


def score(labels: Sequence[int], proba: Sequence[float], threshold: float = 0.5) -> Scores:
    """Accuracy and macro-F1 of ``proba >= threshold`` against 0/1 labels."""
    truth = np.asarray(labels, dtype=int)
    guess = (np.asarray(proba, dtype=float) >= threshold).astype(int)
    if truth.size == 0:
        return Scores(0.0, 0.0, 0)
    f1s = []
    for label in (0, 1):
        tp = int(np.sum((guess == label) & (truth == label)))
        fp = int(np.sum((guess == label) & (truth != label)))
        fn = int(np.sum((guess != label) & (truth == label)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return Scores(float(np.mean(guess == truth)), float(np.mean(f1s)), int(truth.size), (f1s[0], f1s[1]))


def evaluate_folder(model_dir: str | Path, task: str, data_file: str | Path) -> Scores:
    """Score a model folder on every row of a TSV file."""
    from nlp.classifiers import load_classifier
    from nlp.train import read_tsv

    rows = read_tsv(data_file)
    classifier = load_classifier(model_dir, task)
    return score([r.label for r in rows], classifier.predict_proba([r.text for r in rows]))


@dataclass(frozen=True)
class MatchScores:
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int


def match_scores(truth: Sequence[Sequence[str]], found: Sequence[Sequence[str]]) -> MatchScores:
    """Micro precision/recall over (post, school) pairs."""
    tp = fp = fn = 0
    for expected, got in zip(truth, found):
        expected, got = set(expected), set(got)
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return MatchScores(precision, recall, tp, fp, fn)


def adjusted_rand_index(truth: Sequence[Hashable], found: Sequence[Hashable]) -> float:
    """ARI of two labelings of the same items (1.0 identical, about 0 for chance)."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(map(str, truth)), list(map(str, found))))
