"""Our three-class sentiment labels of real posts (``nlp/data/sentiment_labels.tsv``): 负面 / 中性 / 正面.

The rows name posts of the shared data by reference and text hash (``nlp.training.labelled_refs``); the texts
stay in ``../shared/data``. The labelling rules are docs/labelling/sentiment.md. The held-out part is the same
hash split as every sentiment figure (``nlp.training.data.in_dev``): the neutral model never trains on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from core.errors import InvalidInput
from core.vocabulary import SENTIMENTS
from nlp.training.data import Example, in_dev
from nlp.training.labelled_refs import checked_text, resolve_texts

SENTIMENT_LABELS_FILE = Path(__file__).resolve().parent.parent / "data" / "sentiment_labels.tsv"
# How many times each labelled polar post counts when it joins the polarity model's training rows: a few hundred
# posts among 67,000 emoticon-labelled ones would otherwise not be heard. Chosen by 5-fold cross-validation on
# the labels' train split (three-class macro-F1 0.559 without them, 0.579 at 5, 0.583 at 10, 0.582 at 30);
# the Weibo dev figure moved by 0.001.
POLAR_WEIGHT = 10
HEADER = ["ref", "text_sha256", "label"]


@dataclass(frozen=True)
class SentimentExample:
    ref: str
    text: str
    label: str            # negative / neutral / positive (core.vocabulary.SENTIMENTS)

    @property
    def held_out(self) -> bool:
        return in_dev(self.text)


def read_sentiment_labels(path: str | Path = SENTIMENT_LABELS_FILE) -> list[tuple[str, str, str]]:
    """(ref, text hash, label) per row. Raises InvalidInput naming the line of a bad row."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidInput(f"cannot read labels file {path}: {error.strerror}", field="labels") from None
    if not lines or lines[0].split("\t") != HEADER:
        raise InvalidInput(f"labels file {path}: the first line must be '{chr(9).join(HEADER)}' (tab-separated)",
                           field="labels")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 3 or "#" not in parts[0] or parts[2] not in SENTIMENTS:
            raise InvalidInput(f"labels file {path} line {number}: expected ref#key, hash and one of "
                               f"{', '.join(SENTIMENTS)}", field="labels")
        rows.append((parts[0], parts[1], parts[2]))
    return rows


def load_sentiment_labelled(data_dir: str | Path, labels: str | Path = SENTIMENT_LABELS_FILE
                            ) -> tuple[list[SentimentExample], list[str]]:
    """The labelled posts whose text is found unchanged, and the refs left out (missing or changed)."""
    rows = read_sentiment_labels(labels)
    texts = resolve_texts(data_dir, (ref for ref, _, _ in rows))
    found, left_out = [], []
    for ref, digest, label in rows:
        text = checked_text(texts, ref, digest)
        if text is None:
            left_out.append(ref)
        else:
            found.append(SentimentExample(ref, text, label))
    return found, left_out


def polar_training_rows(examples: Sequence[SentimentExample], weight: int = POLAR_WEIGHT) -> list[Example]:
    """The train split's negative (0) and positive (1) posts as polarity rows, each ``weight`` times."""
    rows = [Example(int(e.label == "positive"), e.text) for e in examples
            if not e.held_out and e.label != "neutral"]
    return rows * weight
