"""The analysis pipeline: one call turns a batch of posts into schools, sentiment, rumour risk, incident
types and the words that clustering compares; ``open_book`` starts the incremental clustering of analysed
posts into events for one monitoring round.

``Pipeline`` is what ``core.monitoring`` calls an ``Analyser`` and ``ClusterBook`` its ``EventBook``: they
read and return ``core`` types and never touch a store or a setting. ``model_version`` names every model and
rule set in the pipeline, so that a post enriched by another version is enriched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Sequence

from core.errors import ConfigurationError
from core.event import Event
from core.post import NEGATIVE_BELOW, Enrichment, Post
from core.profile import Profile
from nlp.classifiers import TextClassifier, load_classifier
from nlp.events import EventClusterer, EventSettings, Signal, schools_in_context, summarise
from nlp.incident import IncidentResult, classify_incidents
from nlp.models import shipped_model_dir
from nlp.crowd import Reaction
from nlp.rumour import RumourResult, RumourScorer
from nlp.schools import SchoolMatcher
from nlp.segment import Segmenter, make_segmenter
from nlp.severity import Severity, extract as extract_severity
from nlp.sentiment import SentimentAnalyser, SentimentResult

NEUTRAL_OFF = "off"                  # the sentiment_neutral_model setting that turns the neutral class off

# Bumped when the rules (gazetteer, lexicon, cues, clustering, text clean-up) change in a way that should
# re-score posts. rules2: traditional characters by OpenCC and HTML by core.text (about 2 % of posts read
# differently). rules3: reactions join their source's event, incident signals type a post ``other``,
# ambiguous aliases need word boundaries.
RULES_VERSION = "rules3"
WORDS_CHARS = 100
# A post with this many reposts, comments and likes is an incident signal by itself (incident_signal).
HIGH_ENGAGEMENT = 200
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
    severity: Severity = Severity()


def analysis_text(post: Post) -> str:
    """Title and text. A repost or comment says little alone ("转发微博"); it takes its source's event and
    schools through ``Post.parent_id`` (``ClusterBook``), not through its words."""
    return "\n".join(p for p in (post.title, post.text) if p)


def incident_signal(post: Post, analysis: "Analysis") -> list[str]:
    """Why a post that names one of our schools but no incident type still looks like an incident (Chinese,
    for the reviewer): a negative tone, words of harm, many reactions, rumour cues. Empty: none of them."""
    signals = []
    if analysis.sentiment.score < NEGATIVE_BELOW:
        signals.append("负面情绪")
    if analysis.severity.casualties or analysis.severity.has("sexual") or analysis.severity.has("crowd"):
        signals.append("伤亡或严重情节用语")
    if post.engagement >= HIGH_ENGAGEMENT:
        signals.append(f"互动 {post.engagement} 次")
    if analysis.rumour.cues or analysis.rumour.score >= 0.5:
        signals.append("谣言特征")
    return signals


class Pipeline:
    """The loaded models and rules for one county profile (``core.monitoring.Analyser``)."""

    def __init__(self, profile: Profile, sentiment: TextClassifier, rumour: TextClassifier | None,
                 events: EventSettings | None = None, segmenter: Segmenter | None = None,
                 neutral: TextClassifier | None = None):
        self.profile = profile
        # The runtime hands in the segmenter its post store indexes with, so both split words alike.
        self.segmenter = segmenter or make_segmenter(profile)
        self.matcher = SchoolMatcher(profile)
        self.sentiment = SentimentAnalyser(sentiment, neutral)
        self.rumour = RumourScorer(rumour)
        self.events = events or event_settings(profile)
        parts = [RULES_VERSION, *self.sentiment.labels]
        if rumour is not None:
            parts.append(f"rumour={rumour.manifest.label}")
        self.model_version = ";".join(parts)

    @property
    def event_window(self) -> timedelta:
        """A post may join an event whose posts are at most this far from it in time."""
        return timedelta(hours=self.events.window_hours)

    def words(self, text: str) -> frozenset[str]:
        """Content words (two characters or more) of the head of a post, for comparing posts: the first
        ``WORDS_CHARS`` characters say what a post is about, and segmenting is the costliest step."""
        return frozenset(w for w in self.segmenter(text[:WORDS_CHARS], hmm=False)
                         if len(w) >= 2 and w not in _STOP and not w.isdigit())

    def analyse(self, posts: Sequence[Post]) -> list[Analysis]:
        texts = [analysis_text(p) for p in posts]
        sentiments = self.sentiment.score_many(texts)
        rumours = self.rumour.score_many(texts)
        # The whole batch at once: the incident model's n-gram features cost little per text, much per call.
        incidents = classify_incidents(texts)
        results = []
        for text, sentiment, rumour, incident in zip(texts, sentiments, rumours, incidents):
            matches = self.matcher.match(text)
            schools = tuple(dict.fromkeys(m.school_id for m in matches))
            weak = tuple(s for s in self.matcher.weak_school_ids(text) if s not in schools)
            # Only a post that names a school can join an event, so only such a post needs its words.
            words = self.words(text) if schools or weak else frozenset()
            results.append(Analysis(schools, weak, tuple(m.reason for m in matches), sentiment, rumour,
                                    incident, words, extract_severity(text)))
        return results

    def enrichment(self, analysis: Analysis, schools: tuple[str, ...], event_id: str | None,
                   now: datetime, incident_types: tuple[str, ...] | None = None) -> Enrichment:
        """What a post records of its analysis: ``schools`` as its event puts them in context;
        ``incident_types`` when clustering typed it (``other`` on an incident signal), else the analysis's."""
        return Enrichment(
            model_version=self.model_version, schools=schools, sentiment=analysis.sentiment.score,
            rumour_score=analysis.rumour.score, rumour_cues=analysis.rumour.cues,
            incident_types=analysis.incident.types if incident_types is None else incident_types,
            incident_terms=analysis.incident.terms, event_id=event_id, enriched_at=now)

    def open_book(self) -> "ClusterBook":
        """An empty book for one round; the caller makes the stored events known with ``add_events``."""
        return ClusterBook(self)


