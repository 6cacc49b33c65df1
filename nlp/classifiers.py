"""Binary text classifiers behind one interface: ``predict_proba(texts) -> P(label 1)`` for each text.

Implementations: ``ClassicalClassifier`` (character n-grams, TF-IDF and logistic regression, stored as
npz + json, no pickle), ``SnowNLPClassifier`` (snownlp's bundled sentiment model, the baseline) and
``TransformerClassifier`` (a BertForSequenceClassification, in ``nlp/transformer.py``). ``load_classifier``
picks the implementation a model folder's manifest names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from core.errors import ConfigurationError
from nlp.models import Manifest, read_manifest
from nlp.text import clean

WEIGHTS = "weights.npz"


class TextClassifier(Protocol):
    manifest: Manifest

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(label 1) per text (positive sentiment / rumour), in order. Unreadable text scores 0.5."""
        ...


def prepare(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Cleaned texts (emoticons and HTML stripped) and a mask of those with something to read."""
    cleaned = [clean(t) for t in texts]
    return [c.text for c in cleaned], np.array([c.readable for c in cleaned], dtype=bool)


class ClassicalClassifier:
    """Character n-grams hashed into a fixed space, TF-IDF weighted, scored by a linear model."""

    def __init__(self, manifest: Manifest, idf: np.ndarray, coef: np.ndarray, intercept: float):
        self.manifest = manifest
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        self.intercept = float(intercept)
        self._vectorizer = make_hashing_vectorizer(manifest.config)

    def features(self, texts: Sequence[str]):
        return tfidf_features(self._vectorizer, texts, self.idf, self.manifest.config)

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
    from sklearn.feature_extraction.text import HashingVectorizer

    low, high = config.get("ngram_range", (1, 3))
    return HashingVectorizer(analyzer="char", ngram_range=(int(low), int(high)), n_features=int(config["n_features"]),
                             alternate_sign=False, norm=None, lowercase=True, dtype=np.float32)


_last_counts: tuple | None = None   # (key, counts) of the last batch hashed; swapped whole, so thread-safe


def hashed_counts(vectorizer, texts: Sequence[str]):
    """Hashed n-gram counts; the sentiment and rumour models hash the same batch the same way, so the
    second asks for what the first computed."""
    global _last_counts
    key = (vectorizer.ngram_range, vectorizer.n_features, tuple(texts))
    last = _last_counts
    if last is not None and last[0] == key:
        return last[1].copy()
    counts = vectorizer.transform(texts)
    _last_counts = (key, counts)
    return counts.copy()


def tfidf_features(vectorizer, texts: Sequence[str], idf: np.ndarray, config: dict):
    """Hashed counts -> (sublinear) term frequency x idf -> unit length rows."""
    from sklearn.preprocessing import normalize

    counts = hashed_counts(vectorizer, texts)
    if config.get("sublinear_tf", True):
        np.log1p(counts.data, out=counts.data)
    weighted = counts.multiply(idf.reshape(1, -1)).tocsr()
    return normalize(weighted, norm="l2", copy=False)


class SnowNLPClassifier:
    """snownlp's bundled sentiment model (trained on product reviews): the baseline, sentiment only."""

    def __init__(self, manifest: Manifest | None = None):
        self.manifest = manifest or Manifest(task="sentiment", kind="snownlp", name="snownlp", version="0.12.3")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        from snownlp import SnowNLP  # slow import: only when the baseline is asked for

        body, readable = prepare(texts)
        scores = []
        for text, ok in zip(body, readable):
            try:
                scores.append(float(SnowNLP(text).sentiments) if ok else 0.5)
            except (ValueError, ZeroDivisionError, KeyError):
                scores.append(0.5)   # snownlp fails on a few odd inputs; neutral is the honest answer
        return np.array(scores, dtype=float)


def load_classifier(folder: str | Path, task: str | None = None) -> TextClassifier:
    """The classifier stored in ``folder``. Raises ConfigurationError / VersionMismatch naming what is wrong."""
    folder = Path(folder)
    manifest = read_manifest(folder, task)
    if manifest.kind == "classical":
        return ClassicalClassifier.load(folder, manifest)
    if manifest.kind == "snownlp":
        return SnowNLPClassifier(manifest)
    from nlp.transformer import TransformerClassifier

    return TransformerClassifier.load(folder, manifest)
