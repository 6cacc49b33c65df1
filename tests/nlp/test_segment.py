"""Segmentation with the profile's user dictionary, also as the post store's ``segment=``."""

from __future__ import annotations

from core.storage import PostQuery
from infra.storage.sqlite import SqlitePostStore
from nlp.segment import make_segmenter, user_dictionary

from tests.stories import make_post


def test_school_and_township_names_stay_whole(profile):
    segment = make_segmenter(profile)
    words = segment("渠县二中和三汇镇中心小学的学生在賨人谷研学")
    assert "渠县二中" in words and "三汇镇中心小学" in words and "賨人谷" in words


def test_user_dictionary_lists_every_school_name(profile):
    dictionary = user_dictionary(profile)
    for school in profile.schools:
        assert f"{school.name} " in dictionary


def test_bad_input_gives_no_words(profile):
    segment = make_segmenter(profile)
    assert segment("") == [] and segment(None) == []
    assert len(segment("渠县" * 50_000)) > 0


def test_post_store_searches_whole_school_names_with_the_segmenter(profile, tmp_path):
    store = SqlitePostStore(tmp_path / "posts.db", segment=make_segmenter(profile))
    try:
        store.upsert_many([make_post("a", "渠县二中门口发生交通事故"), make_post("b", "二中今天放假，渠县下雨")])
        found = store.search(PostQuery(text="渠县二中")).posts
        assert [p.id for p in found] == ["weibo:a"]
    finally:
        store.close()