class ClusterBook:
    """Incremental clustering of analysed posts into events for one round (``core.monitoring.EventBook``).

    It holds no store: the monitoring service feeds it the stored events the round's posts could join and
    saves the events and enrichment it returns. A post already a member of a known event (re-enriched after
    an edit or a crash) stays in its event when it still fits and moves otherwise; it is never counted twice.
    """

    def __init__(self, pipeline: Pipeline):
        self._pipeline = pipeline
        self._clusterer = EventClusterer(pipeline.events, words_of=pipeline.words)

    def add_events(self, events: Iterable[Event]) -> None:
        """Make stored events known (events already known keep their in-memory state)."""
        self._clusterer.add_events(events)

    def enrich(self, posts: Sequence[Post], now: datetime) -> tuple[dict[str, Enrichment], set[str]]:
        """Each post's enrichment by id (its event set) and the ids of every event the batch changed.

        Posts are placed oldest first, so a source is placed before the reactions to it in the same batch. A
        reaction (``Post.parent_id``) whose source belongs to a known event joins that event and takes its
        schools; one whose source is not placed yet is placed on its own words for now (the monitoring round
        joins it once the source is); it records its source's incident types when it names none itself. A
        post naming a school and showing an incident signal without a type is clustered as ``other``, so it
        founds or joins an event rather than being lost (the event is typed ``other`` until a post names a
        type; the post itself records only the types it names)."""
        touched: set[str] = set()
        enrichments: dict[str, Enrichment] = {}
        ordered = sorted(posts, key=lambda p: (p.published_at, p.id))
        for post, analysis in zip(ordered, self._pipeline.analyse(ordered)):
            types = analysis.incident.types
            if not types and analysis.schools and incident_signal(post, analysis):
                types = ("other",)
            signal = Signal(post.id, post.published_at, analysis.schools, types, analysis.weak_schools,
                            analysis.words)
            source_event = self._clusterer.event_of(post.parent_id) if post.parent_id else None
            recorded = analysis.incident.types
            if source_event is not None:
                event_id, changed = source_event, self._clusterer.join(signal, source_event)
                schools = tuple(dict.fromkeys((*self._clusterer.schools_of(event_id), *analysis.schools)))
                # A repost of a canteen rumour is about the canteen: it says what its source says.
                recorded = recorded or tuple(t for t in self._clusterer.types_of(event_id) if t != "other")
            else:
                event_id, changed = self._clusterer.assign(signal)
                schools = schools_in_context(signal, self._clusterer.schools_of(event_id))
            touched |= changed
            enrichments[post.id] = self._pipeline.enrichment(analysis, schools, event_id, now, recorded)
        return enrichments, touched

    def members(self, event_id: str) -> list[str]:
        """Post ids of an event as the book knows it now (empty for an event that lost every post)."""
        return self._clusterer.members(event_id)

    def crowd_rumour(self, source: Post, reactions: Sequence[Post]) -> tuple[float, tuple[str, ...]]:
        """The source's rumour risk read with its reposts, comments and replies so far (the crowd model:
        doubt, requests to verify, rebuttals), with the cues that say why."""
        timed = [Reaction(r.text, max(0.0, (r.published_at - source.published_at).total_seconds()))
                 for r in sorted(reactions, key=lambda r: r.published_at)]
        result = self._pipeline.rumour.score_with_reactions(analysis_text(source), timed)
        return result.score, result.cues

    def summarise(self, event_id: str, members: Sequence[tuple[Post, Enrichment]], now: datetime,
                  previous: Event | None) -> Event:
        """The event's figures, heat and grade; ``previous`` (the stored event) keeps its detection time."""
        return summarise(event_id, members, self._pipeline.events, now, previous)


