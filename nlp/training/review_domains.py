"""Sentiment on a review domain the model never trained on.

ChnSentiCorp mixes three kinds of review: hotels, books and laptops. The shipped sentiment model trains on the
train split of all of them (beside Weibo posts), so its figure on ChnSentiCorp is an in-domain one. To say how it
reads reviews of a kind it has never seen (takeaway food, a school canteen's complaints board), the same recipe is
trained three times, each time without one kind, and scored on every review of the kind left out.

A review's kind is read from its words (``review_domain``); a review that names none of the kinds' cues, or two
of them equally, has no kind and is never trained on in the leave-one-out runs: it might be of the kind held out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from nlp.training.classical import fit_classical
from nlp.training.data import Example, in_dev
from nlp.training.evaluate import Scores, score

# Words that say what a review is about; counted, the kind with the most wins.
_CUES = {
    "hotel": re.compile(r"酒店|房间|宾馆|前台|入住|早餐|服务员|床"),
    "book": re.compile(r"这本书|本书|书|作者|读|小说|故事|出版"),
    "laptop": re.compile(r"电脑|笔记本|本本|屏幕|键盘|系统|驱动|电池|硬盘|内存|散热|XP|vista|Vista|配置|机器"),
}
REVIEW_DOMAINS = tuple(_CUES)


def review_domain(text: str) -> str | None:
    """hotel, book or laptop; None when no kind's cue occurs or two kinds tie."""
    counts = {kind: len(cue.findall(text)) for kind, cue in _CUES.items()}
    best = max(counts.values())
    winners = [kind for kind, count in counts.items() if count == best]
    return winners[0] if best and len(winners) == 1 else None


@dataclass(frozen=True)
class DomainScores:
    domain: str
    trained_rows: int
    scores: Scores


def unseen_domain_scores(base_rows: Sequence[Example], reviews: Sequence[Example]) -> list[DomainScores]:
    """For each kind of review: train on ``base_rows`` plus the train split of the other two kinds' reviews (the
    shipped recipe less that kind), score on every review of that kind."""
    kinds = [review_domain(r.text) for r in reviews]
    figures = []
    for held in REVIEW_DOMAINS:
        train = list(base_rows) + [r for r, kind in zip(reviews, kinds)
                                   if kind is not None and kind != held and not in_dev(r.text)]
        test = [r for r, kind in zip(reviews, kinds) if kind == held]
        model = fit_classical("sentiment", train)
        figures.append(DomainScores(held, len(train),
                                    score([r.label for r in test], model.predict_proba([r.text for r in test]))))
    return figures


def pooled(figures: Sequence[DomainScores]) -> Scores:
    """The three held-out kinds together: accuracy weighted by rows, macro-F1 the mean of the kinds'."""
    n = sum(f.scores.n for f in figures)
    if not n:
        return Scores(0.0, 0.0, 0)
    accuracy = sum(f.scores.accuracy * f.scores.n for f in figures) / n
    return Scores(accuracy, sum(f.scores.macro_f1 for f in figures) / len(figures), n)
