"""The monitoring round as one service: unenriched posts -> analyse -> events -> enrichment -> alerts ->
triggers -> notifications. The worker, ``yuqing enrich``, drills and benchmarks all run it; nothing outside
``core`` repeats its steps.

What a post means is nlp's business and reaches this module through two small contracts, so that ``core``
imports nothing of ours: an ``Analyser`` (the loaded models and rules, with a version that names them) opens an
``EventBook`` for one round (the incremental clustering of posts into events, fed the stored events the
round's posts could join).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Protocol, Sequence

from core.event import Event
from core.post import Enrichment, Post


class EventBook(Protocol):
    """Incremental clustering for one round. It starts empty; ``add_events`` makes stored events known."""

    def add_events(self, events: Iterable[Event]) -> None:
        """Make stored events known (events already known keep their in-memory state)."""
        ...

    def enrich(self, posts: Sequence[Post], now: datetime) -> tuple[dict[str, Enrichment], set[str]]:
        """Analyse posts and place each in an event (or none): the enrichment of every post by id (its
        ``event_id`` set, ``model_version`` the analyser's, ``enriched_at`` = now) and the ids of every event
        the batch changed (joined, founded or left). A post already a member (re-enriched after an edit or a
        crash) is not counted twice."""
        ...

    def members(self, event_id: str) -> list[str]:
        """Post ids of an event as the book knows it now (empty for an event that lost every post)."""
        ...

    def summarise(self, event_id: str, members: Sequence[tuple[Post, Enrichment]], now: datetime,
                  previous: Event | None) -> Event:
        """The event's figures, heat and grade from its member posts and their enrichment; ``previous`` (the
        stored event) keeps its detection time."""
        ...


class Analyser(Protocol):
    """The loaded NLP models and rules."""

    model_version: str          # names every model and rule set: a post enriched by another version is redone
    event_window: timedelta     # a post may join an event last seen this long before it

    def open_book(self) -> EventBook:
        ...
