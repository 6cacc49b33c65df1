"""The post: stable ids, validation that names the field, and times that mean what the site meant."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.errors import InvalidInput
from core.post import (Enrichment, Post, PostCopy, canonical_url, make_post_id, post_from_mapping,
                       sentiment_label)


def row(**changes):
    data = {"source": "dazhou-news", "platform": "news", "url": "https://news.example.cn/a/1.html",
            "published_at": "2026-05-10T08:00:00+08:00", "fetched_at": "2026-05-10T08:10:00+08:00",
            "text": "渠县中学举行春季运动会。"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_same_article_gets_the_same_id_whatever_tracking_the_link_carries():
    plain = make_post_id("news", url="https://news.example.cn/a/1.html?id=7&page=2")
    shared = make_post_id("news", url="HTTPS://News.Example.cn:443/a/1.html?page=2&utm_source=wx&id=7&spm=a.b#top")
    assert plain == shared and plain.startswith("news:u")
    assert make_post_id("news", url="https://news.example.cn/a/2.html") != plain


def test_a_native_id_wins_over_the_url():
    assert make_post_id("weibo", "4890001", "https://weibo.example/x") == "weibo:4890001"


def test_canonical_url_keeps_meaningful_query_and_non_default_ports():
    assert canonical_url("http://Example.cn:8080/p?b=2&a=1#frag") == "http://example.cn:8080/p?a=1&b=2"


@pytest.mark.parametrize("url", ["", "   ", "news.example.cn/a", "ftp://example.cn/a"])
def test_a_url_that_is_not_absolute_http_is_refused_naming_url(url):
    with pytest.raises(InvalidInput) as caught:
        canonical_url(url)
    assert caught.value.field == "url"


@pytest.mark.parametrize("field", ["source", "platform", "url", "published_at", "text"])
def test_a_missing_required_field_is_named(field):
    with pytest.raises(InvalidInput) as caught:
        post_from_mapping(row(**{field: None}))
    assert caught.value.field == field and field in str(caught.value)


@pytest.mark.parametrize("field,value", [("published_at", "2026年5月10日"), ("fetched_at", "soon"),
                                         ("likes", -1), ("comments", "many"), ("enrichment", {"schools": []})])
def test_a_wrong_value_is_refused(field, value):
    with pytest.raises((InvalidInput, KeyError)):
        post_from_mapping(row(**{field: value}))


def test_an_unknown_field_is_named():
    with pytest.raises(InvalidInput) as caught:
        post_from_mapping(row(colour="red"))
    assert caught.value.field == "colour"


def test_a_naive_time_is_china_time_and_comes_back_in_utc():
    post = post_from_mapping(row(published_at="2026-05-10 08:00:00"))
    assert post.published_at == datetime(2026, 5, 10, 0, 0, tzinfo=timezone.utc)


def test_fetched_at_can_come_from_the_caller():
    fetched = datetime(2026, 5, 10, 1, tzinfo=timezone.utc)
    assert post_from_mapping(row(fetched_at=None), fetched_at=fetched).fetched_at == fetched
    with pytest.raises(InvalidInput) as caught:
        post_from_mapping(row(fetched_at=None))
    assert caught.value.field == "fetched_at"


def test_a_post_survives_a_trip_through_json_ready_dicts():
    post = post_from_mapping(row(native_id="n1", title="运动会", likes="12", raw={"k": [1, 2]},
                                 copies=[{"platform": "weibo", "url": "https://weibo.example/r"}],
                                 enrichment={"model_version": "m1", "schools": ["quxian-zhongxue"],
                                             "sentiment": 0.8, "enriched_at": "2026-05-10T09:00:00Z"}))
    assert post.id == "news:n1" and post.likes == 12
    assert post.enrichment.schools == ("quxian-zhongxue",)
    assert Post.from_dict(post.to_dict()) == post


def test_engagement_and_spread_count_what_people_did():
    post = post_from_mapping(row(reposts=3, comments=4, likes=5))
    assert post.engagement == 12 and post.spread == 1
    copied = Post(**{**post.__dict__, "copies": (PostCopy("weibo", "https://w/1"), PostCopy("tieba", "https://t/1"))})
    assert copied.spread == 3
    assert copied.with_enrichment(Enrichment("m")).enrichment.model_version == "m"


@pytest.mark.parametrize("score,label", [(None, None), (0.0, "negative"), (0.399, "negative"), (0.4, "neutral"),
                                         (0.599, "neutral"), (0.6, "positive"), (1.0, "positive")])
def test_sentiment_labels_have_fixed_boundaries(score, label):
    assert sentiment_label(score) == label
