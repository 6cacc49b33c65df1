"""The analysis pipeline: one call turns a batch of posts into schools, sentiment, rumour risk, incident
types and the words that clustering compares. ``model_version`` names every model in it, so that a post
enriched by another version is enriched again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from core.errors import ConfigurationError
from core.post import Post
from core.profile import Profile
from core.settings import SETTINGS, load_settings
from nlp.classifiers import TextClassifier, load_classifier
from nlp.events import EventSettings
from nlp.incident import IncidentResult, classify_incident
from nlp.models import shipped_model_dir
from nlp.rumour import RumourResult, RumourScorer
from nlp.schools import SchoolMatcher
from nlp.segment import Segmenter, make_segmenter
from nlp.sentiment import SentimentAnalyser, SentimentResult

# Bumped when the rules (gazetteer, lexicon, cues, clustering) change in a way that should re-score posts.
RULES_VERSION = "rules1"
WORDS_CHARS = 100
_STOP = frozenset("的 了 是 在 有 和 就 都 也 还 又 我 你 他 她 们 这 那 吗 吧 呢 啊 个 说 去 到 被 给 让 把 与 及 一个 没有 什么 今天 大家".split())


@dataclass(frozen=True)
class Analysis:
    schools: tuple[str, ...]
    weak_schools: tuple[str, ...]
    school_reasons: tuple[str, ...]
    sentiment: SentimentResult
    rumour: RumourResult
    incident: IncidentResult
    words: frozenset[str]


def analysis_text(post: Post) -> str:
    """Title, text and, for a Weibo repost, the text it reposts (a bare "转发微博" says nothing alone)."""
    parts = [post.title, post.text]
    retweeted = post.raw.get("retweeted_status") if isinstance(post.raw, dict) else None
    if isinstance(retweeted, dict) and isinstance(retweeted.get("text"), str):
        parts.append(retweeted["text"])
    return "\n".join(p for p in parts if p)


class Pipeline:
    def __init__(self, profile: Profile, sentiment: TextClassifier, rumour: TextClassifier | None,
                 events: EventSettings | None = None, segmenter: Segmenter | None = None):
        self.profile = profile
        self.segmenter = segmenter or make_segmenter(profile)
        self.matcher = SchoolMatcher(profile)
        self.sentiment = SentimentAnalyser(sentiment)
        self.rumour = RumourScorer(rumour)
        self.events = events or EventSettings(source_weights={s.name: s.weight for s in profile.sources})
        parts = [RULES_VERSION, f"sentiment={sentiment.manifest.label}"]
        if rumour is not None:
            parts.append(f"rumour={rumour.manifest.label}")
        self.model_version = ";".join(parts)

    def words(self, text: str) -> frozenset[str]:
        """Content words (two characters or more) of the head of a post, for comparing posts: the first
        ``WORDS_CHARS`` characters say what a post is about, and segmenting is the costliest step."""
        return frozenset(w for w in self.segmenter(text[:WORDS_CHARS], hmm=False) if len(w) >= 2 and w not in _STOP and not w.isdigit())

    def analyse(self, posts: Sequence[Post]) -> list[Analysis]:
        texts = [analysis_text(p) for p in posts]
        sentiments = self.sentiment.score_many(texts)
        rumours = self.rumour.score_many(texts)
        results = []
        for text, sentiment, rumour in zip(texts, sentiments, rumours):
            matches = self.matcher.match(text)
            schools = tuple(dict.fromkeys(m.school_id for m in matches))
            weak = tuple(s for s in self.matcher.weak_school_ids(text) if s not in schools)
            # Only a post that names a school can join an event, so only such a post needs its words.
            words = self.words(text) if schools or weak else frozenset()
            results.append(Analysis(schools, weak, tuple(m.reason for m in matches), sentiment, rumour,
                                    classify_incident(text), words))
        return results


def event_settings(profile: Profile, settings: Mapping[str, Any] | None = None) -> EventSettings:
    """Clustering and grading settings from the ``nlp_*`` settings (their defaults when not given) and the
    profile's source weights."""
    values = {s.name: s.default for s in SETTINGS}
    values.update(settings or {})
    thresholds = tuple(float(values[f"nlp_grade_{g}_heat"]) for g in ("iii", "ii", "i"))
    if not thresholds[0] <= thresholds[1] <= thresholds[2]:
        raise ConfigurationError(f"settings nlp_grade_iii_heat <= nlp_grade_ii_heat <= nlp_grade_i_heat must hold; "
                                 f"got {thresholds[0]:g}, {thresholds[1]:g}, {thresholds[2]:g}")
    window, growth = float(values["nlp_event_window_hours"]), float(values["nlp_growth_hours"])
    if window <= 0 or growth <= 0:
        raise ConfigurationError("settings nlp_event_window_hours and nlp_growth_hours must be positive")
    return EventSettings(window_hours=window, growth_hours=growth, grade_thresholds=thresholds,
                         source_weights={s.name: s.weight for s in profile.sources})


def load_pipeline(profile: Profile, sentiment_dir: str | Path = "", rumour_dir: str | Path = "",
                  settings: Mapping[str, Any] | None = None) -> Pipeline:
    """A pipeline over model folders; empty paths mean the models shipped in ``nlp/models``. ``settings``
    (the resolved settings) gives the event window and grade thresholds; without it they are resolved
    from the config file and the environment as ``yuqing`` does (``core.settings.load_settings``)."""
    if settings is None:
        settings = load_settings()
    sentiment = load_classifier(sentiment_dir or shipped_model_dir("sentiment"), "sentiment")
    rumour = load_classifier(rumour_dir or shipped_model_dir("rumour"), "rumour")
    return Pipeline(profile, sentiment, rumour, event_settings(profile, settings))
