"""The monitoring round over the real stores a runtime opens (SQLite post store, SQLite state database, the
shipped models): enrichment groups posts into events and survives a restart, an edited post and a crash
mid-batch; the round raises alerts and tells people about grave ones once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core.clock import ManualClock
from core.monitoring import MonitoringService
from core.post import PostCopy
from core.settings import load_settings
from core.storage import PostQuery
from infra.runtime import open_runtime
from tests.stories import EXPECTED, STORY, T0, make_post, story_posts





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




def _posts():
    return story_posts()


def _membership(post_store) -> dict[str, str | None]:
    posts = post_store.search(PostQuery(), limit=100).posts
    return {p.id: p.enrichment.event_id if p.enrichment else "unenriched" for p in posts}


def _groups(membership: dict[str, str | None]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for post_id, event_id in membership.items():
        if event_id:
            groups.setdefault(event_id, set()).add(post_id)
    return {frozenset(g) for g in groups.values()}




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
    # Fifteen accounts filling in one template within hours also read as a crew: suspected hype is told too.
    assert ledger.is_planned(f"alert:{alert.id}:major") and ledger.is_planned(f"alert:{alert.id}:hype")
    assert ledger.planned_triggers() == 2
    second = runtime.monitoring.enrichment_round()           # nothing new: no second alert, nobody told again
    assert second.enrichment.posts == 0 and second.alerts_raised == 0 and ledger.planned_triggers() == 2
    assert "渠县中学" in runtime.monitoring.major_alert_triggers()[0].body      # the school's name, not its id


SOURCE_TEXT = "网曝渠县中学一名老师在教室把学生打成重伤，家长到校讨说法"


def test_a_reaction_joins_its_sources_event_whether_it_arrives_before_or_after_it(runtime, stores):
    post_store, event_store = stores
    clock = ManualClock(T0 + timedelta(hours=4))
    source = make_post("s1", SOURCE_TEXT, 0)
    early = replace(make_post("r1", "太可怕了，必须严查", 20), parent_id=source.id, relation="comment",
                    fetched_at=T0 + timedelta(minutes=1))        # crawled before its source
    late = replace(make_post("r2", "转发：真的假的？", 40), parent_id=source.id, relation="repost")
    post_store.upsert_many([early])
    enrich_pending(post_store, event_store, runtime, clock)
    assert post_store.get(early.id).enrichment.event_id is None     # its source is not known yet
    post_store.upsert_many([replace(source, fetched_at=T0 + timedelta(minutes=30))])
    enrich_pending(post_store, event_store, runtime, clock)
    post_store.upsert_many([late])
    enrich_pending(post_store, event_store, runtime, clock)
    event_id = post_store.get(source.id).enrichment.event_id
    assert event_id is not None
    for reaction in (early, late):
        enrichment = post_store.get(reaction.id).enrichment
        assert enrichment.event_id == event_id and enrichment.schools == ("quxian-zhongxue",)
    event = event_store.get_event(event_id)
    assert set(event.post_ids) == {source.id, early.id, late.id} and event.post_count == 3


def test_the_crowds_doubt_and_rebuttals_raise_the_sources_rumour_risk_as_they_arrive(runtime, stores):
    post_store, event_store = stores
    clock = ManualClock(T0 + timedelta(hours=4))
    source = make_post("s9", "渠县中学有学生被老师打死了，学校封锁消息掩盖真相，大家快转！", 0)
    post_store.upsert_many([source])
    enrich_pending(post_store, event_store, runtime, clock)
    alone = post_store.get(source.id).enrichment
    doubts = ("假的吧？有没有官方消息", "求证，谁在现场", "造谣的吧，别乱传", "已经辟谣了，是学生自己摔的",
              "官方通报说不是这样", "这种谣言也信？", "求真相，不要传谣", "假消息，学校已经说明了")
    reactions = [replace(make_post(f"d{n}", text, 10 + 5 * n), parent_id=source.id, relation="comment")
                 for n, text in enumerate(doubts)]
    post_store.upsert_many(reactions)
    enrich_pending(post_store, event_store, runtime, clock)
    read_again = post_store.get(source.id).enrichment
    assert read_again.rumour_score > alone.rumour_score
    assert any(cue.startswith(("评论质疑", "评论辟谣", "评论求证")) for cue in read_again.rumour_cues)
    assert read_again.event_id == alone.event_id       # the crowd changes the risk, not the event


def test_copies_folded_after_enrichment_raise_the_events_volume_heat_and_grade(runtime):
    post_store, event_store = runtime.posts, runtime.events
    clock = ManualClock(T0 + timedelta(hours=1))
    service = MonitoringService(post_store, event_store, runtime.analyser, runtime.workflow, clock)
    source = make_post("c1", "渠县中学门口有人拉横幅，说学校食堂饭菜有异味", 0)
    post_store.upsert_many([source])
    service.enrichment_round()
    event_id = post_store.get(source.id).enrichment.event_id
    before = event_store.get_event(event_id)
    copies = tuple(PostCopy("weibo", f"http://example.invalid/copy{i}", f"网友{i}", T0 + timedelta(minutes=i))
                   for i in range(1, 16))
    post_store.upsert_many([replace(source, copies=copies, reposts=3000, comments=2000, likes=9000)])
    report = service.enrichment_round()
    after = event_store.get_event(event_id)
    assert report.enrichment.posts == 0                       # nothing was enriched again ...
    assert (before.post_count, after.post_count) == (1, 16)   # ... and still the event counts every copy
    assert after.heat > before.heat + 20 and after.grade in ("III", "II", "I")
    assert runtime.workflow.alerts.for_event(event_id) is not None


def test_an_alleged_death_is_at_least_grade_ii_and_the_reasons_say_why(runtime, stores):
    post_store, event_store = stores
    post_store.upsert_many([make_post("k1", "渠县中学有个教师打死学生了，学校还在封锁消息", 0)])
    enrich_pending(post_store, event_store, runtime, ManualClock(T0 + timedelta(hours=1)))
    event = event_store.get_event(post_store.get("weibo:k1").enrichment.event_id)
    assert event.grade in ("II", "I") and event.heat < 55
    assert any("死亡" in reason and "II级" in reason for reason in event.grade_reasons)


def test_a_school_post_with_an_incident_signal_but_no_type_forms_an_event_typed_other(runtime, stores):
    post_store, event_store = stores
    clock = ManualClock(T0 + timedelta(hours=1))
    post_store.upsert_many([make_post("o1", "渠县中学这事太恶心了，家长们都气炸了，学校必须给个说法", 0)])
    enrich_pending(post_store, event_store, runtime, clock)
    first = post_store.get("weibo:o1").enrichment
    assert set(first.incident_types) <= {"other"} and first.event_id is not None   # no type named, yet not lost
    assert event_store.get_event(first.event_id).incident_types == ("other",)
    post_store.upsert_many([make_post("o2", "渠县中学门口有学生被打伤了，家长很气愤", 30)])
    enrich_pending(post_store, event_store, runtime, clock)
    assert post_store.get("weibo:o2").enrichment.event_id == first.event_id
    assert "other" not in event_store.get_event(first.event_id).incident_types     # upgraded by the later post
