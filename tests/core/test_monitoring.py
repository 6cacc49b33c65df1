"""The monitoring round's enrichment over real stores: survives a restart, an edited post and a crash mid-batch.

Moved unchanged from tests/nlp/test_events.py (the four store-loop tests, their helpers and the ``stores``
fixture of tests/nlp/conftest.py) when the store loop left nlp for ``core.monitoring``; the lead rewires them
to the MonitoringService.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.clock import ManualClock
from core.post import Post
from core.profile import load_profile
from core.storage import PostQuery
from nlp.enrich import enrich_pending

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def profile():
    return load_profile()


@pytest.fixture(scope="session")
def pipeline(profile):
    from nlp.pipeline import load_pipeline

    return load_pipeline(profile)


def make_post(key: str, text: str, minutes: float = 0, *, platform: str = "weibo", title: str = "",
              reposts: int = 0, source: str | None = None) -> Post:
    at = T0 + timedelta(minutes=minutes)
    return Post(id=f"{platform}:{key}", source=source or platform, platform=platform,
                url=f"http://example.invalid/{key}", published_at=at, fetched_at=at, text=text, title=title,
                reposts=reposts)


@pytest.fixture()
def stores(tmp_path):
    """A real SQLite post store and event store in a temporary folder."""
    from infra.storage.event_store import SqliteEventStore
    from infra.storage.sqlite import SqlitePostStore

    posts = SqlitePostStore(tmp_path / "posts.db")
    events = SqliteEventStore(tmp_path / "events.db")
    yield posts, events
    posts.close()
    events.close()


STORY = [  # one canteen incident at 渠县二小, one traffic incident at 渠县一小, and noise
    ("a1", "渠县二小食堂的肉有酸味，好几个孩子吃了肚子疼", 0),
    ("b1", "渠县一小门口早上一辆轿车撞倒一名学生，已送医", 5),
    ("a2", "网传渠县二小食堂用变质肉，几十个孩子住院，紧急扩散", 30),
    ("n1", "渠县今天下雪了，八濛山白了一片", 40),
    ("b2", "渠县第一小学门口车祸，交警已到场处置", 50),
    ("a3", "渠县教育局：已对渠县第二小学食堂留样送检", 90),
    ("a4", "渠县二小的家长今晚在学校门口集合要说法", 120),
    ("b3", "渠县一小门口终于要装减速带和红绿灯了", 200),
]


def _posts():
    return [make_post(key, text, minutes) for key, text, minutes in STORY]


def _membership(post_store) -> dict[str, str | None]:
    posts = post_store.search(PostQuery(), limit=100).posts
    return {p.id: p.enrichment.event_id if p.enrichment else "unenriched" for p in posts}


def _groups(membership: dict[str, str | None]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for post_id, event_id in membership.items():
        if event_id:
            groups.setdefault(event_id, set()).add(post_id)
    return {frozenset(g) for g in groups.values()}


EXPECTED = {frozenset({"weibo:a1", "weibo:a2", "weibo:a3", "weibo:a4"}), frozenset({"weibo:b1", "weibo:b2", "weibo:b3"})}


def test_enrichment_groups_posts_into_events_with_heat_grade_and_reasons(pipeline, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    stats = enrich_pending(post_store, event_store, pipeline, ManualClock(T0 + timedelta(hours=4)), batch_size=3)
    assert stats.posts == len(STORY) and stats.events_created == 2
    membership = _membership(post_store)
    assert _groups(membership) == EXPECTED and membership["weibo:n1"] is None
    canteen = event_store.get_event(membership["weibo:a1"])
    assert canteen.schools == ("quxian-erxiao",) and "food_safety" in canteen.incident_types
    assert canteen.first_seen == T0 and canteen.post_count == 4 and canteen.grade in ("IV", "III", "II", "I")
    assert canteen.grade_reasons and "热度" in canteen.grade_reasons[0]
    assert enrich_pending(post_store, event_store, pipeline, ManualClock(T0)).posts == 0   # nothing left


def test_enrichment_survives_a_restart_between_batches(pipeline, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    clock = ManualClock(T0 + timedelta(hours=4))
    first = enrich_pending(post_store, event_store, pipeline, clock, batch_size=2, max_posts=3)
    assert first.posts == 3
    enrich_pending(post_store, event_store, pipeline, clock, batch_size=2)   # a fresh run: a new clusterer
    assert _groups(_membership(post_store)) == EXPECTED
    assert len(event_store.list_events(limit=10)) == 2


class _CrashOnce:
    """The real store, except that the first enrichment write fails as if the process died there."""

    def __init__(self, store):
        self._store, self.crashed = store, False

    def __getattr__(self, name):
        return getattr(self._store, name)

    def write_enrichment(self, enrichments):
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("killed between saving events and writing enrichment")
        return self._store.write_enrichment(enrichments)


def test_a_crash_after_events_were_saved_does_not_count_posts_twice(pipeline, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    clock = ManualClock(T0 + timedelta(hours=4))
    with pytest.raises(RuntimeError):
        enrich_pending(_CrashOnce(post_store), event_store, pipeline, clock, batch_size=4)
    enrich_pending(post_store, event_store, pipeline, clock, batch_size=4)
    membership = _membership(post_store)
    assert _groups(membership) == EXPECTED
    canteen = event_store.get_event(membership["weibo:a1"])
    assert len(canteen.post_ids) == len(set(canteen.post_ids)) == 4 and canteen.post_count == 4


def test_an_edited_post_moves_to_the_event_it_now_describes(pipeline, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    clock = ManualClock(T0 + timedelta(hours=4))
    enrich_pending(post_store, event_store, pipeline, clock)
    before = _membership(post_store)
    edited = make_post("a4", "渠县一小门口又有学生差点被车撞，家长要求装红绿灯", 120)
    post_store.upsert_many([edited])                  # changed text: the store drops its stale enrichment
    assert enrich_pending(post_store, event_store, pipeline, clock).posts == 1
    after = _membership(post_store)
    assert after["weibo:a4"] == before["weibo:b1"] != before["weibo:a1"]
    assert "weibo:a4" not in event_store.get_event(before["weibo:a1"]).post_ids
    assert "weibo:a4" in event_store.get_event(before["weibo:b1"]).post_ids