def event_settings(profile: Profile, *, window_hours: float = EventSettings.window_hours,
                   growth_hours: float = EventSettings.growth_hours,
                   grade_iii_heat: float = EventSettings.grade_thresholds[0],
                   grade_ii_heat: float = EventSettings.grade_thresholds[1],
                   grade_i_heat: float = EventSettings.grade_thresholds[2]) -> EventSettings:
    """Clustering and grading settings from the values of the ``nlp_*`` settings (named after them; the
    defaults are theirs) and the profile's source weights. Raises ConfigurationError naming the settings
    when the thresholds are out of order or a time span is not positive."""
    thresholds = (float(grade_iii_heat), float(grade_ii_heat), float(grade_i_heat))
    if not thresholds[0] <= thresholds[1] <= thresholds[2]:
        raise ConfigurationError(f"settings nlp_grade_iii_heat <= nlp_grade_ii_heat <= nlp_grade_i_heat must hold; "
                                 f"got {thresholds[0]:g}, {thresholds[1]:g}, {thresholds[2]:g}")
    if not (float(window_hours) > 0 and float(growth_hours) > 0):
        raise ConfigurationError("settings nlp_event_window_hours and nlp_growth_hours must be positive; "
                                 f"got {float(window_hours):g} and {float(growth_hours):g}")
    return EventSettings(window_hours=float(window_hours), growth_hours=float(growth_hours),
                         grade_thresholds=thresholds, source_weights={s.name: s.weight for s in profile.sources})


def load_pipeline(profile: Profile, *, sentiment_dir: str | Path = "", rumour_dir: str | Path = "",
                  events: EventSettings | None = None, segmenter: Segmenter | None = None,
                  neutral_dir: str | Path = "") -> Pipeline:
    """A pipeline over model folders; empty paths mean the models shipped in ``nlp/models``; ``neutral_dir``
    "off" scores sentiment with the polarity model alone (two classes). ``events`` (from ``event_settings``)
    defaults to the settings' defaults; ``segmenter`` to one made from the profile."""
    sentiment = load_classifier(sentiment_dir or shipped_model_dir("sentiment"), "sentiment")
    rumour = load_classifier(rumour_dir or shipped_model_dir("rumour"), "rumour")
    return Pipeline(profile, sentiment, rumour, events, segmenter, neutral=load_neutral(neutral_dir))


def load_neutral(neutral_dir: str | Path = "") -> TextClassifier | None:
    """The neutral model of a folder (empty: the shipped one); None for "off"."""
    if str(neutral_dir).strip().lower() == NEUTRAL_OFF:
        return None
    return load_classifier(neutral_dir or shipped_model_dir("neutral"), "neutral")
