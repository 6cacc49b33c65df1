"""Events: clustering against the drill scenarios' ground truth, heat and grade from settings, and the event
book a monitoring round uses: clustering over several batches, a restart from the saved events, an edited post
that moves, and a post already a member that is not counted twice. The saved events are kept in a dict here:
the book never sees a store."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from core.errors import ConfigurationError
from core.event import Event
from core.monitoring import Analyser, EventBook
from core.post import Enrichment, Post
from nlp.events import summarise
from nlp.pipeline import ClusterBook, Pipeline, event_settings
from nlp.scenario_eval import scenario_figures

from tests.stories import EXPECTED, T0, make_post, story_posts

from .conftest import SCENARIOS

NOW = T0 + timedelta(hours=4)


def _posts() -> list[Post]:
    return story_posts()


class _Round:
    """What a monitoring round keeps between batches: the posts, their enrichment and the saved events."""

    def __init__(self, events: dict[str, Event] | None = None):
        self.posts: dict[str, Post] = {}
        self.enrichment: dict[str, Enrichment] = {}
        self.events: dict[str, Event] = dict(events or {})

    def run(self, book: ClusterBook, batch: list[Post]) -> set[str]:
        self.posts.update((p.id, p) for p in batch)
        enrichments, touched = book.enrich(batch, NOW)
        self.enrichment.update(enrichments)
        for event_id in touched:
            members = [(self.posts[i], self.enrichment[i]) for i in book.members(event_id)]
            if members:
                self.events[event_id] = book.summarise(event_id, members, NOW, self.events.get(event_id))
            else:
                self.events.pop(event_id, None)
        return touched

    def groups(self) -> set[frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for post_id, enrichment in self.enrichment.items():
            if enrichment.event_id:
                groups.setdefault(enrichment.event_id, set()).add(post_id)
        return {frozenset(g) for g in groups.values()}


def _batches(posts: list[Post], size: int) -> list[list[Post]]:
    return [posts[i:i + size] for i in range(0, len(posts), size)]


@pytest.mark.skipif(not SCENARIOS, reason="no drill scenarios in infra/scenarios")
def test_clustering_matches_the_scenarios_ground_truth(pipeline):
    figures = scenario_figures(pipeline, SCENARIOS)
    assert figures["ari"] >= 0.8, figures
    assert figures["school_precision"] >= 0.95 and figures["school_recall"] >= 0.9, figures
    assert figures["incident_recall"] >= 0.7, figures


def test_the_book_groups_posts_of_several_batches_into_events_with_heat_grade_and_reasons(pipeline):
    book, done = pipeline.open_book(), _Round()
    for batch in _batches(_posts(), 3):
        done.run(book, batch)
    assert done.groups() == EXPECTED and done.enrichment["weibo:n1"].event_id is None
    assert len(done.events) == 2
    enrichment = done.enrichment["weibo:a2"]
    assert enrichment.model_version == pipeline.model_version and enrichment.enriched_at == NOW
    assert enrichment.schools == ("quxian-erxiao",) and "food_safety" in enrichment.incident_types
    assert enrichment.rumour_cues and enrichment.sentiment is not None
    canteen = done.events[done.enrichment["weibo:a1"].event_id]
    assert canteen.schools == ("quxian-erxiao",) and "food_safety" in canteen.incident_types
    assert canteen.first_seen == T0 and canteen.post_count == 4 and canteen.grade in ("IV", "III", "II", "I")
    assert canteen.grade_reasons and "热度" in canteen.grade_reasons[0] and canteen.detected_at == NOW


def test_a_bare_alias_joins_its_schools_event_only_when_it_speaks_of_the_incident(pipeline):
    done = _Round()
    done.run(pipeline.open_book(), [
        make_post("e1", "渠县二中老师把学生打成重伤送医，学校到现在还在封锁消息", 0, reposts=300),
        make_post("e2", "渠县二中打学生的老师必须严肃处理", 10, reposts=100),
        make_post("h1", "二中打学生的老师处理了没有？", 30),                   # the incident, named by 二中 alone
        make_post("n1", "我们二中毕业的同学聚会，好多年没见了，大家都变了样", 35),   # another 二中, no incident
        make_post("n2", "二中的老同学们，周末一起吃饭啊", 40),
    ])
    event = done.enrichment["weibo:e1"].event_id
    assert event and done.enrichment["weibo:h1"].event_id == event
    assert done.enrichment["weibo:n1"].event_id is None and done.enrichment["weibo:n1"].schools == ()
    assert done.enrichment["weibo:n2"].event_id is None and done.enrichment["weibo:n2"].schools == ()


def test_a_new_book_fed_the_saved_events_continues_the_clustering(pipeline):
    posts = _posts()
    first = _Round()
    first.run(pipeline.open_book(), posts[:3])
    later = _Round(first.events)                      # a restart: a new book, only the saved events
    later.enrichment.update(first.enrichment)
    later.posts.update(first.posts)
    book = pipeline.open_book()
    book.add_events(first.events.values())
    for batch in _batches(posts[3:], 2):
        later.run(book, batch)
    assert later.groups() == EXPECTED and len(later.events) == 2
    assert sorted(later.events[later.enrichment["weibo:a1"].event_id].post_ids) == sorted(
        ["weibo:a1", "weibo:a2", "weibo:a3", "weibo:a4"])


def test_a_post_already_a_member_is_not_counted_twice(pipeline):
    done = _Round()
    done.run(pipeline.open_book(), _posts())
    canteen_id = done.enrichment["weibo:a1"].event_id
    # A crash after the events were saved and before the posts' enrichment was: the batch comes again.
    book = pipeline.open_book()
    book.add_events(done.events.values())
    again = [p for p in _posts() if p.id in ("weibo:a2", "weibo:a3")]
    assert done.run(book, again) == {canteen_id}
    assert done.enrichment["weibo:a2"].event_id == done.enrichment["weibo:a3"].event_id == canteen_id
    canteen = done.events[canteen_id]
    assert len(canteen.post_ids) == len(set(canteen.post_ids)) == 4 and canteen.post_count == 4
    assert sorted(book.members(canteen_id)) == sorted(canteen.post_ids)


def test_an_edited_post_moves_to_the_event_it_now_describes(pipeline):
    done = _Round()
    done.run(pipeline.open_book(), _posts())
    canteen_id, traffic_id = done.enrichment["weibo:a1"].event_id, done.enrichment["weibo:b1"].event_id
    book = pipeline.open_book()
    book.add_events(done.events.values())
    edited = make_post("a4", "渠县一小门口又有学生差点被车撞，家长要求装红绿灯", 120)
    touched = done.run(book, [edited])
    assert touched == {canteen_id, traffic_id}
    assert done.enrichment["weibo:a4"].event_id == traffic_id != canteen_id
    assert "weibo:a4" not in book.members(canteen_id) and "weibo:a4" in book.members(traffic_id)
    assert "weibo:a4" not in done.events[canteen_id].post_ids and "weibo:a4" in done.events[traffic_id].post_ids


def test_an_event_that_loses_its_only_post_has_no_members(pipeline):
    done = _Round()
    done.run(pipeline.open_book(), [make_post("x", "渠县三中食堂饭菜变质，学生吃了拉肚子", 0)])
    (event_id,) = done.events
    book = pipeline.open_book()
    book.add_events(done.events.values())
    touched = done.run(book, [make_post("x", "渠县今天天气晴好，适合出游", 0)])
    assert touched == {event_id} and book.members(event_id) == [] and event_id not in done.events
    assert done.enrichment["weibo:x"].event_id is None


def _signature(function) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values()]


def test_pipeline_and_book_have_the_shape_core_monitoring_declares(pipeline):
    for name in ("add_events", "enrich", "members", "summarise"):
        assert _signature(getattr(ClusterBook, name)) == _signature(getattr(EventBook, name)), name
    assert _signature(Pipeline.open_book) == _signature(Analyser.open_book)
    assert set(Analyser.__annotations__) == {"model_version", "event_window"}
    assert isinstance(pipeline.model_version, str) and "sentiment=" in pipeline.model_version
    assert pipeline.event_window == timedelta(hours=pipeline.events.window_hours) == timedelta(hours=72)


def test_the_pipeline_uses_the_segmenter_it_is_given(profile, pipeline):
    calls: list[str] = []

    def segment(text: str, hmm: bool = True) -> list[str]:
        calls.append(text)
        return pipeline.segmenter(text, hmm=hmm)

    shared = Pipeline(profile, pipeline.sentiment.classifier, pipeline.rumour.classifier, segmenter=segment)
    assert shared.segmenter is segment
    assert "渠县二小" in shared.words("渠县二小食堂的肉有酸味") and calls


def test_grade_follows_the_threshold_settings(profile):
    posts = [make_post(f"p{i}", "渠县二小食堂变质肉", i, reposts=500) for i in range(30)]
    members = [(p, None) for p in posts]
    strict = summarise("e", members, event_settings(profile), T0)
    lenient = summarise("e", members, event_settings(profile, grade_iii_heat=1, grade_ii_heat=2, grade_i_heat=3), T0)
    assert lenient.grade == "I" and lenient.heat == strict.heat
    assert strict.grade != "I" and "阈值" in strict.grade_reasons[0]
    with pytest.raises(ConfigurationError, match="nlp_grade_iii_heat"):
        event_settings(profile, grade_iii_heat=90)
    with pytest.raises(ConfigurationError, match="nlp_event_window_hours"):
        event_settings(profile, window_hours=0)


def test_heat_rises_with_volume_spread_and_engagement(profile):
    settings = event_settings(profile)
    small = summarise("e", [(make_post("s", "渠县二小食堂"), None)], settings, T0)
    many = [(make_post(f"m{i}", "渠县二小食堂", i, platform=("weibo", "news", "tieba")[i % 3], reposts=200), None)
            for i in range(40)]
    big = summarise("e", many, settings, T0)
    assert big.heat > small.heat and big.spread_by_platform == {"weibo": 14, "news": 13, "tieba": 13}


def test_reposts_of_a_doubted_source_count_as_rumour_spread_and_the_grade_says_the_crowd_doubts_it(profile):
    from dataclasses import replace

    def enriched(score: float, cues: tuple[str, ...] = ()) -> Enrichment:
        return Enrichment("test", schools=("qx-no2",), rumour_score=score, rumour_cues=cues)

    source = make_post("src", "网传渠县二中有学生被打死了，学校封锁消息，大家扩散")
    reposts = [replace(make_post(f"r{i}", "转发微博", i + 1), parent_id=source.id, relation="repost") for i in range(4)]
    second_hand = replace(make_post("rr", "扩散", 6), parent_id=reposts[0].id, relation="repost")
    comments = [replace(make_post(f"c{i}", "假的吧，求证", i + 7), parent_id=source.id, relation="comment")
                for i in range(3)]
    members = [(source, enriched(0.93, ("网传", "评论质疑：3/8", "评论求证：3/8")))]
    members += [(p, enriched(0.1)) for p in (*reposts, second_hand, *comments)]
    event = summarise("e", members, event_settings(profile), T0)
    assert event.rumour_share == pytest.approx(6 / 9, abs=1e-3)     # the source and its five reposts, not comments
    assert any(r.startswith("疑似谣言占比 67%（含转发疑似谣言的帖文 5 条）") for r in event.grade_reasons)
    assert any(r.startswith("源帖经评论研判疑似谣言（风险 0.93；评论质疑：3/8，评论求证：3/8）") for r in event.grade_reasons)
    # The same cascade around a source nobody doubts is no rumour.
    trusted = summarise("e", [(source, enriched(0.2))] + members[1:], event_settings(profile), T0)
    assert trusted.rumour_share == 0 and not any("谣言" in r for r in trusted.grade_reasons)
