"""snownlp's bundled sentiment model (trained on product reviews): the baseline the trained models beat."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nlp.classifiers.base import prepare
from nlp.models import Manifest


class SnowNLPClassifier:
    """snownlp's sentiment score as P(positive); sentiment only."""

    def __init__(self, manifest: Manifest | None = None):
        self.manifest = manifest or Manifest(task="sentiment", kind="snownlp", name="snownlp", version="0.12.3")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        # Importing snownlp loads its models (seconds): only when the baseline is asked for.
        from snownlp import SnowNLP

        body, readable = prepare(texts)
        scores = []
        for text, ok in zip(body, readable):
            try:
                scores.append(float(SnowNLP(text).sentiments) if ok else 0.5)
            except (ValueError, ZeroDivisionError, KeyError):
                scores.append(0.5)   # snownlp fails on a few odd inputs; neutral is the honest answer
        return np.array(scores, dtype=float)
