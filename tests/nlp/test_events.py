"""Events: clustering against the drill scenarios' ground truth, heat and grade from settings, and
enrichment over real stores that survives a restart, an edited post and a crash mid-batch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import ManualClock
from core.errors import ConfigurationError
from core.storage import PostQuery
from nlp.enrich import enrich_pending
from nlp.events import summarise
from nlp.pipeline import event_settings
from nlp.scenario_eval import scenario_figures

from .conftest import SCENARIOS, T0, make_post

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


@pytest.mark.skipif(not SCENARIOS, reason="no drill scenarios in infra/scenarios")
def test_clustering_matches_the_scenarios_ground_truth(pipeline):
    figures = scenario_figures(pipeline, SCENARIOS)
    assert figures["ari"] >= 0.8, figures
    assert figures["school_precision"] >= 0.95 and figures["school_recall"] >= 0.9, figures
    assert figures["incident_recall"] >= 0.7, figures


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


def test_grade_follows_the_threshold_settings(profile, pipeline):
    posts = [make_post(f"p{i}", "渠县二小食堂变质肉", i, reposts=500) for i in range(30)]
    members = [(p, None) for p in posts]
    strict = summarise("e", members, event_settings(profile), T0)
    lenient = summarise("e", members, event_settings(profile, {"nlp_grade_iii_heat": 1, "nlp_grade_ii_heat": 2,
                                                                "nlp_grade_i_heat": 3}), T0)
    assert lenient.grade == "I" and lenient.heat == strict.heat
    assert strict.grade != "I" and "阈值" in strict.grade_reasons[0]
    with pytest.raises(ConfigurationError, match="nlp_grade_iii_heat"):
        event_settings(profile, {"nlp_grade_iii_heat": 90})


def test_heat_rises_with_volume_spread_and_engagement(profile):
    settings = event_settings(profile)
    small = summarise("e", [(make_post("s", "渠县二小食堂"), None)], settings, T0)
    many = [(make_post(f"m{i}", "渠县二小食堂", i, platform=("weibo", "news", "tieba")[i % 3], reposts=200), None)
            for i in range(40)]
    big = summarise("e", many, settings, T0)
    assert big.heat > small.heat and big.spread_by_platform == {"weibo": 14, "news": 13, "tieba": 13}
