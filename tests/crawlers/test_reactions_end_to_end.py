"""The reaction round end to end: list crawls store the scenario's posts from the simulated web, the event
services say which events are rising or alerted, and a real crawl process (``yuqing crawl reactions``) fetches
the comments, reposts and Tieba replies of their posts over HTTP into the real SQLite store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from core.event import Event, TimelinePoint
from core.post import Post, canonical_url
from infra.runtime import open_runtime
from infra.storage.sqlite import SqlitePostStore
from tests.crawlers.conftest import World

pytestmark = pytest.mark.slow


def _store_keeps_parents(folder) -> bool:
    """Whether the post store persists parent_id and relation (the stores learn it in issue 9's work)."""
    now = datetime.now(timezone.utc)
    probe = Post(id="weibo:2", source="t", platform="weibo", url="https://m.weibo.cn/detail/2", published_at=now,
                 fetched_at=now, text="x", parent_id="weibo:1", relation="comment")
    store = SqlitePostStore(folder / "probe.db")
    try:
        store.upsert_many([probe])
        return store.get("weibo:2").parent_id == "weibo:1"
    finally:
        store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("reactions"))
    world.web.set_minute(150)
    runs = world.crawl("weibo-search", "weibo-accounts", "tieba-quxian")
    assert {run.finish_reason for run in runs.values()} == {"finished"}
    yield world
    world.web.stop()


def _event(world: World, event_id: str, keys: list[str], rising: bool, grade: str = "IV") -> Event:
    sc, now = world.scenario, world.web.now()
    ids = tuple(sc.expected_post_id(k) for k in keys)
    # a rising event had more posts in the last growth span (6 h) than in the one before
    timeline = (TimelinePoint(now - timedelta(hours=9), 1 if rising else 6), TimelinePoint(now - timedelta(hours=1), 5))
    return Event(id=event_id, title=event_id, schools=("quxian-erxiao",), incident_types=("food_safety",),
                 first_seen=now - timedelta(hours=9), last_seen=now, post_ids=ids, representative_post_id=ids[0],
                 post_count=len(ids), grade=grade, timeline=timeline)


def test_reactions_of_rising_and_alerted_events_are_collected(world):
    sc = world.scenario
    with open_runtime(world.settings()) as runtime:
        rising = _event(world, "rising", ["f02", "f06"], rising=True)
        steady = _event(world, "steady", ["f14"], rising=False)
        runtime.events.save_events([rising, steady])
    run = world.crawl("reactions")["reactions"]
    assert run.finish_reason == "finished" and run.errors == 0
    stored = {p.id: p for p in world.store().get_many([sc.expected_post_id(k) for k in sc.by_key])}
    reactions = {k for k in ("r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08")
                 if sc.expected_post_id(k) in stored}
    # the rising event's rumour (f02) and Tieba thread (f06): their comments, reply floors and 楼中楼;
    # the official notice (f14) belongs to a steady event without an alert: its comment r04 is not fetched
    assert reactions == {"r01", "r02", "r03", "r05", "r06", "r07", "r08"}
    # nothing else: no reaction folded away as a near-copy, dropped, or counted twice
    assert (run.items_new, run.items_copies, run.items_dropped) == (7, 0, 0)
    comment = stored[sc.expected_post_id("r02")]
    assert comment.author == "二小三年级家长" and comment.text == sc.by_key["r02"].text
    assert comment.url == canonical_url(sc.public_url(sc.by_key["r02"]))
    assert comment.published_at == sc.published_at(sc.by_key["r02"])
    lzl = stored[sc.expected_post_id("r07")]
    assert lzl.author == "二小妈妈" and lzl.url == canonical_url(sc.public_url(sc.by_key["r07"]))

    # an alert on the steady event brings its post's comments in the next round
    with open_runtime(world.settings()) as runtime:
        runtime.workflow.alerts.raise_from_events([replace(steady, grade="II")])
    again = world.crawl("reactions")["reactions"]
    assert again.items_new == 1 and sc.expected_post_id("r04") in {p.id for p in world.store().get_many(
        [sc.expected_post_id("r04")])}


def test_reactions_name_their_parent(world, tmp_path):
    if not _store_keeps_parents(tmp_path):
        pytest.xfail("the post store does not persist parent_id/relation yet (the stores' part of issue 9)")
    sc = world.scenario
    expected = {"r01": ("f02", "comment"), "r05": ("f06", "reply"), "r07": ("r06", "reply")}
    stored = {p.id: p for p in world.store().get_many([sc.expected_post_id(k) for k in expected])}
    assert {k: (stored[sc.expected_post_id(k)].parent_id, stored[sc.expected_post_id(k)].relation)
            for k in expected} == {k: (sc.expected_post_id(p), r) for k, (p, r) in expected.items()}
