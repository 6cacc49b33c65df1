"""Events: incremental clustering of posts (same incident, same school, close in time), heat and grade.

``EventClusterer`` keeps the open events in memory and is rebuilt from stored events (``core.event.Event``)
after a restart: an event's schools, incident types, times and post ids are all it needs. A post that is
already a member (re-enriched after an edit or a crash) stays in its event when it still fits and moves
otherwise. ``summarise`` computes an event's figures, heat and grade from its member posts.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping, Sequence

from core.event import Event, TimelinePoint
from core.post import Enrichment, Post
from core.vocabulary import GRADE_NAMES, INCIDENT_NAMES
from nlp.severity import GRADE_ORDER, Severity, extract, floor_grade, merged

# Types that describe how an incident is reacted to rather than what happened: a protest about a canteen
# belongs with the canteen incident.
SECONDARY_TYPES = frozenset({"school_disruption", "other"})
SEVERE_TYPES = frozenset({"drowning", "fire", "self_harm", "sexual_misconduct"})
RUMOUR_FLAG = 0.5                          # a post whose rumour risk is at least this counts as suspected rumour
# Types that posts about one incident often mix: a beating in a dormitory is told as bullying by some and
# as violence by others; a canteen scare as food safety or as an illness.
RELATED_TYPES = (frozenset({"bullying", "violence", "sexual_misconduct"}), frozenset({"food_safety", "disease"}),
                 frozenset({"teacher_misconduct", "fees_corruption", "violence", "sexual_misconduct"}),
                 frozenset({"traffic", "other"}), frozenset({"self_harm", "bullying"}))


@dataclass(frozen=True)
class EventSettings:
    window_hours: float = 72.0             # a post joins an event within this time of its first/last post
    growth_hours: float = 6.0              # growth compares the last N hours with the N hours before
    grade_thresholds: tuple[float, float, float] = (30.0, 55.0, 80.0)   # heat for III, II, I
    source_weights: Mapping[str, float] = field(default_factory=dict)   # by post.source; default 1.0
    min_similarity: float = 0.25           # word overlap a post without a school needs to join an event


@dataclass(frozen=True)
class Signal:
    """What clustering reads from one analysed post."""

    post_id: str
    at: datetime
    schools: tuple[str, ...]
    incident_types: tuple[str, ...]
    weak_schools: tuple[str, ...] = ()     # ambiguous aliases seen without county context
    words: frozenset[str] = frozenset()


@dataclass
class _Open:
    id: str
    schools: set[str]
    types: set[str]
    first_seen: datetime
    last_seen: datetime
    post_ids: list[str]
    words: Counter = field(default_factory=Counter)


def schools_in_context(signal: "Signal", event_schools: frozenset[str]) -> tuple[str, ...]:
    """A post's schools, plus those it names only ambiguously (二小) when its event is about that school:
    the event supplies the county context the post itself lacks."""
    return signal.schools + tuple(s for s in signal.weak_schools if s in event_schools and s not in signal.schools)


def event_id_for(post_id: str) -> str:
    """Stable id of the event that a post founded."""
    return "evt-" + hashlib.sha1(post_id.encode("utf-8")).hexdigest()[:12]


class EventClusterer:
    def __init__(self, settings: EventSettings, events: Iterable[Event] = (), words_of=None):
        self.settings = settings
        self._words_of = words_of or (lambda text: frozenset())
        self._open: dict[str, _Open] = {}
        self._member: dict[str, str] = {}
        self._by_school: dict[str, set[str]] = {}
        self.add_events(events)

    def add_events(self, events: Iterable[Event]) -> None:
        """Make stored events known; events already known keep their in-memory state."""
        for event in events:
            if event.id in self._open:
                continue
            state = _Open(event.id, set(event.schools), set(event.incident_types), event.first_seen,
                          event.last_seen, list(event.post_ids), Counter(self._words_of(event.title)))
            self._open[event.id] = state
            self._index(state)
            for post_id in event.post_ids:
                self._member[post_id] = event.id

    def members(self, event_id: str) -> list[str]:
        state = self._open.get(event_id)
        return list(state.post_ids) if state else []

    def assign(self, signal: Signal) -> tuple[str | None, set[str]]:
        """The event this post belongs to (None: no event) and the ids of every event it changed."""
        touched: set[str] = set()
        current = self._member.get(signal.post_id)
        if current in self._open:
            state = self._open[current]
            if self._score(state, signal, member=True) > 0:
                self._add(state, signal)
                return current, {current}
            self._remove(state, signal.post_id)
            touched.add(current)
        best, best_score = None, 0.0
        for state in self._candidates(signal):
            value = self._score(state, signal)
            if value > best_score:
                best, best_score = state, value
        if best is None and signal.schools and signal.incident_types:
            best = _Open(event_id_for(signal.post_id), set(), set(), signal.at, signal.at, [])
            self._open[best.id] = best
        if best is None:
            return None, touched
        self._add(best, signal)
        return best.id, touched | {best.id}

    def event_of(self, post_id: str | None) -> str | None:
        """The known event a post belongs to, or None."""
        event_id = self._member.get(post_id or "")
        return event_id if event_id in self._open else None

    def join(self, signal: Signal, event_id: str) -> set[str]:
        """Put a reaction (a repost, comment or reply) into its source's event, whatever it says itself: the
        ids of every event this changed. Its own schools are not the event's (a comment naming another school
        does not make the incident about it); its incident types count, so an event typed ``other`` learns
        its type from the crowd."""
        touched = {event_id}
        current = self._member.get(signal.post_id)
        if current in self._open and current != event_id:
            self._remove(self._open[current], signal.post_id)
            touched.add(current)
        state = self._open[event_id]
        self._add(state, Signal(signal.post_id, signal.at, (), signal.incident_types, (), signal.words))
        return touched

    def _candidates(self, signal: Signal) -> list[_Open]:
        """Open events about a school the post names (firmly or as a hint): no other event can take it."""
        ids: set[str] = set()
        for school in (*signal.schools, *signal.weak_schools):
            ids |= self._by_school.get(school, set())
        return [self._open[i] for i in sorted(ids) if i in self._open]

    def _score(self, state: _Open, signal: Signal, member: bool = False) -> float:
        """How well a post fits an event; 0 when it does not."""
        window = timedelta(hours=self.settings.window_hours)
        if not (state.first_seen - window <= signal.at <= state.last_seen + window):
            return 0.0
        types = set(signal.incident_types)
        overlap = len(types & state.types)
        similarity = self._similarity(state, signal)
        fits = _types_fit(types, state.types) or member
        # Only a post that names the event's school joins it: a post naming no school, or another place's
        # school, is never pulled into an event by its words alone.
        if signal.schools:
            if not set(signal.schools) & state.schools:
                return 0.0
            return 3.0 + overlap + similarity if fits else 0.0
        # A school named only by an ambiguous alias (二中) is a hint, not a link: the post must also say
        # something of the incident (a fitting type) or share its words. "我们二中毕业的同学聚会" does neither.
        if set(signal.weak_schools) & state.schools and ((types and fits) or member
                                                          or similarity >= self.settings.min_similarity):
            return 2.0 + overlap + similarity
        return 0.0

    def types_of(self, event_id: str | None) -> tuple[str, ...]:
        state = self._open.get(event_id or "")
        return tuple(sorted(state.types)) if state else ()

    def schools_of(self, event_id: str | None) -> frozenset[str]:
        state = self._open.get(event_id or "")
        return frozenset(state.schools) if state else frozenset()

    @staticmethod
    def _similarity(state: _Open, signal: Signal) -> float:
        if not signal.words or not state.words:
            return 0.0
        return sum(1 for w in signal.words if w in state.words) / len(signal.words)

    def _add(self, state: _Open, signal: Signal) -> None:
        if signal.post_id not in state.post_ids:
            state.post_ids.append(signal.post_id)
        self._member[signal.post_id] = state.id
        state.schools.update(signal.schools)
        self._index(state)
        state.types.update(signal.incident_types)
        state.first_seen = min(state.first_seen, signal.at)
        state.last_seen = max(state.last_seen, signal.at)
        state.words.update(signal.words)

    def _index(self, state: _Open) -> None:
        for school in state.schools:
            self._by_school.setdefault(school, set()).add(state.id)

    def _remove(self, state: _Open, post_id: str) -> None:
        if post_id in state.post_ids:
            state.post_ids.remove(post_id)
        self._member.pop(post_id, None)
        if not state.post_ids:
            del self._open[state.id]


def _types_fit(post_types: set[str], event_types: set[str]) -> bool:
    """Whether a post's incident types can describe the same incident as an event's. An event typed only
    ``other`` (formed on an incident signal without a type) takes the first post that names what happened."""
    if not post_types or not event_types or post_types & event_types or post_types <= SECONDARY_TYPES:
        return True
    if event_types <= {"other"}:
        return True
    return any(post_types & group and event_types & group for group in RELATED_TYPES)


def _heat_parts(members: Sequence[tuple[Post, Enrichment | None]], settings: EventSettings,
                last_seen: datetime) -> dict[str, float]:
    """Each heat component scaled to its share of 100."""
    volume = sum(p.spread for p, _ in members)
    platforms = {p.platform for p, _ in members} | {c.platform for p, _ in members for c in p.copies}
    engagement = sum(p.engagement for p, _ in members)
    span = timedelta(hours=settings.growth_hours)
    recent = sum(p.spread for p, _ in members if p.published_at > last_seen - span)
    before = sum(p.spread for p, _ in members if last_seen - 2 * span < p.published_at <= last_seen - span)
    growth = min(1.0, recent / max(1, before) / 5) if recent >= 3 else 0.0
    weights = [settings.source_weights.get(p.source, 1.0) for p, _ in members]
    weight = sum(weights) / len(weights) if weights else 1.0
    return {
        "volume": 35 * min(1.0, math.log1p(volume) / math.log1p(200)),
        "growth": 15 * growth,
        "platforms": 15 * min(1.0, (len(platforms) - 1) / 4),
        "engagement": 20 * min(1.0, math.log1p(engagement) / math.log1p(50000)),
        "source": 15 * min(1.0, weight / 2),
    }


def grade_for(heat: float, types: Iterable[str], settings: EventSettings,
              severity: Severity = Severity()) -> tuple[str, list[str]]:
    """The grade IV..I for a heat score and what the posts say happened (the graver of the two), and the
    reasons for it (Chinese, for the reviewer): which of heat and severity decided."""
    iii, ii, i = settings.grade_thresholds
    grade = "IV"
    for name, threshold in (("III", iii), ("II", ii), ("I", i)):
        if heat >= threshold:
            grade = name
    reasons = [f"热度 {heat:.1f}（阈值：III级≥{iii:g}，II级≥{ii:g}，I级≥{i:g}）→ {grade}级（{GRADE_NAMES[grade]}）"]
    severe = [INCIDENT_NAMES[t] for t in types if t in SEVERE_TYPES]
    if severe and grade == "IV":
        grade = "III"
        reasons.append(f"涉及{'、'.join(severe)}，至少定为III级（较大）")
    floor, severity_reasons = floor_grade(severity)
    if GRADE_ORDER.index(floor) > GRADE_ORDER.index(grade):
        grade = floor
        reasons.append(f"按事件严重程度定为{grade}级（{GRADE_NAMES[grade]}）：" + "；".join(severity_reasons))
    elif severity_reasons:
        reasons.append("严重程度：" + "；".join(severity_reasons))
    return grade, reasons


def event_types(types: Counter) -> tuple[str, ...]:
    """An event's incident types, most named first; ``other`` while no post names what happened (an event
    founded on an incident signal alone)."""
    named = [t for t, _ in types.most_common() if t != "other"]
    return tuple(named) if named else ("other",)


def summarise(event_id: str, members: Sequence[tuple[Post, Enrichment | None]], settings: EventSettings,
              now: datetime, previous: Event | None = None) -> Event:
    """An event's figures, heat and grade from its member posts (each with its current enrichment)."""
    members = sorted(members, key=lambda pe: (pe[0].published_at, pe[0].id))
    first, last = members[0][0].published_at, members[-1][0].published_at
    schools = Counter(s for _, e in members if e for s in e.schools)
    types = Counter(t for _, e in members if e for t in e.incident_types)
    representative = max(members, key=lambda pe: (pe[0].engagement + 10 * pe[0].spread, -pe[0].published_at.timestamp()))[0]
    spread: Counter = Counter()
    for post, _ in members:
        spread[post.platform] += 1
        spread.update(c.platform for c in post.copies)
    parts = _heat_parts(members, settings, last)
    heat = round(sum(parts.values()), 1)
    severity = merged(extract(f"{p.title}\n{p.text}") for p, _ in members)
    grade, reasons = grade_for(heat, event_types(types), settings, severity)
    volume = sum(p.spread for p, _ in members)
    engagement = sum(p.engagement for p, _ in members)
    reasons.append(f"传播量 {volume} 条，覆盖 {len(spread)} 个平台（{'、'.join(sorted(spread))}），互动 {engagement:,} 次")
    scored = [e for _, e in members if e]
    flagged, carrying = rumour_spread(members)
    rumour_share = len(carrying) / max(1, len(scored))
    negative_share = sum(1 for e in scored if e.sentiment is not None and e.sentiment < 0.4) / max(1, len(scored))
    if rumour_share >= 0.3:
        reposts = len(carrying) - len(flagged)
        reasons.append(f"疑似谣言占比 {rumour_share:.0%}" + (f"（含转发疑似谣言的帖文 {reposts} 条）" if reposts else ""))
    reasons.extend(_doubted_sources(members, flagged))
    return Event(
        id=event_id, title=_title(representative), schools=tuple(s for s, _ in schools.most_common()),
        incident_types=event_types(types), first_seen=first, last_seen=last,
        post_ids=tuple(p.id for p, _ in members), representative_post_id=representative.id, post_count=volume,
        spread_by_platform=dict(spread), engagement=engagement, heat=heat, grade=grade,
        grade_reasons=tuple(reasons), rumour_share=round(rumour_share, 3), negative_share=round(negative_share, 3),
        timeline=_timeline(members), updated_at=now,
        detected_at=previous.detected_at if previous and previous.detected_at else now)


