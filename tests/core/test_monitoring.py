"""The monitoring round over the real stores a runtime opens (SQLite post store, SQLite state database, the
shipped models): enrichment groups posts into events and survives a restart, an edited post and a crash
mid-batch; the round raises alerts and tells people about grave ones once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.clock import ManualClock
from core.monitoring import MonitoringService
from core.post import Post
from core.settings import load_settings
from core.storage import PostQuery
from infra.runtime import open_runtime

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)


def make_post(key: str, text: str, minutes: float = 0, *, platform: str = "weibo", title: str = "",
              reposts: int = 0, source: str | None = None) -> Post:
    at = T0 + timedelta(minutes=minutes)
    return Post(id=f"{platform}:{key}", source=source or platform, platform=platform,
                url=f"http://example.invalid/{key}", published_at=at, fetched_at=at, text=text, title=title,
                reposts=reposts)


CLOCK = ManualClock(T0 + timedelta(hours=4))


@pytest.fixture()
def runtime(tmp_path):
    """A deployment in a temporary folder, composed the way every process composes it."""
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path)})
    with open_runtime(settings, clock=CLOCK, bcrypt_rounds=4) as runtime:
        yield runtime


@pytest.fixture()
def stores(runtime):
    return runtime.posts, runtime.events


def enrich_pending(post_store, event_store, runtime, clock, batch_size=200, max_posts=None):
    """One enrichment run over these stores, as the worker runs it (a fresh service: a fresh event book)."""
    service = MonitoringService(post_store, event_store, runtime.analyser, runtime.workflow, clock,
                                batch_size=batch_size)
    return service.enrich(max_posts=max_posts)


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


def test_enrichment_groups_posts_into_events_with_heat_grade_and_reasons(runtime, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    stats = enrich_pending(post_store, event_store, runtime, ManualClock(T0 + timedelta(hours=4)), batch_size=3)
    assert stats.posts == len(STORY) and stats.events_created == 2
    membership = _membership(post_store)
    assert _groups(membership) == EXPECTED and membership["weibo:n1"] is None
    canteen = event_store.get_event(membership["weibo:a1"])
    assert canteen.schools == ("quxian-erxiao",) and "food_safety" in canteen.incident_types
    assert canteen.first_seen == T0 and canteen.post_count == 4 and canteen.grade in ("IV", "III", "II", "I")
    assert canteen.grade_reasons and "热度" in canteen.grade_reasons[0]
    assert enrich_pending(post_store, event_store, runtime, ManualClock(T0)).posts == 0   # nothing left


def test_enrichment_survives_a_restart_between_batches(runtime, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    clock = ManualClock(T0 + timedelta(hours=4))
    first = enrich_pending(post_store, event_store, runtime, clock, batch_size=2, max_posts=3)
    assert first.posts == 3
    enrich_pending(post_store, event_store, runtime, clock, batch_size=2)   # a fresh run: a new clusterer
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


def test_a_crash_after_events_were_saved_does_not_count_posts_twice(runtime, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    clock = ManualClock(T0 + timedelta(hours=4))
    with pytest.raises(RuntimeError):
        enrich_pending(_CrashOnce(post_store), event_store, runtime, clock, batch_size=4)
    enrich_pending(post_store, event_store, runtime, clock, batch_size=4)
    membership = _membership(post_store)
    assert _groups(membership) == EXPECTED
    canteen = event_store.get_event(membership["weibo:a1"])
    assert len(canteen.post_ids) == len(set(canteen.post_ids)) == 4 and canteen.post_count == 4


def test_an_edited_post_moves_to_the_event_it_now_describes(runtime, stores):
    post_store, event_store = stores
    post_store.upsert_many(_posts())
    clock = ManualClock(T0 + timedelta(hours=4))
    enrich_pending(post_store, event_store, runtime, clock)
    before = _membership(post_store)
    edited = make_post("a4", "渠县一小门口又有学生差点被车撞，家长要求装红绿灯", 120)
    post_store.upsert_many([edited])                  # changed text: the store drops its stale enrichment
    assert enrich_pending(post_store, event_store, runtime, clock).posts == 1
    after = _membership(post_store)
    assert after["weibo:a4"] == before["weibo:b1"] != before["weibo:a1"]
    assert "weibo:a4" not in event_store.get_event(before["weibo:a1"]).post_ids
    assert "weibo:a4" in event_store.get_event(before["weibo:b1"]).post_ids


GRAVE = [  # a drowning at one school, told many times within two hours: a grade II/I event
    (f"d{i}", f"网传渠县中学两名学生在河边溺水身亡，第{i}位网友转发，家长悲痛，学校至今没有回应", 10 * i, 500 * i)
    for i in range(1, 16)
]


def test_a_round_raises_an_alert_for_a_grave_event_and_tells_people_once(runtime):
    runtime.posts.upsert_many([make_post(key, text, minutes, reposts=reposts) for key, text, minutes, reposts in GRAVE])
    first = runtime.monitoring.enrichment_round()
    assert first.enrichment.posts == len(GRAVE) and first.alerts_raised == 1
    [alert] = runtime.workflow.alerts.all_alerts()
    assert alert.grade in ("II", "I") and alert.schools == ("quxian-zhongxue",)
    ledger = runtime.state.notifications
    assert ledger.is_planned(f"alert:{alert.id}:major") and ledger.planned_triggers() == 1
    second = runtime.monitoring.enrichment_round()           # nothing new: no second alert, nobody told again
    assert second.enrichment.posts == 0 and second.alerts_raised == 0 and ledger.planned_triggers() == 1
    assert "渠县中学" in runtime.monitoring.major_alert_triggers()[0].body      # the school's name, not its id
