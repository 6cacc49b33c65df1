"""Training: read labelled TSV files, hold out a dev split, fit a model, write its folder with figures.

TSV files have a header with the columns ``label`` (1 = positive / rumour, 0 otherwise) and ``text``.
The dev split is chosen by a hash of each text, so it is the same on every run and a text never lands on
both sides; the figures written into the manifest are measured on it, never on training rows.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import InvalidInput
from nlp.classifiers import ClassicalClassifier, make_hashing_vectorizer, prepare, tfidf_features
from nlp.evaluate import Scores, score
from nlp.models import TASKS, Manifest, save_manifest, write_model_card
from nlp.text import strip_emoticons

log = logging.getLogger(__name__)
DEV_FRACTION = 0.2
# Chosen on held-out data (sentiment, dev split: 1-3-grams 0.709 vs 1-2-grams 0.696
# macro-F1; rumour, 5-fold cross-validation of the train split: 1-2-grams 0.879 vs 1-3-grams 0.863 accuracy).
CLASSICAL_CONFIG = {
    "sentiment": {"ngram_range": [1, 3], "n_features": 2 ** 20, "sublinear_tf": True, "C": 4.0},
    "rumour": {"ngram_range": [1, 2], "n_features": 2 ** 20, "sublinear_tf": True, "C": 1.0},
}


@dataclass(frozen=True)
class Example:
    label: int
    text: str


def read_tsv(path: str | Path) -> list[Example]:
    """Rows of a ``label``/``text`` TSV. Raises InvalidInput naming the file and line of a bad row."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise InvalidInput(f"cannot read data file {path}: {error.strerror}", field="data") from None
    csv.field_size_limit(sys.maxsize)
    with handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header or "label" not in header or "text" not in header:
            raise InvalidInput(f"data file {path}: the first line must be a header with columns 'label' and 'text'",
                               field="data")
        at_label, at_text = header.index("label"), header.index("text")
        rows = []
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) <= max(at_label, at_text) or row[at_label].strip() not in ("0", "1"):
                raise InvalidInput(f"data file {path} line {line}: expected label 0 or 1 and a text", field="data")
            rows.append(Example(int(row[at_label]), row[at_text]))
    if not rows:
        raise InvalidInput(f"data file {path} has no rows", field="data")
    return rows


def in_dev(text: str, fraction: float = DEV_FRACTION) -> bool:
    """Whether a text belongs to the held-out dev split (stable across runs and machines)."""
    key = strip_emoticons(text).strip().encode("utf-8")
    return int(hashlib.md5(key).hexdigest()[:8], 16) % 1000 < fraction * 1000


def split(rows: Sequence[Example], fraction: float = DEV_FRACTION) -> tuple[list[Example], list[Example]]:
    """(train, dev) by text hash."""
    train, dev = [], []
    for row in rows:
        (dev if in_dev(row.text, fraction) else train).append(row)
    return train, dev


def fit_classical(task: str, train: Sequence[Example], config: dict | None = None,
                  name: str | None = None) -> ClassicalClassifier:
    """Character 1-3 grams, TF-IDF and a class-balanced logistic regression."""
    from sklearn.linear_model import LogisticRegression

    config = {**CLASSICAL_CONFIG[task], **(config or {})}
    texts, _ = prepare([r.text for r in train])
    labels = np.array([r.label for r in train])
    if len(set(labels.tolist())) < 2:
        raise InvalidInput("training data needs rows of both labels 0 and 1", field="data")
    vectorizer = make_hashing_vectorizer(config)
    counts = vectorizer.transform(texts)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
    features = tfidf_features(vectorizer, texts, idf, config)
    model = LogisticRegression(C=float(config["C"]), class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(features, labels)
    manifest = Manifest(task=task, kind="classical", name=name or f"{task}-charngram-lr", version=_version(),
                        files=("weights.npz",), config=config)
    return ClassicalClassifier(manifest, idf, model.coef_[0], float(model.intercept_[0]))


def _version() -> str:
    return datetime.now(timezone.utc).strftime("%Y.%m.%d.%H%M")


def train_model(task: str, data_files: Sequence[str | Path], out: str | Path, *, kind: str = "classical",
                base: str | Path | None = None, dev_fraction: float = DEV_FRACTION, epochs: int | None = None,
                max_rows: int | None = None) -> tuple[Manifest, Scores]:
    """Train on the train split of every file, measure on their dev split, write the folder ``out``."""
    if task not in TASKS:
        raise InvalidInput(f"task {task!r} is not one of {', '.join(TASKS)}", field="task")
    rows = [row for path in data_files for row in read_tsv(path)]
    train, dev = split(rows, dev_fraction)
    if max_rows:
        train = train[:max_rows]
    if not dev:
        dev, train = train[-max(1, len(train) // 5):], train[:-max(1, len(train) // 5)]
    started = time.monotonic()
    log.info("training %s %s on %d rows, holding out %d", kind, task, len(train), len(dev))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if kind == "classical":
        classifier = fit_classical(task, train)
    elif kind == "transformer":
        from nlp.transformer import fit_transformer

        classifier = fit_transformer(task, train, out, base=base, epochs=epochs)
    else:
        raise InvalidInput(f"kind {kind!r} is not 'classical' or 'transformer'", field="kind")
    seconds = time.monotonic() - started
    dev_scores = score([r.label for r in dev], classifier.predict_proba([r.text for r in dev]))
    metrics = {"dev": dev_scores.as_dict(), "train_rows": len(train), "train_seconds": round(seconds, 1),
               "dev_split": f"md5(text) < {dev_fraction:.2f}, emoticons stripped"}
    manifest = Manifest(**{**classifier.manifest.__dict__, "metrics": metrics,
                           "training_data": tuple(Path(p).name for p in data_files)})
    classifier.manifest = manifest
    classifier.save(out)
    save_manifest(out, manifest)
    write_model_card(out, manifest)
    return manifest, dev_scores
