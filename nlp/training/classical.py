"""Training the classical classifier: character n-grams, TF-IDF and a class-balanced logistic regression."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from core.errors import InvalidInput
from nlp.classifiers.base import prepare
from nlp.classifiers.classical import WEIGHTS, ClassicalClassifier, damped_counts, make_hashing_vectorizer, make_tfidf
from nlp.models import Manifest, new_version
from nlp.training.data import Example

# Chosen on held-out data (sentiment, dev split: 1-3-grams 0.709 vs 1-2-grams 0.696
# macro-F1; rumour, 5-fold cross-validation of the train split: 1-2-grams 0.879 vs 1-3-grams 0.863 accuracy).
CLASSICAL_CONFIG = {
    "sentiment": {"ngram_range": [1, 3], "n_features": 2 ** 20, "sublinear_tf": True, "C": 4.0},
    "rumour": {"ngram_range": [1, 2], "n_features": 2 ** 20, "sublinear_tf": True, "C": 1.0},
}


def fit_classical(task: str, train: Sequence[Example], config: dict | None = None,
                  name: str | None = None) -> ClassicalClassifier:
    """Character n-grams, TF-IDF and a class-balanced logistic regression, fitted on ``train``."""
    # scikit-learn takes over a second to import: only when a model is trained.
    from sklearn.linear_model import LogisticRegression

    config = {**CLASSICAL_CONFIG[task], **(config or {})}
    texts, _ = prepare([r.text for r in train])
    labels = np.array([r.label for r in train])
    if len(set(labels.tolist())) < 2:
        raise InvalidInput("training data needs rows of both labels 0 and 1", field="data")
    counts = damped_counts(make_hashing_vectorizer(config), texts, config)
    tfidf = make_tfidf().fit(counts)          # document frequencies: damping keeps every non-zero count non-zero
    features = tfidf.transform(counts, copy=False)
    model = LogisticRegression(C=float(config["C"]), class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(features, labels)
    manifest = Manifest(task=task, kind="classical", name=name or f"{task}-charngram-lr", version=new_version(),
                        files=(WEIGHTS,), config=config)
    return ClassicalClassifier(manifest, tfidf.idf_, model.coef_[0], float(model.intercept_[0]))
