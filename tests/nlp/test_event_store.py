"""The SQLite event store keeps events across connections, orders them hottest first, filters by grade."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import InvalidInput
from core.event import Event, TimelinePoint
from infra.storage.event_store import SqliteEventStore

from .conftest import T0


def _event(event_id: str, heat: float, grade: str, hours: float) -> Event:
    at = T0 + timedelta(hours=hours)
    return Event(id=event_id, title="渠县二小食堂", schools=("quxian-erxiao",), incident_types=("food_safety",),
                 first_seen=T0, last_seen=at, post_ids=("weibo:1", "weibo:2"), representative_post_id="weibo:1",
                 post_count=3, spread_by_platform={"weibo": 2, "news": 1}, engagement=10, heat=heat, grade=grade,
                 grade_reasons=("热度",), timeline=(TimelinePoint(T0, 3),), updated_at=at, detected_at=T0)


def test_events_round_trip_and_survive_reopening(tmp_path):
    store = SqliteEventStore(tmp_path / "events.db")
    store.save_events([_event("e1", 40.0, "III", 1), _event("e2", 70.0, "II", 2), _event("e3", 10.0, "IV", 30)])
    store.close()
    store = SqliteEventStore(tmp_path / "events.db")
    assert store.get_event("e2") == _event("e2", 70.0, "II", 2)
    assert [e.id for e in store.list_events()] == ["e2", "e1", "e3"]
    assert [e.id for e in store.list_events(min_grade="III")] == ["e2", "e1"]
    assert [e.id for e in store.list_events(since=T0 + timedelta(hours=2))] == ["e2", "e3"]
    store.delete_event("e2")
    store.delete_event("unknown")
    assert store.get_event("e2") is None
    with pytest.raises(InvalidInput, match="min_grade"):
        store.list_events(min_grade="V")
    store.close()