def rumour_spread(members: Sequence[tuple[Post, Enrichment | None]]) -> tuple[set[str], set[str]]:
    """(flagged, carrying): the posts whose rumour risk is 0.5 or more, and those together with every repost that
    passes one of them on (a repost of a repost too). A comment or reply is no repost: it may well doubt."""
    flagged = {p.id for p, e in members if e and (e.rumour_score or 0) >= RUMOUR_FLAG}
    carrying = set(flagged)
    reposts = [(p.id, p.parent_id) for p, e in members if e and p.relation == "repost" and p.parent_id]
    grew = True
    while grew:
        grew = False
        for post_id, parent_id in reposts:
            if parent_id in carrying and post_id not in carrying:
                carrying.add(post_id)
                grew = True
    return flagged, carrying


def _doubted_sources(members: Sequence[tuple[Post, Enrichment | None]], flagged: set[str]) -> list[str]:
    """A reason for each flagged post whose reactions the crowd model read (its cues say 评论质疑, 求证, 辟谣):
    the reviewer learns that the rumour risk comes from what readers answered, not from the wording alone."""
    reasons = []
    for post, enrichment in members:
        crowd = [c for c in (enrichment.rumour_cues if enrichment else ()) if c.startswith("评论")]
        if post.id in flagged and crowd:
            reasons.append(f"源帖经评论研判疑似谣言（风险 {enrichment.rumour_score:.2f}；{'，'.join(crowd)}）："
                           f"{_title(post)}")
    return reasons[:3]


def _title(post: Post) -> str:
    text = (post.title or post.text).strip().replace("\n", " ")
    return text[:40] + ("…" if len(text) > 40 else "")


def _timeline(members: Sequence[tuple[Post, Enrichment | None]]) -> tuple[TimelinePoint, ...]:
    buckets: Counter = Counter()
    for post, _ in members:
        hour = post.published_at.replace(minute=0, second=0, microsecond=0)
        buckets[hour] += post.spread
    return tuple(TimelinePoint(at, n) for at, n in sorted(buckets.items()))
