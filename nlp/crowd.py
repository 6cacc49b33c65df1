"""Rumour risk from the crowd's reaction: a source post's text plus what its reposts and comments say so far.

A linear model over three groups of features, trained on real Weibo cascades (``nlp.training.crowd``):

- the source text's character n-grams;
- the reactions' own words (a repost's comment without the ``//@`` chain it quotes), character n-grams of
  all of them together, so that 质疑, 求证, 辟谣, 假的, 造谣, 官方辟谣 and their like weigh in;
- the shares of reactions that doubt, ask for verification, or rebut, and how many reactions there are.

The score is updated as reactions arrive: call ``score`` again with the reactions known by then. With no
reactions it reads the source alone. Stored as ``weights.npz`` (idf and coefficients) beside a manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from core.errors import ConfigurationError
from nlp.classifiers.classical import damped_counts, make_hashing_vectorizer, make_tfidf
from nlp.models import Manifest, read_manifest, shipped_model_dir
from nlp.text import clean

WEIGHTS = "weights.npz"
MAX_REACTIONS = 5000            # the earliest this many reactions are read; later ones add little and cost time
MAX_REACTION_CHARS = 200        # of one reaction's own words
BARE_REPOST = re.compile(r"^(?:转发微博|轉發微博|repost|Repost)?[。.！!]*$")
_QUOTED_CHAIN = re.compile(r"//\s*@.*$", re.S)
# What a crowd says when it doubts a story, asks for proof or passes on a rebuttal (the features' names are
# what a reviewer reads).
REACTION_CUES = {
    "质疑": re.compile(r"假的|不是真的|真的假的|真假|假新闻|骗人|忽悠|扯淡|胡扯|瞎说|不可能|不信|谣|PS|ps|P的|p的|炒作|标题党"),
    "求证": re.compile(r"求证|求真相|真的吗|是真的吗|真的么|有没有|确定吗|求辟谣|出处|来源|证实|核实"),
    "辟谣": re.compile(r"辟谣|造谣|谣言|不实|澄清|已证实.{0,4}假|官方.{0,6}(?:回应|否认|通报|声明)|假消息|别信|别转|删了吧"),
}
CUE_NAMES = tuple(REACTION_CUES)


@dataclass(frozen=True)
class Reaction:
    """A repost or comment: its text and its time in seconds after the source was posted."""

    text: str
    seconds: float = 0.0


@dataclass(frozen=True)
class CrowdResult:
    score: float                   # 0..1, the probability that the source is a rumour
    reactions: int                 # how many reactions were read
    cues: tuple[str, ...] = ()     # "评论质疑：3/20" for each kind of reaction cue found


def own_words(text: str) -> str:
    """A reaction's own words: cleaned, without the quoted chain, empty for a bare repost."""
    body = clean(_QUOTED_CHAIN.sub("", text or "")).text.strip()
    return "" if BARE_REPOST.match(body) else body[:MAX_REACTION_CHARS]


def reaction_stats(words: Sequence[str]) -> np.ndarray:
    """Share of reactions with each cue, share of bare reposts, log(1 + reactions), and no-reaction flag."""
    total = len(words)
    said = [w for w in words if w]
    shares = [sum(1 for w in said if pattern.search(w)) / max(1, total) for pattern in REACTION_CUES.values()]
    bare = (total - len(said)) / max(1, total)
    return np.array([*shares, bare, np.log1p(total) / 8.0, 1.0 if total == 0 else 0.0], dtype=np.float32)


N_STATS = len(CUE_NAMES) + 3


class CrowdFeatures:
    """Source n-grams | reaction n-grams | reaction statistics, as one sparse row per cascade."""

    def __init__(self, config: dict, source_idf: np.ndarray | None = None, reaction_idf: np.ndarray | None = None):
        self.config = config
        self.vectorizer = make_hashing_vectorizer(config)
        self.source_tfidf = make_tfidf(source_idf)
        self.reaction_tfidf = make_tfidf(reaction_idf)

    def raw(self, sources: Sequence[str], reactions: Sequence[Sequence[str]]):
        """Damped counts of sources and of joined reaction words, and the statistics rows."""
        source_counts = damped_counts(self.vectorizer, [clean(s).text for s in sources], self.config)
        joined = [" ".join(w for w in words if w) for words in reactions]
        reaction_counts = damped_counts(self.vectorizer, joined, self.config)
        stats = np.vstack([reaction_stats(words) for words in reactions]) if reactions else \
            np.zeros((0, N_STATS), dtype=np.float32)
        return source_counts, reaction_counts, stats

    def combine(self, source_counts, reaction_counts, stats):
        from scipy.sparse import csr_matrix, hstack   # scipy comes with scikit-learn; imported when used

        return hstack([self.source_tfidf.transform(source_counts, copy=False),
                       self.reaction_tfidf.transform(reaction_counts, copy=False),
                       csr_matrix(stats * float(self.config.get("stats_scale", 1.0)))], format="csr")


