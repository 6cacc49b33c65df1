"""``core.event.EventStore`` in the state database: one row per event, a column per field (the codec
converts), plus ``grade_rank`` for "at least this grade". A save is one transaction, so a crash leaves the
old or the new events, never half of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import delete, select

from core.clock import ensure_aware
from core.errors import InvalidInput
from core.event import Event
from core.vocabulary import GRADES, grade_rank
from infra.state.codec import from_row, to_row
from infra.state.engine import Database, upsert
from infra.state.tables import events as table


def event_row(event: Event) -> dict[str, Any]:
    """The row of an event: its fields plus the rank of its grade."""
    return {**to_row(event), "grade_rank": grade_rank(event.grade)}


class SqlEventStore:
    """Events by id. Promises of ``core.event.EventStore``; ties in heat list the newest first, then by id."""

    def __init__(self, db: Database):
        self.db = db

    def save_events(self, events: Iterable[Event]) -> None:
        """Insert or replace events by id (of one id saved twice in a call, the last one counts)."""
        rows = [event_row(e) for e in events]
        if rows:
            with self.db.write() as conn:
                upsert(conn, table, rows, ["id"])

    def get_event(self, event_id: str) -> Event | None:
        with self.db.read() as conn:
            row = conn.execute(select(table).where(table.c.id == event_id)).mappings().first()
        return from_row(Event, row) if row else None

    def list_events(self, *, since: datetime | None = None, min_grade: str | None = None,
                    limit: int = 100) -> list[Event]:
        """Events last seen at or after ``since`` (a naive time is China time), at least ``min_grade``,
        hottest first (ties: newest last_seen, then id)."""
        if min_grade is not None and min_grade not in GRADES:
            raise InvalidInput(f"min_grade {min_grade!r} is not one of {', '.join(GRADES)}", field="min_grade")
        query = select(table)
        if since is not None:
            query = query.where(table.c.last_seen >= ensure_aware(since))
        if min_grade:
            query = query.where(table.c.grade_rank >= grade_rank(min_grade))
        query = query.order_by(table.c.heat.desc(), table.c.last_seen.desc(), table.c.id).limit(int(limit))
        with self.db.read() as conn:
            return [from_row(Event, row) for row in conn.execute(query).mappings()]

    def delete_event(self, event_id: str) -> None:
        """Remove an event; an unknown id is ignored."""
        with self.db.write() as conn:
            conn.execute(delete(table).where(table.c.id == event_id))

    def close(self) -> None:
        """Nothing to release (the engine is the state database's)."""
