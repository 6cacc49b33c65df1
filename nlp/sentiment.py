"""Sentiment in three classes (负面 / 中性 / 正面), read from text with emoticons stripped.

Two classifiers: the polarity model (any ``TextClassifier``: P(positive) among polar texts) and, when given,
the neutral model (P(neutral): news, notices and questions that neither complain nor praise). A post's score is
its expected polarity, negative 0, neutral 0.5, positive 1:

    score = (1 - P(neutral)) * P(positive) + 0.5 * P(neutral)

so a confidently neutral post sits near 0.5 and ``core.post.sentiment_label`` (below 0.4 negative, from 0.6
positive) reads the three classes from the one stored number; whether a post leans positive or negative
(score above or below 0.5) is the polarity model's call alone. Without a neutral model the score is
P(positive). Unreadable input scores a neutral 0.5 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.post import sentiment_label
from nlp.classifiers import TextClassifier
from nlp.text import clean


@dataclass(frozen=True)
class SentimentResult:
    score: float          # expected polarity, 0..1 (P(positive) when there is no neutral model)
    label: str            # negative / neutral / positive (core.post.sentiment_label)
    reason: str = ""      # why the result is neutral, when the text had nothing to read


def expected_polarity(positive: np.ndarray, neutral: np.ndarray | None) -> np.ndarray:
    """The score of each post from P(positive) among polar texts and P(neutral)."""
    positive = np.asarray(positive, dtype=float)
    if neutral is None:
        return positive
    neutral = np.asarray(neutral, dtype=float)
    return (1.0 - neutral) * positive + 0.5 * neutral


class SentimentAnalyser:
    def __init__(self, classifier: TextClassifier, neutral: TextClassifier | None = None):
        self.classifier = classifier
        self.neutral = neutral

    @property
    def labels(self) -> tuple[str, ...]:
        """What an enriched post records of the models that scored it."""
        parts = [f"sentiment={self.classifier.manifest.label}"]
        if self.neutral is not None:
            parts.append(f"neutral={self.neutral.manifest.label}")
        return tuple(parts)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """The score of each text (no cleaning reasons): what ``score_many`` stores, for evaluations."""
        return np.array([r.score for r in self.score_many(texts)])

    def score_many(self, texts: Sequence[str]) -> list[SentimentResult]:
        cleaned = [clean(t) for t in texts]
        if not cleaned:
            return []
        bodies = [c.text for c in cleaned]
        positive = self.classifier.predict_proba(bodies)
        neutral = self.neutral.predict_proba(bodies) if self.neutral is not None else None
        score = expected_polarity(positive, neutral)
        results = []
        for text, value in zip(cleaned, score):
            value = 0.5 if not text.readable else round(float(value), 4)
            results.append(SentimentResult(value, sentiment_label(value) or "neutral", text.reason))
        return results