class CrowdRumourModel:
    """P(rumour) of a source post given the reactions seen so far."""

    def __init__(self, manifest: Manifest, source_idf: np.ndarray, reaction_idf: np.ndarray, coef: np.ndarray,
                 intercept: float):
        self.manifest = manifest
        self.features = CrowdFeatures(manifest.config, source_idf, reaction_idf)
        self.coef = coef.astype(np.float32)
        self.intercept = float(intercept)

    def predict_proba(self, sources: Sequence[str], reactions: Sequence[Sequence[Reaction]]) -> np.ndarray:
        """P(rumour) of each source with its reactions (at most ``MAX_REACTIONS`` of the earliest)."""
        if len(sources) != len(reactions):
            raise ValueError("one list of reactions per source")
        if not len(sources):
            return np.zeros(0)
        words = [[own_words(r.text) for r in _earliest(rs)] for rs in reactions]
        rows = self.features.combine(*self.features.raw(sources, words))
        scores = rows @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))

    def score(self, source: str, reactions: Iterable[Reaction] = ()) -> CrowdResult:
        """The rumour score of one source post with the reactions known so far, and the cues found in them."""
        reactions = _earliest(list(reactions))
        p = float(self.predict_proba([source], [reactions])[0])
        return CrowdResult(round(p, 4), len(reactions), reaction_cues([own_words(r.text) for r in reactions]))

    def save(self, folder: Path) -> None:
        np.savez_compressed(folder / WEIGHTS, source_idf=self.features.source_tfidf.idf_,
                            reaction_idf=self.features.reaction_tfidf.idf_, coef=self.coef,
                            intercept=np.array([self.intercept]))

    @classmethod
    def load(cls, folder: str | Path) -> "CrowdRumourModel":
        folder = Path(folder)
        manifest = read_manifest(folder, "rumour")
        if manifest.kind != "crowd":
            raise ConfigurationError(f"model folder {folder} holds a {manifest.kind} model, not a crowd model")
        try:
            with np.load(folder / WEIGHTS, allow_pickle=False) as data:
                return cls(manifest, data["source_idf"], data["reaction_idf"], data["coef"],
                           float(data["intercept"][0]))
        except (OSError, KeyError, ValueError) as error:
            raise ConfigurationError(f"model weights {folder / WEIGHTS} cannot be read: {error}") from None


def _earliest(reactions: Sequence) -> list[Reaction]:
    parsed = [r if isinstance(r, Reaction) else Reaction(*r) for r in reactions]
    return sorted(parsed, key=lambda r: r.seconds)[:MAX_REACTIONS]


def reaction_cues(words: Sequence[str]) -> tuple[str, ...]:
    """"评论质疑：3/20" for each kind of cue some reactions carry."""
    total = len(words)
    found = []
    for name, pattern in REACTION_CUES.items():
        hits = sum(1 for w in words if w and pattern.search(w))
        if hits:
            found.append(f"评论{name}：{hits}/{total}")
    return tuple(found)


@lru_cache(maxsize=1)
def shipped_crowd_model() -> CrowdRumourModel:
    """The crowd model that ships with yuqing (``nlp/models/rumour-crowd``), loaded once per process."""
    return CrowdRumourModel.load(shipped_model_dir("rumour", "crowd"))


def crowd_rumour_score(source_text: str, reactions: Iterable[Reaction | tuple[str, float]] = (),
                       model: CrowdRumourModel | None = None) -> CrowdResult:
    """Rumour score of a source post given its reposts and comments so far (``Reaction(text, seconds)`` or
    ``(text, seconds)`` pairs, seconds after the source). Never raises on odd text; an empty list reads the
    source alone."""
    return (model or shipped_crowd_model()).score(source_text, reactions)
