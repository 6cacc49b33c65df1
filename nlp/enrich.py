"""Enrichment of a store's pending posts: the function the worker calls.

``enrich_pending`` reads posts not yet enriched by the pipeline's model version, analyses them in
batches, assigns them to events and writes both back through the ``core`` protocols only. Events are
saved before the posts' enrichment, so a crash between the two re-enriches the batch on the next run and
the clusterer, finding each post already a member, does not count it twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from core.clock import Clock
from core.event import Event, EventStore
from core.post import Enrichment, Post
from core.storage import PostStore
from nlp.events import EventClusterer, Signal, schools_in_context, summarise
from nlp.pipeline import Pipeline

log = logging.getLogger(__name__)
# Events are loaded with this limit; a county sees far fewer open events than this in one window.
_EVENT_LIMIT = 100_000


@dataclass
class EnrichStats:
    """What one run did."""

    posts: int = 0
    batches: int = 0
    events_created: int = 0
    events_updated: int = 0
    events_deleted: int = 0
    seconds: float = 0.0
    model_version: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


class _EventBook:
    """The clusterer plus which stored events it has loaded, for one run."""

    def __init__(self, event_store: EventStore, pipeline: Pipeline):
        self.store = event_store
        self.window = timedelta(hours=pipeline.events.window_hours)
        self.clusterer = EventClusterer(pipeline.events, words_of=pipeline.words)
        self.loaded_since: datetime | None = None
        self.known: dict[str, Event] = {}

    def load_for(self, posts: list[Post]) -> None:
        """Load stored events that posts of this batch could join (those last seen within the window)."""
        since = min(p.published_at for p in posts) - self.window
        if self.loaded_since is not None and since >= self.loaded_since:
            return
        events = self.store.list_events(since=since, limit=_EVENT_LIMIT)
        for event in events:
            self.known.setdefault(event.id, event)
        self.clusterer.add_events(events)
        self.loaded_since = since if self.loaded_since is None else min(since, self.loaded_since)


def _enrichment(pipeline: Pipeline, analysis, schools: tuple[str, ...], event_id: str | None,
                now: datetime) -> Enrichment:
    return Enrichment(
        model_version=pipeline.model_version, schools=schools, sentiment=analysis.sentiment.score,
        rumour_score=analysis.rumour.score, rumour_cues=analysis.rumour.cues,
        incident_types=analysis.incident.types, incident_terms=analysis.incident.terms, event_id=event_id,
        enriched_at=now)


def enrich_batch(posts: list[Post], store: PostStore, book: _EventBook, pipeline: Pipeline,
                 now: datetime, stats: EnrichStats) -> None:
    analyses = pipeline.analyse(posts)
    book.load_for(posts)
    touched: set[str] = set()
    enrichments: dict[str, Enrichment] = {}
    for post, analysis in zip(posts, analyses):
        signal = Signal(post.id, post.published_at, analysis.schools, analysis.incident.types,
                        analysis.weak_schools, analysis.words)
        event_id, changed = book.clusterer.assign(signal)
        touched |= changed
        schools = schools_in_context(signal, book.clusterer.schools_of(event_id))
        enrichments[post.id] = _enrichment(pipeline, analysis, schools, event_id, now)
    _save_events(touched, enrichments, store, book, pipeline, now, stats)
    store.write_enrichment(enrichments)
    stats.posts += len(posts)
    stats.batches += 1


def _save_events(touched: set[str], fresh: dict[str, Enrichment], store: PostStore, book: _EventBook,
                 pipeline: Pipeline, now: datetime, stats: EnrichStats) -> None:
    changed: list[Event] = []
    for event_id in sorted(touched):
        member_ids = book.clusterer.members(event_id)
        posts = store.get_many(member_ids) if member_ids else []
        stored = {p.id: p for p in posts}
        members = [(stored[i], fresh.get(i, stored[i].enrichment)) for i in member_ids if i in stored]
        previous = book.known.get(event_id)
        if not members:
            if previous is not None:
                book.store.delete_event(event_id)
                book.known.pop(event_id, None)
                stats.events_deleted += 1
            continue
        event = summarise(event_id, members, pipeline.events, now, previous)
        if previous is None:
            stats.events_created += 1
        else:
            stats.events_updated += 1
        book.known[event_id] = event
        changed.append(event)
    if changed:
        book.store.save_events(changed)


def enrich_pending(store: PostStore, event_store: EventStore, pipeline: Pipeline, clock: Clock,
                   batch_size: int = 500, max_posts: int | None = None,
                   should_stop: Callable[[], bool] | None = None) -> EnrichStats:
    """Enrich every post not yet enriched by ``pipeline.model_version`` (oldest fetched first) and update
    the events they belong to. ``should_stop`` is asked between batches (a worker shutting down finishes
    the batch in hand). Returns what was done; a long run logs its progress."""
    stats = EnrichStats(model_version=pipeline.model_version)
    started = time.monotonic()
    book = _EventBook(event_store, pipeline)
    for batch in store.iter_unenriched(pipeline.model_version, batch_size=batch_size):
        if (max_posts is not None and stats.posts >= max_posts) or (should_stop and should_stop()):
            break
        if max_posts is not None:
            batch = batch[:max_posts - stats.posts]
        enrich_batch(batch, store, book, pipeline, clock.now(), stats)
        log.info("enriched %d posts (%d events new, %d updated)", stats.posts, stats.events_created,
                 stats.events_updated)
    stats.seconds = time.monotonic() - started
    return stats
