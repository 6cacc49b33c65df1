"""Events: posts grouped into one incident (same incident, same school, close in time), with heat and grade.

NLP computes them (``nlp/events.py``); a store keeps them (``EventStore``) so clustering survives a restart;
the worker raises alerts from them and the console shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Protocol


@dataclass(frozen=True)
class TimelinePoint:
    at: datetime          # start of the bucket (UTC)
    posts: int            # posts and copies first seen in the bucket


@dataclass(frozen=True)
class Event:
    id: str
    title: str                                   # a short title taken from the representative post
    schools: tuple[str, ...]
    incident_types: tuple[str, ...]
    first_seen: datetime                          # T0 for the response clocks: the first post's time
    last_seen: datetime
    post_ids: tuple[str, ...]
    representative_post_id: str
    post_count: int                              # posts plus their copies
    spread_by_platform: dict[str, int] = field(default_factory=dict)
    engagement: int = 0
    heat: float = 0.0
    grade: str = "IV"                           # core.vocabulary.GRADES
    grade_reasons: tuple[str, ...] = ()
    rumour_share: float = 0.0                    # share of posts that look like rumours
    negative_share: float = 0.0
    timeline: tuple[TimelinePoint, ...] = ()
    updated_at: datetime | None = None
    detected_at: datetime | None = None          # when yuqing first formed the event (wall or drill clock)


class EventStore(Protocol):
    """Where events live between worker runs."""

    def save_events(self, events: Iterable[Event]) -> None:
        """Insert or replace events by id."""
        ...

    def get_event(self, event_id: str) -> Event | None:
        """The event with this id, or None."""
        ...

    def list_events(self, *, since: datetime | None = None, min_grade: str | None = None,
                    limit: int = 100) -> list[Event]:
        """Events whose last_seen is at or after ``since``, at least ``min_grade``, hottest first."""
        ...

    def delete_event(self, event_id: str) -> None:
        """Remove an event that was merged into another; unknown ids are ignored."""
        ...
