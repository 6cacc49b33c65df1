"""Training and measuring the neutral model: the third sentiment class (中性) beside the polarity model.

Training rows: the train split of our labelled posts (``nlp/data/sentiment_labels.tsv``: neutral = 1,
negative or positive = 0) and, so that the model learns what polar Weibo talk looks like beyond our few hundred
posts, rows of the train split of weibo_senti_dev.tsv as polar (0) with a small weight (every row of that set
carries an emoticon: it is polar by construction). Character n-grams, TF-IDF and a class-balanced logistic
regression, stored like every classical model (``nlp.classifiers.classical``).

The figures are three-class: the held-out labelled posts scored by ``nlp.sentiment.SentimentAnalyser`` with the
polarity model and this neutral model, read into classes by ``core.post.sentiment_label``: the code path
enrichment runs, nothing filled in.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import InvalidInput
from core.vocabulary import SENTIMENTS
from nlp.classifiers import TextClassifier
from nlp.classifiers.base import prepare
from nlp.classifiers.classical import WEIGHTS, ClassicalClassifier, damped_counts, make_hashing_vectorizer, make_tfidf
from nlp.models import Manifest, new_version, save_manifest, write_model_card
from nlp.sentiment import SentimentAnalyser
from nlp.training.data import in_dev, read_tsv
from nlp.training.sentiment_labels import SentimentExample

# Chosen by 5-fold cross-validation on the train split of our labelled posts (three-class macro-F1 0.559 with
# 1-2-grams, C 4, 1,500 polar rows at weight 0.2; every setting tried fell within 0.54-0.56, and reading the
# classes by the largest probability instead of the expected polarity was no better: 0.54-0.56).
NEUTRAL_CONFIG = {"ngram_range": [1, 2], "n_features": 2 ** 18, "sublinear_tf": True, "C": 4.0,
                  "polar_rows": 1500, "polar_weight": 0.2}
POLAR_FILE = "sentiment/weibo_senti_dev.tsv"


@dataclass(frozen=True)
class ThreeClassScores:
    accuracy: float
    macro_f1: float
    n: int
    f1_by_label: dict[str, float]
    confusion: dict[str, dict[str, int]]            # truth -> found -> count

    def as_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4), "n": self.n,
                "f1": {k: round(v, 4) for k, v in self.f1_by_label.items()}}

    def line(self) -> str:
        return f"accuracy={self.accuracy:.3f} macro_f1={self.macro_f1:.3f} n={self.n}"


def three_class_scores(truth: Sequence[str], found: Sequence[str]) -> ThreeClassScores:
    from sklearn.metrics import accuracy_score, f1_score

    if not truth:
        return ThreeClassScores(0.0, 0.0, 0, {k: 0.0 for k in SENTIMENTS}, {})
    by_label = f1_score(list(truth), list(found), labels=list(SENTIMENTS), average=None, zero_division=0.0)
    confusion = {t: {f: 0 for f in SENTIMENTS} for t in SENTIMENTS}
    for t, f in zip(truth, found):
        confusion[t][f] += 1
    return ThreeClassScores(float(accuracy_score(list(truth), list(found))), float(np.mean(by_label)), len(truth),
                            dict(zip(SENTIMENTS, map(float, by_label))), confusion)


def measure_three_class(polarity: TextClassifier, neutral: TextClassifier | None,
                        examples: Sequence[SentimentExample]) -> ThreeClassScores:
    """Three-class figures of the analyser enrichment builds from these models."""
    analyser = SentimentAnalyser(polarity, neutral)
    found = [r.label for r in analyser.score_many([e.text for e in examples])]
    return three_class_scores([e.label for e in examples], found)


def polar_rows(data_dir: Path, count: int) -> list[str]:
    """``count`` texts of the train split of weibo_senti_dev.tsv (a fixed sample)."""
    path = data_dir / POLAR_FILE
    if not path.is_file():
        raise InvalidInput(f"data file {path} is missing (give --data, the shared data folder)", field="data")
    texts = [row.text for row in read_tsv(path) if not in_dev(row.text)]
    random.Random(20261202).shuffle(texts)
    return texts[:count]


def fit_neutral(labelled: Sequence[SentimentExample], polar: Sequence[str], config: dict | None = None
                ) -> ClassicalClassifier:
    """The neutral model fitted on labelled posts (their own labels) and polar background texts."""
    from sklearn.linear_model import LogisticRegression

    config = {**NEUTRAL_CONFIG, **(config or {})}
    if not any(e.label == "neutral" for e in labelled) or all(e.label == "neutral" for e in labelled):
        raise InvalidInput("the labels need both neutral and polar (negative or positive) posts", field="labels")
    texts, _ = prepare([e.text for e in labelled] + list(polar))
    labels = np.array([int(e.label == "neutral") for e in labelled] + [0] * len(polar))
    weights = np.array([1.0] * len(labelled) + [float(config["polar_weight"])] * len(polar))
    counts = damped_counts(make_hashing_vectorizer(config), texts, config)
    tfidf = make_tfidf().fit(counts)
    model = LogisticRegression(C=float(config["C"]), class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(tfidf.transform(counts, copy=False), labels, sample_weight=weights)
    manifest = Manifest(task="neutral", kind="classical", name="neutral-charngram-lr", version=new_version(),
                        files=(WEIGHTS,), config=config)
    return ClassicalClassifier(manifest, tfidf.idf_, model.coef_[0], float(model.intercept_[0]))


def train_neutral(examples: Sequence[SentimentExample], data_dir: str | Path, out: str | Path,
                  polarity: TextClassifier, config: dict | None = None) -> tuple[Manifest, ThreeClassScores,
                                                                                 ThreeClassScores]:
    """Fit on the train split, measure on the held-out split with ``polarity`` (three classes, against the
    polarity model alone), and write the model folder with its card. Returns (manifest, with, without)."""
    config = {**NEUTRAL_CONFIG, **(config or {})}
    train = [e for e in examples if not e.held_out]
    held = [e for e in examples if e.held_out]
    if not held:
        raise InvalidInput("no labelled post falls in the held-out split: label more posts", field="labels")
    started = time.monotonic()
    polar = polar_rows(Path(data_dir), int(config["polar_rows"]))
    model = fit_neutral(train, polar, config)
    seconds = round(time.monotonic() - started, 1)
    with_neutral = measure_three_class(polarity, model, held)
    alone = measure_three_class(polarity, None, held)
    metrics = {"dev": with_neutral.as_dict(), "polarity_alone": alone.as_dict(),
               "polarity_model": polarity.manifest.label, "train_rows": len(train) + len(polar),
               "labelled_train_rows": len(train), "train_seconds": seconds,
               "dev_split": "our labelled posts with md5(text) < 0.20; three classes read from the expected "
                            "polarity (core.post.sentiment_label)"}
    manifest = Manifest(task="neutral", kind="classical", name=model.manifest.name, version=model.manifest.version,
                        files=(WEIGHTS,), config=config, metrics=metrics,
                        training_data=("nlp/data/sentiment_labels.tsv (our labels)", "weibo_senti_dev.tsv (polar)"))
    model.manifest = manifest
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder)
    save_manifest(folder, manifest)
    write_model_card(folder, manifest, notes=card_notes(with_neutral, alone, len(train)))
    return manifest, with_neutral, alone


def card_notes(with_neutral: ThreeClassScores, alone: ThreeClassScores, labelled_train: int) -> str:
    f1 = with_neutral.f1_by_label
    return (f"Three classes on the held-out labelled posts (n = {with_neutral.n}), with the polarity model: macro-F1 {with_neutral.macro_f1:.3f} (negative "
            f"{f1['negative']:.3f}, neutral {f1['neutral']:.3f}, positive {f1['positive']:.3f}); the polarity "
            f"model alone, its scores 0.4-0.6 read as neutral: macro-F1 {alone.macro_f1:.3f}. Trained on "
            f"{labelled_train} labelled posts (docs/labelling/sentiment.md) and polar rows of weibo_senti_dev.tsv. "
            "Retrain: `yuqing train neutral --data ../shared/data --out DIR`; measure: "
            "`yuqing eval sentiment3 --data ../shared/data`.")

