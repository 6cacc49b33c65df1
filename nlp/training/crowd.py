"""Training and measuring the crowd rumour model (``nlp.crowd``) on cascades: source text plus reactions.

Every training cascade is seen at the four checkpoints the evaluation reports (source only, first 10
reactions, first hour, all), so that one model scores a post well however many reactions have arrived.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from core.errors import InvalidInput
from nlp.crowd import WEIGHTS, CrowdFeatures, CrowdRumourModel, Reaction, own_words
from nlp.models import Manifest, new_version, save_manifest
from nlp.training.cascades import Cascade, held_out, read_cascades
from nlp.training.evaluate import Scores, score

# Chosen on the training events' own 5-fold split (held-out events never looked at): character 1-2-grams.
CROWD_CONFIG = {"ngram_range": [1, 2], "n_features": 2 ** 17, "sublinear_tf": True, "C": 4.0, "stats_scale": 3.0}
FIRST_HOUR = 3600.0


@dataclass(frozen=True)
class Checkpoint:
    name: str                                       # what ``yuqing eval rumour`` prints
    cut: Callable[[list[tuple[float, str]]], list[tuple[float, str]]]


CHECKPOINTS = (
    Checkpoint("仅原帖 source only", lambda rs: []),
    Checkpoint("前10条反应 first 10 reactions", lambda rs: rs[:10]),
    Checkpoint("首小时 first hour", lambda rs: [r for r in rs if r[0] <= FIRST_HOUR]),
    Checkpoint("全部反应 all reactions", lambda rs: rs),
)


def _words(reactions: Sequence[tuple[float, str]]) -> list[str]:
    return [own_words(text) for _, text in reactions]


def fit_crowd(train: Sequence[Cascade], config: dict | None = None) -> CrowdRumourModel:
    """A class-balanced logistic regression over every training cascade at every checkpoint."""
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression

    config = {**CROWD_CONFIG, **(config or {})}
    labels = np.array([c.label for c in train] * len(CHECKPOINTS))
    if len(set(labels.tolist())) < 2:
        raise InvalidInput("training cascades need both labels 0 and 1", field="data")
    features = CrowdFeatures(config)
    words = [_words(c.reactions) for c in train]
    parts = [features.raw([c.source for c in train],
                          [_words(cp.cut(c.reactions)) if cp.name != CHECKPOINTS[-1].name else w
                           for c, w in zip(train, words)]) for cp in CHECKPOINTS]
    features.source_tfidf.fit(parts[0][0])
    features.reaction_tfidf.fit(vstack([p[1] for p in parts[1:]]))
    rows = vstack([features.combine(*p) for p in parts], format="csr")
    model = LogisticRegression(C=float(config["C"]), class_weight="balanced", max_iter=3000, solver="liblinear")
    model.fit(rows, labels)
    manifest = Manifest(task="rumour", kind="crowd", name="rumour-crowd-lr", version=new_version(),
                        files=(WEIGHTS,), config=config)
    return CrowdRumourModel(manifest, features.source_tfidf.idf_, features.reaction_tfidf.idf_, model.coef_[0],
                            float(model.intercept_[0]))


def evaluate_checkpoints(model: CrowdRumourModel, cascades: Sequence[Cascade]) -> list[tuple[str, Scores]]:
    """Accuracy and macro-F1 at each checkpoint, in the order of ``CHECKPOINTS``."""
    labels = [c.label for c in cascades]
    figures = []
    for checkpoint in CHECKPOINTS:
        reactions = [[Reaction(text, t) for t, text in checkpoint.cut(c.reactions)] for c in cascades]
        figures.append((checkpoint.name, score(labels, model.predict_proba([c.source for c in cascades],
                                                                           reactions))))
    return figures


def split_cascades(cascades: Sequence[Cascade]) -> tuple[list[Cascade], list[Cascade]]:
    """(train, held-out) by a hash of the event id."""
    train = [c for c in cascades if not held_out(c.event_id)]
    return train, [c for c in cascades if held_out(c.event_id)]


def train_crowd(data_file: str | Path, out: str | Path) -> tuple[Manifest, list[tuple[str, Scores]]]:
    """Train on the training events of the cascades file, measure on the held-out events, write ``out``."""
    started = time.monotonic()
    train, test = split_cascades(read_cascades(data_file))
    model = fit_crowd(train)
    seconds = time.monotonic() - started
    figures = evaluate_checkpoints(model, test)
    metrics = {"held_out": {name.split(" ", 1)[1]: s.as_dict() for name, s in figures},
               "dev": figures[-1][1].as_dict(), "train_rows": len(train), "train_seconds": round(seconds, 1),
               "dev_split": "md5(event_id) < 0.20, whole events"}
    model.manifest = Manifest(**{**model.manifest.__dict__, "metrics": metrics,
                                 "training_data": (Path(data_file).name,)})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out)
    save_manifest(out, model.manifest)
    return model.manifest, figures
