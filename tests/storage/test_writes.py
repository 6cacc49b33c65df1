"""Upserts, enrichment and retention: what a crawler, the NLP worker and the retention job rely on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.post import Enrichment, PostCopy
from core.storage import PostQuery
from tests.storage.posts import CURRENT, OLD, POSTS, utc

FIRST, SECOND = POSTS[0], POSTS[1]          # weibo:5001, weibo:5002 (both enriched)


def crawled(post, **changes):
    """The post as a crawler delivers it again: no enrichment, maybe edited."""
    return replace(post, enrichment=None, **changes)


def test_new_posts_are_reported_new_and_a_second_upsert_changes_nothing(store):
    first = store.upsert_many(POSTS[:3])
    assert first.new == [p.id for p in POSTS[:3]] and first.updated == [] and first.rejected == []
    again = store.upsert_many(POSTS[:3])
    assert again.new == [] and again.updated == [p.id for p in POSTS[:3]]
    assert store.count() == 3
    assert store.get_many([p.id for p in POSTS[:3]]) == POSTS[:3]


def test_an_update_replaces_the_stored_post(store):
    store.upsert_many([FIRST])
    changed = replace(FIRST, likes=99, comments=40, copies=(PostCopy("weibo", "https://example.cn/r/1", "转发者"),))
    report = store.upsert_many([changed])
    assert report.updated == [FIRST.id]
    assert store.get(FIRST.id) == changed


def test_a_recrawl_keeps_the_enrichment_of_unchanged_text(store):
    store.upsert_many([FIRST])
    store.upsert_many([crawled(FIRST, likes=50, raw={"mid": "5001", "attitudes_count": 50})])
    stored = store.get(FIRST.id)
    assert stored.enrichment == FIRST.enrichment
    assert stored.likes == 50 and stored.raw == {"mid": "5001", "attitudes_count": 50}
    assert store.count(PostQuery(schools=FIRST.enrichment.schools)) == 1
    assert list(store.iter_unenriched()) == []


def test_an_edited_post_loses_its_stale_enrichment_and_is_found_by_its_new_words(store):
    store.upsert_many([FIRST])
    edited = crawled(FIRST, text="更正：渠县中学门口只是学生之间推搡，并没有受伤。")
    store.upsert_many([edited])
    assert store.get(FIRST.id).enrichment is None
    assert [p.id for batch in store.iter_unenriched() for p in batch] == [FIRST.id]
    assert store.count(PostQuery(text="推搡")) == 1
    assert store.count(PostQuery(text="保安")) == 0
    assert store.count(PostQuery(schools=FIRST.enrichment.schools)) == 0


def test_an_edited_title_also_counts_as_an_edit(store):
    store.upsert_many([FIRST])
    store.upsert_many([crawled(FIRST, title="渠县中学门口冲突")])
    assert store.get(FIRST.id).enrichment is None
    assert store.count(PostQuery(text="冲突")) == 1


def test_an_incoming_enrichment_replaces_the_stored_one(store):
    store.upsert_many([FIRST])
    newer = Enrichment(CURRENT, schools=("quxian-erzhong",), sentiment=0.8, rumour_score=0.0)
    store.upsert_many([FIRST.with_enrichment(newer)])
    assert store.get(FIRST.id).enrichment == newer
    assert store.aggregate(PostQuery(), "school")[0].key == "quxian-erzhong"


def test_within_one_batch_the_later_duplicate_wins(store):
    later = replace(FIRST, likes=7)
    report = store.upsert_many([FIRST, SECOND, later])
    assert sorted(report.new) == sorted([FIRST.id, SECOND.id])
    assert store.count() == 2 and store.get(FIRST.id).likes == 7


def good_row(key: str, **changes) -> dict:
    row = {"source": "weibo-search", "platform": "weibo", "native_id": key,
           "url": f"https://weibo.example/{key}", "published_at": "2026-05-14T09:00:00+08:00",
           "fetched_at": "2026-05-14T09:05:00+08:00", "text": "渠县第三中学今天举行消防演练，全校师生有序疏散。"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


BAD_ROWS = [
    ("text", good_row("b1", text=None)),
    ("text", good_row("b2", text="   ")),
    ("published_at", good_row("b3", published_at="昨天下午")),
    ("published_at", good_row("b4", published_at=None)),
    ("platform", good_row("b5", platform=None)),
    ("likes", good_row("b6", likes=-3)),
    ("reposts", good_row("b7", reposts="很多")),
    ("url", good_row("b8", url="weibo.example/b8", native_id=None)),
    ("colour", good_row("b9", colour="red")),
]


def test_rejected_rows_name_their_field_and_the_rest_of_the_batch_is_stored(store):
    rows = [good_row("ok1")] + [row for _, row in BAD_ROWS] + [good_row("ok2")]
    report = store.upsert_many(rows)
    assert report.new == ["weibo:ok1", "weibo:ok2"]
    assert [(r.index, r.field) for r in report.rejected] == [(i + 1, f) for i, (f, _) in enumerate(BAD_ROWS)]
    for rejection, (field, _) in zip(report.rejected, BAD_ROWS):
        assert field in rejection.reason
    assert store.count() == 2
    assert store.count(PostQuery(text="消防演练")) == 2


def test_a_batch_of_only_bad_rows_stores_nothing(store):
    report = store.upsert_many([row for _, row in BAD_ROWS])
    assert report.new == [] and len(report.rejected) == len(BAD_ROWS)
    assert store.count() == 0


def test_a_mapping_without_fetched_at_is_stamped_with_the_time_it_was_stored(store):
    report = store.upsert_many([good_row("nf", fetched_at=None)])
    assert report.new == ["weibo:nf"]
    assert store.get("weibo:nf").fetched_at.tzinfo is not None


def test_unknown_ids_are_none_or_left_out_and_order_follows_the_request(store):
    store.upsert_many(POSTS)
    assert store.get("weibo:404") is None
    ids = ["news:8002", "weibo:404", "weibo:5001", "rss:9001"]
    assert [p.id for p in store.get_many(ids)] == ["news:8002", "weibo:5001", "rss:9001"]
    assert store.get_many([]) == []


def test_write_enrichment_updates_known_ids_only_and_is_visible_at_once(store):
    store.upsert_many(POSTS)
    fresh = Enrichment(CURRENT, schools=("quxian-zhongxue",), sentiment=0.05, rumour_score=0.95,
                       incident_types=("traffic",), event_id="ev-9", enriched_at=utc("2026-05-14T00:00:00Z"))
    assert store.write_enrichment({"weibo:5004": fresh, "weibo:404": fresh}) == 1
    assert store.get("weibo:5004").enrichment == fresh
    assert [p.id for p in store.search(PostQuery(event_id="ev-9")).posts] == ["weibo:5004"]
    assert store.count(PostQuery(incident_types=("traffic",), rumour_at_least=0.9)) == 1
    assert store.write_enrichment({}) == 0


def test_rewritten_enrichment_drops_old_schools_and_incidents(store):
    store.upsert_many([POSTS[8]])                            # tieba:7002, two schools, two incident types
    store.write_enrichment({"tieba:7002": Enrichment(CURRENT, schools=("quxian-shiyan",))})
    assert store.aggregate(PostQuery(), "school") == store.aggregate(PostQuery(schools=("quxian-shiyan",)), "school")
    assert store.aggregate(PostQuery(), "incident_type") == []
    assert store.count(PostQuery(schools=("quxian-zhongxue",))) == 0


def test_iter_unenriched_oldest_fetch_first_and_by_model_version(store):
    store.upsert_many(POSTS)
    assert [[p.id for p in b] for b in store.iter_unenriched()] == [["weibo:5004", "rss:9001"]]
    batches = [[p.id for p in b] for b in store.iter_unenriched(CURRENT, batch_size=2)]
    assert batches == [["weibo:5005", "weibo:5004"], ["rss:9001"]]
    assert [p.id for b in store.iter_unenriched(OLD) for p in b][:2] == ["weibo:5006", "weibo:5001"]


def test_writing_enrichment_while_iterating_visits_every_post_once(store):
    store.upsert_many(POSTS)
    seen = []
    for batch in store.iter_unenriched(CURRENT, batch_size=1):
        seen.extend(p.id for p in batch)
        store.write_enrichment({p.id: Enrichment(CURRENT) for p in batch})
    assert seen == ["weibo:5005", "weibo:5004", "rss:9001"]
    assert list(store.iter_unenriched(CURRENT)) == []


def test_delete_older_than_removes_only_older_posts_everywhere(store):
    store.upsert_many(POSTS)
    assert store.delete_older_than(utc("2026-05-10T09:40:00+08:00")) == 3   # 5006, 5005, 5001
    assert store.count() == len(POSTS) - 3
    assert store.get("weibo:5001") is None and store.get("weibo:5002") is not None
    assert store.count(PostQuery(text="停电")) == 0
    assert ("quxian-sanzhong", 1) not in [(b.key, b.count) for b in store.aggregate(PostQuery(), "school")]
    assert store.delete_older_than(utc("2020-01-01T00:00:00Z")) == 0


@pytest.mark.parametrize("sort", ["time", "relevance"])
def test_an_empty_store_answers_empty(store, sort):
    assert store.search(PostQuery(text="学校"), sort=sort).total == 0
    assert store.aggregate(PostQuery(), "day") == [] and store.count() == 0
    assert list(store.iter_unenriched()) == []


def test_large_counts_and_odd_payload_values_are_stored(store):
    viral = replace(FIRST, likes=3_000_000_000, raw={"id": 5001, "tags": ("转发", "热搜"), "nested": {"a": [1, 2]}})
    assert store.upsert_many([viral]).new == [FIRST.id]
    stored = store.get(FIRST.id)
    assert stored.likes == 3_000_000_000
    assert stored.raw == {"id": 5001, "tags": ["转发", "热搜"], "nested": {"a": [1, 2]}}


def test_a_recrawl_with_a_smaller_payload_drops_the_old_keys(store):
    store.upsert_many([replace(FIRST, raw={"a": 1, "b": 2})])
    store.upsert_many([crawled(FIRST, raw={"a": 3})])
    assert store.get(FIRST.id).raw == {"a": 3}


def test_a_post_whose_publication_time_changed_is_found_at_its_new_time_only(store):
    store.upsert_many(POSTS)
    later = crawled(FIRST, published_at=utc("2026-05-13T12:00:00+08:00"))
    assert store.upsert_many([later]).updated == [FIRST.id]
    window = PostQuery(text="保安", since=utc("2026-05-13T00:00:00+08:00"))
    assert [p.id for p in store.search(window).posts] == [FIRST.id]
    assert store.count(PostQuery(text="保安", until=utc("2026-05-13T00:00:00+08:00"))) == 0
    assert store.search(PostQuery()).posts[0].id == FIRST.id
    assert store.get(FIRST.id).enrichment == FIRST.enrichment and store.count() == len(POSTS)
    assert store.count(PostQuery(schools=FIRST.enrichment.schools, since=utc("2026-05-13T00:00:00+08:00"))) == 1


def test_a_post_from_an_impossible_year_is_rejected_and_the_rest_stored(store):
    report = store.upsert_many([good_row("y1", published_at="2300-01-01T00:00:00+08:00"), good_row("ok3")])
    assert report.new == ["weibo:ok3"] and [r.index for r in report.rejected] == [0]
    assert store.count() == 1


def test_reactions_keep_their_parent_and_are_found_by_it(store):
    repost = replace(SECOND, id="weibo:6001", parent_id=FIRST.id, relation="repost", enrichment=None)
    comment = replace(SECOND, id="weibo:6002", parent_id="weibo:6001", relation="comment", enrichment=None)
    store.upsert_many([FIRST, repost, comment])
    assert store.get(repost.id).parent_id == FIRST.id and store.get(repost.id).relation == "repost"
    assert store.get(FIRST.id).parent_id is None and store.get(FIRST.id).relation == ""
    found = store.search(PostQuery(parent_ids=(FIRST.id, "weibo:6001")), limit=10).posts
    assert sorted(p.id for p in found) == ["weibo:6001", "weibo:6002"]
    assert store.count(PostQuery(parent_ids=("weibo:nobody",))) == 0
