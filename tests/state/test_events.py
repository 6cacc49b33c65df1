"""The event store keeps events across connections, replaces them by id, orders them hottest first and
filters by time and grade (moved here from tests/nlp/test_event_store.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from core.errors import InvalidInput
from core.event import Event, TimelinePoint

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)


def _event(event_id: str, heat: float, grade: str, hours: float) -> Event:
    at = T0 + timedelta(hours=hours)
    return Event(id=event_id, title="渠县二小食堂", schools=("quxian-erxiao",), incident_types=("food_safety",),
                 first_seen=T0, last_seen=at, post_ids=("weibo:1", "weibo:2"), representative_post_id="weibo:1",
                 post_count=3, spread_by_platform={"weibo": 2, "news": 1}, engagement=10, heat=heat, grade=grade,
                 grade_reasons=("热度",), rumour_share=0.25, negative_share=0.5,
                 timeline=(TimelinePoint(T0, 2), TimelinePoint(T0 + timedelta(hours=1), 1)), updated_at=at,
                 detected_at=T0)


def test_events_round_trip_and_survive_reopening(target):
    state = target.open()
    state.events.save_events([_event("e1", 40.0, "III", 1), _event("e2", 70.0, "II", 2), _event("e3", 10.0, "IV", 30)])
    state.close()
    state = target.open()
    try:
        assert state.events.get_event("e2") == _event("e2", 70.0, "II", 2)
        assert [e.id for e in state.events.list_events()] == ["e2", "e1", "e3"]
        assert [e.id for e in state.events.list_events(min_grade="III")] == ["e2", "e1"]
        assert [e.id for e in state.events.list_events(since=T0 + timedelta(hours=2))] == ["e2", "e3"]
        assert [e.id for e in state.events.list_events(limit=1)] == ["e2"]
        state.events.delete_event("e2")
        state.events.delete_event("unknown")
        assert state.events.get_event("e2") is None and state.events.get_event("unknown") is None
        with pytest.raises(InvalidInput, match="min_grade"):
            state.events.list_events(min_grade="V")
    finally:
        state.close()


def test_saving_an_event_again_replaces_it_and_ties_in_heat_list_the_newest_first(state):
    store = state.events
    store.save_events([_event("e1", 40.0, "III", 1), _event("e2", 40.0, "III", 5)])
    grown = replace(_event("e1", 90.0, "I", 6), post_ids=("weibo:1", "weibo:2", "weibo:3"), post_count=4)
    store.save_events([replace(grown, title="旧标题"), grown])          # the last of one id counts
    assert store.get_event("e1") == grown
    assert [e.id for e in store.list_events(min_grade="I")] == ["e1"]
    store.save_events([_event("e1", 40.0, "III", 1)])
    assert [e.id for e in store.list_events()] == ["e2", "e1"]          # equal heat: later last_seen first
    store.save_events([])


def test_a_naive_since_is_china_time(state):
    state.events.save_events([_event("e1", 1.0, "IV", 0)])               # last seen 08:00 China time
    assert [e.id for e in state.events.list_events(since=datetime(2026, 11, 26, 8, 0))] == ["e1"]
    assert state.events.list_events(since=datetime(2026, 11, 26, 8, 1)) == []
