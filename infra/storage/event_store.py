"""The event store: events in one SQLite file (``<data_dir>/events.db``), one JSON document per event.

Columns that queries filter or sort on (last_seen, grade rank, heat) sit beside the document. Writes are
one transaction each, so a crash leaves either the old or the new event, never half of one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from core.clock import ensure_aware
from core.errors import InvalidInput, StorageUnavailable
from core.event import GRADES, Event, TimelinePoint, grade_rank
from infra.storage.sqlite_file import open_sqlite_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    last_seen REAL NOT NULL,
    grade_rank INTEGER NOT NULL,
    heat REAL NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_last_seen ON events (last_seen);
"""


def event_to_dict(event: Event) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": event.id, "title": event.title, "schools": list(event.schools),
        "incident_types": list(event.incident_types), "first_seen": when(event.first_seen),
        "last_seen": when(event.last_seen), "post_ids": list(event.post_ids),
        "representative_post_id": event.representative_post_id, "post_count": event.post_count,
        "spread_by_platform": dict(event.spread_by_platform), "engagement": event.engagement, "heat": event.heat,
        "grade": event.grade, "grade_reasons": list(event.grade_reasons), "rumour_share": event.rumour_share,
        "negative_share": event.negative_share,
        "timeline": [{"at": when(p.at), "posts": p.posts} for p in event.timeline],
        "updated_at": when(event.updated_at), "detected_at": when(event.detected_at),
    }


def event_from_dict(data: dict[str, Any]) -> Event:
    def when(value: str | None) -> datetime | None:
        return ensure_aware(datetime.fromisoformat(value)) if value else None

    return Event(
        id=data["id"], title=data["title"], schools=tuple(data["schools"]),
        incident_types=tuple(data["incident_types"]), first_seen=when(data["first_seen"]),
        last_seen=when(data["last_seen"]), post_ids=tuple(data["post_ids"]),
        representative_post_id=data["representative_post_id"], post_count=int(data["post_count"]),
        spread_by_platform=dict(data.get("spread_by_platform", {})), engagement=int(data.get("engagement", 0)),
        heat=float(data.get("heat", 0.0)), grade=data.get("grade", "IV"),
        grade_reasons=tuple(data.get("grade_reasons", ())), rumour_share=float(data.get("rumour_share", 0.0)),
        negative_share=float(data.get("negative_share", 0.0)),
        timeline=tuple(TimelinePoint(when(p["at"]), int(p["posts"])) for p in data.get("timeline", ())),
        updated_at=when(data.get("updated_at")), detected_at=when(data.get("detected_at")),
    )


class SqliteEventStore:
    """``core.event.EventStore`` over one SQLite file. Thread-safe (one connection, one lock)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = open_sqlite_file(self.path, _SCHEMA, "event store", autocommit=False)
        self._lock = threading.Lock()

    def _run(self, sql: str, rows: Iterable[tuple] | tuple = (), many: bool = False) -> list[tuple]:
        try:
            with self._lock, self._db:
                cursor = self._db.executemany(sql, rows) if many else self._db.execute(sql, rows)
                return cursor.fetchall()
        except sqlite3.Error as error:
            raise StorageUnavailable(f"event store {self.path}: {error}") from None

    def save_events(self, events: Iterable[Event]) -> None:
        rows = [(e.id, e.last_seen.timestamp(), grade_rank(e.grade), e.heat,
                 json.dumps(event_to_dict(e), ensure_ascii=False)) for e in events]
        if rows:
            self._run("INSERT OR REPLACE INTO events (id, last_seen, grade_rank, heat, doc) VALUES (?, ?, ?, ?, ?)",
                      rows, many=True)

    def get_event(self, event_id: str) -> Event | None:
        rows = self._run("SELECT doc FROM events WHERE id = ?", (event_id,))
        return event_from_dict(json.loads(rows[0][0])) if rows else None

    def list_events(self, *, since: datetime | None = None, min_grade: str | None = None,
                    limit: int = 100) -> list[Event]:
        """Events last seen at or after ``since``, at least ``min_grade``, hottest first (ties: newest)."""
        if min_grade is not None and min_grade not in GRADES:
            raise InvalidInput(f"min_grade {min_grade!r} is not one of {', '.join(GRADES)}", field="min_grade")
        rank = grade_rank(min_grade) if min_grade else 0
        after = ensure_aware(since).timestamp() if since else float("-inf")
        rows = self._run("SELECT doc FROM events WHERE last_seen >= ? AND grade_rank >= ? "
                         "ORDER BY heat DESC, last_seen DESC, id LIMIT ?", (after, rank, int(limit)))
        return [event_from_dict(json.loads(doc)) for (doc,) in rows]

    def delete_event(self, event_id: str) -> None:
        self._run("DELETE FROM events WHERE id = ?", (event_id,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
