"""A store knows which segmenter cut each post's index terms: reopened with another one (the county profile's,
where 渠县二中 is one word) it says it needs a reindex, and after ``reindex`` search finds what the new
segmenter finds. Runs on every backend."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.profile import load_profile
from core.storage import PostQuery
from nlp.segment import make_segmenter
from tests.storage.posts import POSTS, post

PLAIN, COUNTY = "jieba-search", "qu-county-1"

SCHOOL_POSTS = [
    post("tieba:7101", "tieba-quxian", "2026-05-14T19:00:00+08:00", "渠县二中食堂的饭菜有异味，好几个同学拉肚子。",
         schools=["quxian-erzhong"], incidents=["food_safety"], sentiment=0.1, rumour=0.3),
    post("weibo:5101", "weibo-search", "2026-05-14T20:00:00+08:00", "听说渠县二中晚自习停电了，家长都很着急。",
         schools=["quxian-erzhong"], incidents=["facility"], sentiment=0.3, rumour=0.2),
]


@pytest.fixture(scope="module")
def county_segmenter():
    return make_segmenter(load_profile())


def school_hits(store) -> list[str]:
    return [p.id for p in store.search(PostQuery(text="渠县二中"), limit=50).posts]


def test_an_empty_store_needs_no_reindex(stores, county_segmenter):
    store = stores.open(county_segmenter, COUNTY)
    assert not store.needs_reindex
    assert store.reindex() == 0


def test_posts_cut_by_another_segmenter_are_found_only_after_reindex(stores, county_segmenter):
    plain = stores.open(segmenter_version=PLAIN)
    plain.upsert_many(POSTS + SCHOOL_POSTS)
    assert not plain.needs_reindex
    county = stores.open(county_segmenter, COUNTY, name=plain.name)
    assert county.needs_reindex
    assert school_hits(county) == []            # the old terms are 渠县 / 二中, the new query term 渠县二中

    seen = []
    assert county.reindex(progress=lambda done, total: seen.append((done, total))) == len(POSTS) + 2
    assert seen[-1] == (len(POSTS) + 2, len(POSTS) + 2)
    assert not county.needs_reindex
    assert school_hits(county) == ["weibo:5101", "tieba:7101"]
    assert county.get_many([p.id for p in POSTS + SCHOOL_POSTS]) == POSTS + SCHOOL_POSTS   # nothing else changed
    assert county.count(PostQuery(text="食堂")) == 4
    assert county.reindex() == 0


def test_a_recrawl_keeps_the_old_terms_and_their_version_a_new_post_gets_the_new(stores, county_segmenter):
    plain = stores.open(segmenter_version=PLAIN)
    plain.upsert_many(SCHOOL_POSTS[:1])
    county = stores.open(county_segmenter, COUNTY, name=plain.name)
    county.upsert_many([replace(SCHOOL_POSTS[0], enrichment=None, likes=40)])    # same text: terms not cut again
    assert county.needs_reindex and school_hits(county) == []
    county.upsert_many(SCHOOL_POSTS[1:])
    assert school_hits(county) == ["weibo:5101"]
    assert county.reindex() == 1
    assert school_hits(county) == ["weibo:5101", "tieba:7101"]
    assert county.get("tieba:7101").likes == 40


def test_an_edited_post_is_cut_by_the_store_that_wrote_it(stores, county_segmenter):
    county = stores.open(county_segmenter, COUNTY)
    county.upsert_many(SCHOOL_POSTS[:1])
    plain = stores.open(segmenter_version=PLAIN, name=county.name)
    assert plain.needs_reindex                  # the way back is a change of segmenter too
    plain.upsert_many([replace(SCHOOL_POSTS[0], enrichment=None, text="更正：渠县二中食堂的饭菜没有问题。")])
    assert not plain.needs_reindex
    assert county.needs_reindex
