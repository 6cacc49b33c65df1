"""The conformance table: queries over the fixture posts and the exact ids each backend must answer.

Every fixture post is stored before the first query (the module-scoped ``loaded`` store), so each post a
query leaves out is a counterexample, not an accident of loading order.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.storage import Bucket, PostQuery
from tests.storage.posts import BY_TIME, ERZHONG, POSTS, SHIYAN, WENHUI, ZHONGXUE, utc


@dataclass(frozen=True)
class Case:
    name: str
    query: PostQuery
    expected: list[str]
    sort: str = "time"


def only(*ids: str) -> list[str]:
    """The given ids in time order (newest first, ties by id)."""
    return [i for i in BY_TIME if i in ids]


SEARCHES = [
    Case("everything", PostQuery(), BY_TIME),
    Case("one word", PostQuery(text="打架"), only("weibo:5002", "weibo:5001", "weibo:5006")),
    Case("word in the middle of a sentence", PostQuery(text="食堂"),
         only("rss:9001", "weibo:5003", "tieba:7001")),
    Case("every term must occur", PostQuery(text="渠县中学 打架"), only("weibo:5002", "weibo:5001", "weibo:5006")),
    Case("unspaced phrase is segmented", PostQuery(text="学生打架"), only("weibo:5001", "weibo:5006", "weibo:5002")),
    Case("title only", PostQuery(text="通报"), ["news:3001"]),
    Case("same time sorts by id", PostQuery(text="防溺水"), ["news:8001", "news:8002"]),
    Case("no post has it", PostQuery(text="地震"), []),
    Case("punctuation only", PostQuery(text="，。！"), []),
    Case("latin text is case-insensitive", PostQuery(text="NOSUCHWORD"), []),
    Case("since inclusive, until exclusive",
         PostQuery(since=utc("2026-05-11T20:30:00+08:00"), until=utc("2026-05-11T21:05:00+08:00")), ["tieba:7001"]),
    Case("one local day", PostQuery(since=utc("2026-05-11T00:00:00+08:00"), until=utc("2026-05-12T00:00:00+08:00")),
         only("tieba:7001", "weibo:5003")),
    Case("platforms", PostQuery(platforms=("news", "rss")), only("rss:9001", "news:8001", "news:8002", "news:3001")),
    Case("source", PostQuery(sources=("dazhou-news",)), only("news:8001", "news:8002", "news:3001")),
    Case("school", PostQuery(schools=(ERZHONG,)), only("tieba:7002", "weibo:5003", "tieba:7001")),
    Case("any of two schools", PostQuery(schools=(SHIYAN, WENHUI)), only("news:8001", "gov_board:301")),
    Case("incident type", PostQuery(incident_types=("food_safety",)), only("weibo:5003", "tieba:7001")),
    Case("second incident type of a post", PostQuery(incident_types=("bullying",)), ["tieba:7002"]),
    Case("negative: strictly below", PostQuery(sentiment_below=0.2),
         only("tieba:7002", "weibo:5003", "tieba:7001", "weibo:5002")),
    Case("positive: at least", PostQuery(sentiment_at_least=0.55), only("news:8001", "news:8002", "news:3001")),
    Case("rumour at least", PostQuery(rumour_at_least=0.85), only("weibo:5003", "weibo:5002")),
    Case("event", PostQuery(event_id="ev-1"), only("news:3001", "weibo:5002")),
    Case("unknown event", PostQuery(event_id="ev-404"), []),
    Case("text and filters together", PostQuery(text="学生", schools=(ZHONGXUE,), rumour_at_least=0.1),
         only("tieba:7002", "weibo:5002", "weibo:5001", "weibo:5006")),
    Case("filters that exclude each other", PostQuery(platforms=("news",), schools=(ERZHONG,)), []),
    Case("relevance: most mentions first", PostQuery(text="食堂"), ["tieba:7001", "weibo:5003", "rss:9001"],
         sort="relevance"),
    Case("words within a time window", PostQuery(text="学校", since=utc("2026-05-10T09:00:00+08:00"),
                                                 until=utc("2026-05-12T23:10:00+08:00")),
         only("news:8002", "news:3001", "weibo:5002")),
    Case("relevance within a platform", PostQuery(text="食堂", platforms=("weibo", "tieba")),
         ["tieba:7001", "weibo:5003"], sort="relevance"),
    Case("incident type and source", PostQuery(incident_types=("violence",), sources=("weibo-search",)),
         only("weibo:5001", "weibo:5002", "weibo:5006")),
    Case("relevance without text is time order", PostQuery(platforms=("weibo",)),
         only("weibo:5001", "weibo:5002", "weibo:5003", "weibo:5004", "weibo:5005", "weibo:5006"), sort="relevance"),
]


@pytest.mark.parametrize("case", SEARCHES, ids=lambda c: c.name)
def test_search_answers_exactly_the_expected_posts(loaded, case):
    page = loaded.search(case.query, sort=case.sort, limit=50)
    assert [p.id for p in page.posts] == case.expected
    assert page.total == len(case.expected)
    assert loaded.count(case.query) == len(case.expected)


def test_pages_follow_each_other_without_gaps(loaded):
    pages = [loaded.search(PostQuery(), offset=offset, limit=4) for offset in range(0, 16, 4)]
    assert [p.id for page in pages for p in page.posts] == BY_TIME
    assert {page.total for page in pages} == {len(BY_TIME)}
    assert [p.id for p in pages[1].posts] == BY_TIME[4:8]


@pytest.mark.parametrize("sort", ["time", "relevance"])
def test_posts_of_one_time_keep_id_order_across_page_boundaries(loaded, sort):
    pages = [loaded.search(PostQuery(text="防溺水"), sort=sort, offset=offset, limit=1) for offset in (0, 1, 2)]
    assert [[p.id for p in page.posts] for page in pages] == [["news:8001"], ["news:8002"], []]
    assert [p.id for p in loaded.search(PostQuery(text="安全", platforms=("news",)), offset=1, limit=1).posts] == \
        ["news:8002"]


def test_a_page_past_the_end_is_empty_but_counts(loaded):
    page = loaded.search(PostQuery(text="打架"), offset=10, limit=5)
    assert page.posts == [] and page.total == 3


AGGREGATIONS = [
    ("platform", PostQuery(), [("weibo", 6), ("news", 3), ("tieba", 2), ("gov_board", 1), ("rss", 1)]),
    ("source", PostQuery(), [("weibo-search", 6), ("dazhou-news", 3), ("tieba-quxian", 2), ("dazhou-board", 1),
                             ("sichuan-rss", 1)]),
    ("school", PostQuery(), [(ZHONGXUE, 5), (ERZHONG, 3), ("quxian-sanzhong", 1), (SHIYAN, 1), (WENHUI, 1)]),
    ("school", PostQuery(text="打架"), [(ZHONGXUE, 3)]),
    ("incident_type", PostQuery(), [("violence", 5), ("food_safety", 2), ("bullying", 1), ("facility", 1),
                                    ("traffic", 1)]),
    ("sentiment_label", PostQuery(), [("negative", 7), ("neutral", 2), ("positive", 2)]),
    ("event", PostQuery(), [("ev-1", 2), ("ev-2", 2), ("ev-3", 1)]),
    ("event", PostQuery(platforms=("tieba",)), [("ev-2", 1), ("ev-3", 1)]),
    ("day", PostQuery(), [("2025-01-05T00:00:00+00:00", 1), ("2026-05-09T00:00:00+00:00", 1),
                          ("2026-05-10T00:00:00+00:00", 3), ("2026-05-11T00:00:00+00:00", 2),
                          ("2026-05-12T00:00:00+00:00", 5), ("2026-05-13T00:00:00+00:00", 1)]),
    ("hour", PostQuery(since=utc("2026-05-10T00:00:00Z"), until=utc("2026-05-11T00:00:00Z")),
     [("2026-05-10T00:00:00+00:00", 1), ("2026-05-10T01:00:00+00:00", 1), ("2026-05-10T06:00:00+00:00", 1)]),
    ("hour", PostQuery(text="地震"), []),
]


@pytest.mark.parametrize("by,query,expected", AGGREGATIONS,
                         ids=[f"{a[0]}-{i}" for i, a in enumerate(AGGREGATIONS)])
def test_aggregate_counts_exactly(loaded, by, query, expected):
    assert loaded.aggregate(query, by) == [Bucket(key, count) for key, count in expected]


def test_stored_posts_come_back_unchanged(loaded):
    wanted = {p.id: p for p in POSTS}
    for found in loaded.get_many(list(wanted)):
        assert found == wanted[found.id]


def assert_answers_every_query(store) -> None:
    """A store opened over older data (a migrated file, an upgraded index) answers every query of this
    suite exactly as a fresh store does, and gives every post back unchanged."""
    for case in SEARCHES:
        page = store.search(case.query, sort=case.sort, limit=50)
        assert [p.id for p in page.posts] == case.expected and page.total == len(case.expected), case.name
    for by, query, expected in AGGREGATIONS:
        assert store.aggregate(query, by) == [Bucket(key, count) for key, count in expected]
    assert store.get_many([p.id for p in POSTS]) == POSTS
