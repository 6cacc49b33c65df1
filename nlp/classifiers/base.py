"""What every classifier promises, and the text it reads."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from nlp.models import Manifest
from nlp.text import clean


class TextClassifier(Protocol):
    manifest: Manifest

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(label 1) per text (positive sentiment / rumour), in order. Unreadable text scores 0.5."""
        ...


def prepare(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Cleaned texts (emoticons and HTML stripped) and a mask of those with something to read."""
    cleaned = [clean(t) for t in texts]
    return [c.text for c in cleaned], np.array([c.readable for c in cleaned], dtype=bool)
