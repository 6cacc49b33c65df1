"""Figures: accuracy and macro-F1 of a binary classifier (scikit-learn's), precision/recall of school matching,
and the adjusted Rand index of an event clustering against ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Hashable, Sequence

import numpy as np

from nlp.classifiers import load_classifier
from nlp.events import RUMOUR_FLAG
from nlp.rumour import RumourScorer
from nlp.training.data import read_tsv, split

_LABELS = (0, 1)


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
    """Accuracy and macro-F1 of ``proba >= threshold`` against 0/1 labels. A label that is never right (or
    never present) has F1 0, and the macro-F1 averages both labels."""
    # scikit-learn takes over a second to import: only when figures are asked for.
    from sklearn.metrics import accuracy_score, f1_score

    truth = np.asarray(labels, dtype=int)
    guess = (np.asarray(proba, dtype=float) >= threshold).astype(int)
    if truth.size == 0:
        return Scores(0.0, 0.0, 0)
    by_label = f1_score(truth, guess, labels=_LABELS, average=None, zero_division=0.0)
    return Scores(float(accuracy_score(truth, guess)), float(np.mean(by_label)), int(truth.size),
                  (float(by_label[0]), float(by_label[1])))


def evaluate_folder(model_dir: str | Path, task: str, data_file: str | Path, held_out: bool = False) -> Scores:
    """Score a model folder on every row of a TSV file, or (``held_out``) on its dev split only: the rows that
    ``yuqing train`` keeps aside."""
    rows = read_tsv(data_file)
    if held_out:
        rows = split(rows)[1]
    classifier = load_classifier(model_dir, task)
    return score([r.label for r in rows], classifier.predict_proba([r.text for r in rows]))


def production_rumour_scores(model_dir: str | Path, data_file: str | Path, held_out: bool = False) -> Scores:
    """The rumour risk the enrichment gives a post before any reaction (``RumourScorer``: the classifier's
    confidence beyond 0.5 combined with the cues), flagged from ``RUMOUR_FLAG``, on the file's rows (or dev split)."""
    rows = read_tsv(data_file)
    if held_out:
        rows = split(rows)[1]
    results = RumourScorer(load_classifier(model_dir, "rumour")).score_many([r.text for r in rows])
    return score([r.label for r in rows], [r.score for r in results], threshold=RUMOUR_FLAG)


@dataclass(frozen=True)
class MatchScores:
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int


def match_scores(truth: Sequence[Sequence[str]], found: Sequence[Sequence[str]]) -> MatchScores:
    """Micro precision/recall over (post, school) pairs; 1.0 when there was nothing to find or nothing found."""
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
    # scikit-learn is imported late, as in ``score``.
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(map(str, truth)), list(map(str, found))))
