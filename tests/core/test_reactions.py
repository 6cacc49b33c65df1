"""Which events the reaction round follows: rising ones (more posts lately than just before)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.event import Event, TimelinePoint
from core.reactions import ReactionTarget, is_rising, target_from_option

NOW = datetime(2026, 12, 8, 4, 0, tzinfo=timezone.utc)
SPAN = timedelta(hours=6)


def _event(*points: tuple[float, int]) -> Event:
    timeline = tuple(TimelinePoint(NOW - timedelta(hours=h), n) for h, n in points)
    return Event(id="e", title="e", schools=(), incident_types=(), first_seen=NOW - timedelta(days=1), last_seen=NOW,
                 post_ids=("weibo:1",), representative_post_id="weibo:1", post_count=1, timeline=timeline)


def test_an_event_is_rising_when_its_last_span_outgrows_the_span_before():
    assert is_rising(_event((8, 2), (2, 5)), NOW, SPAN)
    assert not is_rising(_event((8, 6), (2, 5)), NOW, SPAN), "fewer posts than before: cooling down"
    assert not is_rising(_event((2, 1)), NOW, SPAN), "a single new post is noise"
    assert not is_rising(_event((30, 9), (20, 9)), NOW, SPAN), "nothing lately"


def test_targets_travel_through_the_source_options_and_bad_ones_are_dropped():
    target = ReactionTarget("weibo:5100000000001002", "weibo", "5100000000001002", "e1")
    assert target_from_option(target.as_option()) == target
    assert target_from_option({"post_id": "weibo:1", "platform": "weibo"}) is None
    assert target_from_option("weibo:1") is None
