"""Sentiment: the probability that a post is positive, read from text with emoticons stripped.

The classifier is any ``TextClassifier`` (the shipped default, a trained transformer, or the snownlp
baseline). Unreadable input scores a neutral 0.5 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from core.post import sentiment_label
from nlp.classifiers import TextClassifier
from nlp.text import clean


@dataclass(frozen=True)
class SentimentResult:
    score: float          # P(positive), 0..1
    label: str            # negative / neutral / positive (core.post.sentiment_label)
    reason: str = ""      # why the result is neutral, when the text had nothing to read


class SentimentAnalyser:
    def __init__(self, classifier: TextClassifier):
        self.classifier = classifier

    def score_many(self, texts: Sequence[str]) -> list[SentimentResult]:
        cleaned = [clean(t) for t in texts]
        if not cleaned:
            return []
        proba = self.classifier.predict_proba([c.text for c in cleaned])
        results = []
        for text, p in zip(cleaned, proba):
            score = 0.5 if not text.readable else round(float(p), 4)
            results.append(SentimentResult(score, sentiment_label(score) or "neutral", text.reason))
        return results
