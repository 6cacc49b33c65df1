"""The classical classifier: character n-grams hashed into a fixed space, TF-IDF weighted, scored by a linear
model. Stored as ``weights.npz`` (idf, coef, intercept) beside the manifest: numbers only, no pickle.

The features are scikit-learn's: a ``HashingVectorizer`` of character n-grams and a ``TfidfTransformer``
whose idf vector is the stored one. Term frequencies are damped as log(1 + tf) before the transformer (the
shipped models were trained so; the transformer's own ``sublinear_tf`` is 1 + log(tf)).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ConfigurationError
from nlp.classifiers.base import prepare
from nlp.models import Manifest

WEIGHTS = "weights.npz"


class ClassicalClassifier:
    """Character n-grams hashed into a fixed space, TF-IDF weighted, scored by a linear model."""

    def __init__(self, manifest: Manifest, idf: np.ndarray, coef: np.ndarray, intercept: float):
        self.manifest = manifest
        self.coef = coef.astype(np.float32)
        self.intercept = float(intercept)
        self._vectorizer = make_hashing_vectorizer(manifest.config)
        self._tfidf = make_tfidf(idf)

    @property
    def idf(self) -> np.ndarray:
        return self._tfidf.idf_

    def features(self, texts: Sequence[str]):
        """Unit-length TF-IDF rows of cleaned texts."""
        return tfidf_features(self._vectorizer, self._tfidf, texts, self.manifest.config)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        body, readable = prepare(texts)
        if not len(body):
            return np.zeros(0)
        scores = self.features(body) @ self.coef + self.intercept
        proba = 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))
        return np.where(readable, proba, 0.5)

    def save(self, folder: Path) -> None:
        np.savez_compressed(folder / WEIGHTS, idf=self.idf, coef=self.coef, intercept=np.array([self.intercept]))

    @classmethod
    def load(cls, folder: Path, manifest: Manifest) -> "ClassicalClassifier":
        try:
            with np.load(folder / WEIGHTS, allow_pickle=False) as data:
                return cls(manifest, data["idf"], data["coef"], float(data["intercept"][0]))
        except (OSError, KeyError, ValueError) as error:
            raise ConfigurationError(f"model weights {folder / WEIGHTS} cannot be read: {error}") from None


def make_hashing_vectorizer(config: dict):
    """Character n-grams of ``config["ngram_range"]`` hashed into ``config["n_features"]`` counts."""
    # scikit-learn takes over a second to import: only when a model is loaded or trained.
    from sklearn.feature_extraction.text import HashingVectorizer

    low, high = config.get("ngram_range", (1, 3))
    return HashingVectorizer(analyzer="char", ngram_range=(int(low), int(high)), n_features=int(config["n_features"]),
                             alternate_sign=False, norm=None, lowercase=True, dtype=np.float32)


def make_tfidf(idf: np.ndarray | None = None):
    """A TfidfTransformer (smoothed idf, unit-length rows), fitted to a stored ``idf`` vector when given."""
    # scikit-learn is imported late, as in make_hashing_vectorizer.
    from sklearn.feature_extraction.text import TfidfTransformer

    tfidf = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False)
    if idf is not None:
        tfidf.idf_ = np.asarray(idf, dtype=np.float32)
        tfidf.n_features_in_ = tfidf.idf_.shape[0]
    return tfidf


def damped_counts(vectorizer, texts: Sequence[str], config: dict):
    """Hashed n-gram counts, damped to log(1 + tf) unless ``config["sublinear_tf"]`` is false."""
    counts = vectorizer.transform(texts)
    if config.get("sublinear_tf", True):
        np.log1p(counts.data, out=counts.data)
    return counts


def tfidf_features(vectorizer, tfidf, texts: Sequence[str], config: dict):
    """Hashed counts -> damped term frequency x idf -> unit length rows."""
    return tfidf.transform(damped_counts(vectorizer, texts, config), copy=False)
