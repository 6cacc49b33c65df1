"""The trained incident typer: one logistic regression per type over character n-grams and lexicon features.

Features of a post: character 1-3-grams hashed into a fixed space (TF-IDF weighted, only the columns seen in
training are stored), and per type whether its lexicon matched, whether the post has a school context, and
both together. Heads: one per type with enough labelled examples (``learned``), and ``school_incident`` (the
post reports a school incident of any type).

A type without enough examples to learn from is given, as before, by its lexicon, but only with a school
context. Stored as ``weights.npz`` (columns, idf, coefficients, intercepts; numbers only, no pickle) beside
a manifest whose config names the heads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ConfigurationError
from core.vocabulary import INCIDENT_TYPES
from nlp.classifiers.classical import damped_counts, make_hashing_vectorizer
from nlp.incident_lexicon import (DEFINING_TERMS, ROUTINE, ROUTINE_TYPES, STAFF, STAFF_VICTIM, has_school_context,
                                  lexicon_hits)
from nlp.models import Manifest, read_manifest, shipped_model_dir

WEIGHTS = "weights.npz"
ANY_HEAD = "school_incident"
THRESHOLD = 0.5


def lexicon_features(texts: Sequence[str], scale: float) -> np.ndarray:
    """Per type: lexicon matched, school context, both; one row per (cleaned) text."""
    rows = np.zeros((len(texts), 2 * len(INCIDENT_TYPES) + 1), dtype=np.float32)
    for i, text in enumerate(texts):
        hits, school = lexicon_hits(text), has_school_context(text)
        rows[i, -1] = float(school)
        for j, kind in enumerate(INCIDENT_TYPES):
            if kind in hits:
                rows[i, j] = 1.0
                rows[i, len(INCIDENT_TYPES) + j] = float(school)
    return rows * scale


class NgramSpace:
    """Hashed character n-grams restricted to the stored columns, damped, idf-weighted, unit length."""

    def __init__(self, config: dict, columns: np.ndarray, idf: np.ndarray):
        self.config = config
        self.vectorizer = make_hashing_vectorizer(config)
        self.columns = columns.astype(np.int64)
        self.idf = idf.astype(np.float32)
        self._lookup = np.full(int(config["n_features"]), -1, dtype=np.int64)
        self._lookup[self.columns] = np.arange(len(self.columns))

    def transform(self, texts: Sequence[str]):
        from scipy.sparse import csr_matrix   # scipy comes with scikit-learn; imported when a model is used

        counts = damped_counts(self.vectorizer, texts, self.config).tocsr()
        # Hashed columns -> stored columns by a lookup over the non-zeros, and the row norms by bincount:
        # selecting columns of a wide sparse matrix, or scaling it by diagonal matrices, costs milliseconds
        # per call, and the pipeline classifies posts one at a time.
        position = self._lookup[counts.indices]
        kept = position >= 0
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[kept]
        values = counts.data[kept] * self.idf[position[kept]]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=counts.shape[0]))
        values = values / np.maximum(norms[rows], 1e-12)
        return csr_matrix((values, (rows, position[kept])), shape=(counts.shape[0], len(self.columns)))


@dataclass(frozen=True)
class TypeScores:
    """The heads' probabilities for one post, and the lexicon's view of it."""

    probabilities: dict[str, float]
    hits: dict[str, list[str]]
    school: bool
    staff_victim: bool = False        # a teacher or principal is the one attacked
    routine: bool = False             # a drill or a safety lesson, not an incident
    staff: bool = True                # a member of staff is named (the actor teacher_misconduct needs)


class IncidentModel:
    """Multi-label incident types of school posts."""

    def __init__(self, manifest: Manifest, columns: np.ndarray, idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray):
        self.manifest = manifest
        self.heads: tuple[str, ...] = tuple(manifest.config["heads"])
        if coef.shape[0] != len(self.heads):
            raise ConfigurationError(f"incident model {manifest.label}: {coef.shape[0]} weight rows for "
                                     f"{len(self.heads)} heads")
        self.space = NgramSpace(manifest.config, columns, idf)
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.lexicon_threshold = float(manifest.config.get("lexicon_threshold", THRESHOLD))
        self.model_only_threshold = float(manifest.config.get("model_only_threshold", THRESHOLD))

    @property
    def learned(self) -> tuple[str, ...]:
        """The types this model learned (the others come from the lexicon with a school context)."""
        return tuple(h for h in self.heads if h != ANY_HEAD)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per head: n-gram part plus lexicon part plus intercept."""
        dense = lexicon_features(texts, float(self.manifest.config.get("lexicon_scale", 1.0)))
        width = len(self.space.columns)
        ngrams = np.asarray(self.space.transform(texts) @ self.coef[:, :width].T)
        return ngrams + dense @ self.coef[:, width:].T + self.intercept

    def score(self, texts: Sequence[str]) -> list[TypeScores]:
        """Every head's probability per cleaned text, with the lexicon hits and the school context."""
        if not len(texts):
            return []
        logits = self.logits(texts)
        proba = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        return [TypeScores({h: float(p) for h, p in zip(self.heads, row)}, lexicon_hits(t), has_school_context(t),
                           bool(STAFF_VICTIM.search(t)), bool(ROUTINE.search(t)), bool(STAFF.search(t)))
                for t, row in zip(texts, proba)]

    def types(self, scores: TypeScores) -> list[str]:
        """The types of one post, in the vocabulary's order (``other`` only when no specific type)."""
        if not scores.school:
            return []
        found = set()
        for kind in INCIDENT_TYPES:
            if kind == "other":
                continue
            if kind in scores.probabilities:
                # A learned type needs its own words to be given at a lower probability than without them.
                needed = self.lexicon_threshold if kind in scores.hits else self.model_only_threshold
                defining = DEFINING_TERMS.get(kind)
                if scores.probabilities[kind] >= needed or (
                        defining is not None and any(defining.fullmatch(t) for t in scores.hits.get(kind, ()))):
                    found.add(kind)
            elif kind in scores.hits:
                found.add(kind)
        if scores.staff_victim:
            # A teacher or principal attacked: violence done to staff, not misconduct by them.
            if "teacher_misconduct" not in scores.hits:
                found.discard("teacher_misconduct")
            if "violence" in scores.hits:
                found.add("violence")
        if not scores.staff:
            # Misconduct by staff needs staff: a rape case discussed by "同学们" or in "大学法基" is not one.
            found.discard("teacher_misconduct")
        if scores.routine:
            found -= set(ROUTINE_TYPES)
        if not found and not scores.routine and (scores.probabilities.get("other", 0.0) >= THRESHOLD or
                          ("other" not in scores.probabilities and "other" in scores.hits)):
            found.add("other")
        return [k for k in INCIDENT_TYPES if k in found]

    def save(self, folder: Path) -> None:
        np.savez_compressed(folder / WEIGHTS, columns=self.space.columns.astype(np.int32), idf=self.space.idf,
                            coef=self.coef.astype(np.float16), intercept=self.intercept)

    @classmethod
    def load(cls, folder: str | Path) -> "IncidentModel":
        folder = Path(folder)
        manifest = read_manifest(folder, "incident")
        if manifest.kind != "multilabel":
            raise ConfigurationError(f"model folder {folder} holds a {manifest.kind} model, not incident types")
        try:
            with np.load(folder / WEIGHTS, allow_pickle=False) as data:
                return cls(manifest, data["columns"], data["idf"], data["coef"].astype(np.float32),
                           data["intercept"])
        except (OSError, KeyError, ValueError) as error:
            raise ConfigurationError(f"model weights {folder / WEIGHTS} cannot be read: {error}") from None


@lru_cache(maxsize=1)
def shipped_incident_model() -> IncidentModel:
    """The incident model that ships with yuqing (``nlp/models/incident``), loaded once per process."""
    return IncidentModel.load(shipped_model_dir("incident"))
