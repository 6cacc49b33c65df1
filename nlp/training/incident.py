"""Training and measuring the incident typer on our labelled real posts (``nlp.training.incident_data``).

The held-out part is chosen by a hash of each post's root, the text a repost chain ends with ("…//@a: …//@b:
ROOT"), so that reposts of one story never sit on both sides. Figures: precision, recall and F1 per type,
their macro average over the types present in the held-out part, and micro precision/recall over (post, type)
pairs, the per-post figures of the issue.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import InvalidInput
from core.vocabulary import INCIDENT_TYPES
from nlp.classifiers.classical import damped_counts, make_hashing_vectorizer
from nlp.incident import classify_incidents
from nlp.incident_lexicon import content_of
from nlp.incident_model import ANY_HEAD, WEIGHTS, IncidentModel, lexicon_features
from nlp.models import Manifest, new_version, save_manifest
from nlp.text import clean
from nlp.training.incident_data import LabelledPost

INCIDENT_CONFIG = {"ngram_range": [1, 3], "n_features": 2 ** 20, "sublinear_tf": True, "C": 4.0,
                   "lexicon_scale": 1.0, "min_positives": 8, "balanced": 1.0}
HELD_OUT_FRACTION = 0.25
_CHAIN = re.compile(r"//\s*@?[^:：/]{0,30}[:：]")


def story_of(text: str) -> str:
    """The root a repost chain ends with, its first 30 characters without punctuation or emoticons."""
    root = _CHAIN.split(text)[-1]
    return re.sub(r"\W|\[[^\]]{1,6}\]", "", root)[:30]


def in_held_out(post: LabelledPost, fraction: float = HELD_OUT_FRACTION) -> bool:
    digest = hashlib.md5(story_of(post.text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 1000 < fraction * 1000


def split_labelled(posts: Sequence[LabelledPost]) -> tuple[list[LabelledPost], list[LabelledPost]]:
    return [p for p in posts if not in_held_out(p)], [p for p in posts if in_held_out(p)]


def fit_incident(train: Sequence[LabelledPost], config: dict | None = None) -> IncidentModel:
    """One class-balanced logistic regression per type with enough examples, and the any-incident head."""
    from scipy.sparse import csr_matrix, diags, hstack
    from sklearn.linear_model import LogisticRegression

    config = {**INCIDENT_CONFIG, **(config or {})}
    texts = [clean(content_of(p.text)).text for p in train]
    counts = damped_counts(make_hashing_vectorizer(config), texts, config).tocsc()
    columns = np.flatnonzero(counts.getnnz(axis=0))
    counts = counts[:, columns].tocsr()
    document_frequency = np.bincount(counts.indices, minlength=len(columns))
    idf = (np.log((1 + len(texts)) / (1 + document_frequency)) + 1).astype(np.float32)
    weighted = counts @ diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    rows = hstack([diags(1.0 / np.maximum(norms, 1e-12)) @ weighted,
                   csr_matrix(lexicon_features(texts, float(config["lexicon_scale"])))], format="csr")
    targets = {kind: np.array([kind in p.types for p in train], dtype=int) for kind in INCIDENT_TYPES}
    heads = [k for k in INCIDENT_TYPES if targets[k].sum() >= int(config["min_positives"])] + [ANY_HEAD]
    targets[ANY_HEAD] = np.array([bool(p.types) for p in train], dtype=int)
    if targets[ANY_HEAD].min() == targets[ANY_HEAD].max():
        raise InvalidInput("the labelled posts need both incidents and non-incidents", field="labels")
    coef, intercept = [], []
    for head in heads:
        weight = "balanced" if config["balanced"] else None
        model = LogisticRegression(C=float(config["C"]), class_weight=weight, max_iter=2000, solver="liblinear")
        model.fit(rows, targets[head])
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0])
    manifest = Manifest(task="incident", kind="multilabel", name="incident-charngram-lexicon-lr",
                        version=new_version(), files=(WEIGHTS,), config={**config, "heads": heads})
    return IncidentModel(manifest, columns, idf, np.array(coef), np.array(intercept))


@dataclass(frozen=True)
class TypeFigures:
    kind: str
    precision: float
    recall: float
    f1: float
    support: int              # held-out posts of this type


@dataclass(frozen=True)
class IncidentFigures:
    by_type: tuple[TypeFigures, ...]
    macro_f1: float           # over the types present in the held-out part
    precision: float          # micro, over (post, type) pairs
    recall: float
    n: int

    def line(self) -> str:
        """The last line ``yuqing eval incident`` prints."""
        return (f"macro_f1={self.macro_f1:.3f} precision={self.precision:.3f} recall={self.recall:.3f} "
                f"n={self.n}")

    def as_dict(self) -> dict:
        return {"macro_f1": round(self.macro_f1, 4), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "n": self.n,
                "by_type": {f.kind: {"precision": round(f.precision, 3), "recall": round(f.recall, 3),
                                     "support": f.support} for f in self.by_type}}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def measure(model: IncidentModel, posts: Sequence[LabelledPost]) -> IncidentFigures:
    """Per-type and micro figures of the model on ``posts``."""
    found = [set(r.types) for r in classify_incidents([p.text for p in posts], model)]
    return figures_of([set(p.types) for p in posts], found)


def fold_of(post: LabelledPost, folds: int) -> int:
    """The cross-validation fold of a post, by its story (another hash than the held-out part's)."""
    digest = hashlib.sha1(story_of(post.text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % folds


def cross_validate(posts: Sequence[LabelledPost], folds: int = 5, config: dict | None = None) -> IncidentFigures:
    """The recipe's figures over the training part: each fold of stories typed by a model fitted on the others.

    The held-out part of one split is a few hundred posts, a few of each rare type: one post moves its macro-F1 by
    several points. Pooling every fold's predictions types every training post once with a model that never saw
    its story, a steadier figure of how the recipe does on stories it has not seen."""
    if folds < 2:
        raise InvalidInput("cross-validation needs at least 2 folds", field="folds")
    train, _ = split_labelled(posts)
    truth: list[set[str]] = []
    found: list[set[str]] = []
    for fold in range(folds):
        fit_part = [p for p in train if fold_of(p, folds) != fold]
        test_part = [p for p in train if fold_of(p, folds) == fold]
        if not test_part:
            continue
        model = fit_incident(fit_part, config)
        found += [set(r.types) for r in classify_incidents([p.text for p in test_part], model)]
        truth += [set(p.types) for p in test_part]
    return figures_of(truth, found)


def figures_of(truth: Sequence[set[str]], found: Sequence[set[str]]) -> IncidentFigures:
    """Per-type and micro figures of found types against the true ones, post by post."""
    by_type = []
    for kind in INCIDENT_TYPES:
        tp = sum(1 for t, f in zip(truth, found) if kind in t and kind in f)
        fp = sum(1 for t, f in zip(truth, found) if kind not in t and kind in f)
        support = sum(1 for t in truth if kind in t)
        if support or fp:
            precision, recall = _ratio(tp, tp + fp), _ratio(tp, support)
            by_type.append(TypeFigures(kind, precision, recall, _ratio(2 * precision * recall, precision + recall),
                                       support))
    present = [f.f1 for f in by_type if f.support]
    tp = sum(len(t & f) for t, f in zip(truth, found))
    return IncidentFigures(tuple(by_type), float(np.mean(present)) if present else 0.0,
                           _ratio(tp, sum(len(f) for f in found)), _ratio(tp, sum(len(t) for t in truth)), len(truth))


def train_incident(posts: Sequence[LabelledPost], out: str | Path, sources: Sequence[str] = (),
                   config: dict | None = None) -> tuple[Manifest, IncidentFigures]:
    """Fit on the training part, measure on the held-out part, write the model folder ``out``."""
    started = time.monotonic()
    train, held_out = split_labelled(posts)
    model = fit_incident(train, config)
    seconds = time.monotonic() - started
    figures = measure(model, held_out)
    metrics = {"dev": figures.as_dict(), "train_rows": len(train), "train_seconds": round(seconds, 1),
               "dev_split": f"md5(story root) < {HELD_OUT_FRACTION:.2f}, reposts of a story on one side"}
    model.manifest = Manifest(**{**model.manifest.__dict__, "metrics": metrics, "training_data": tuple(sources)})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out)
    save_manifest(out, model.manifest)
    return model.manifest, figures
