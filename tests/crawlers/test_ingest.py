"""A batch into a real SQLite store and the state database's crawl state: duplicates by id, updates, near-copies
folded into their original."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.clock import CHINA_TZ
from core.post import Enrichment, post_from_mapping
from crawlers.ingest import ingest_batch
from infra.state import open_state_database
from infra.storage.sqlite import SqlitePostStore

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=CHINA_TZ)
RUMOUR = "【扩散】渠县二小食堂被曝用变质肉做饭，已经有几十个孩子送进县医院了！家长们注意了，消息来自群里多位家长。"


def post(native: str, text: str, minutes: int = 0, platform: str = "weibo", **extra):
    return post_from_mapping({"platform": platform, "native_id": native, "source": "test", "text": text,
                              "url": f"https://example.cn/{platform}/{native}", "published_at": T0 + timedelta(minutes=minutes),
                              "fetched_at": T0 + timedelta(hours=1), **extra})


@pytest.fixture
def stores(tmp_path):
    store, database = SqlitePostStore(tmp_path / "posts.db"), open_state_database(f"sqlite:///{tmp_path / 'state.db'}")
    yield store, database.crawl_state
    store.close()
    database.close()


def test_near_copies_fold_into_the_earliest_post_across_platforms_and_batches(stores):
    store, state = stores
    copy_text = "扩散！渠县二小食堂被曝用变质肉做饭，已经有几十个孩子送进县医院了！家长们注意了，消息来自群里多位家长！"
    # the copy is listed first in the batch, but the earlier post is the original
    first = ingest_batch(store, state, [post("2", copy_text, 12), post("1", RUMOUR, 0),
                                        post("3", "渠县今天天气晴朗，适合去賨人谷爬山看红叶，晚上吃一碗黄花面。", 5)], [])
    assert (first.new, first.copies) == (2, 1)
    assert store.get("weibo:2") is None
    assert [c.url for c in store.get("weibo:1").copies] == ["https://example.cn/weibo/2"]
    tieba_copy = post("9", "二小食堂被曝用变质肉做饭，已经有几十个孩子送进县医院了！家长们注意了，消息来自群里多位家长。",
                      40, platform="tieba")
    second = ingest_batch(store, state, [tieba_copy], [])
    assert (second.new, second.copies) == (0, 1)
    assert store.get("weibo:1").spread == 3 and store.count() == 2


def test_same_post_again_is_a_duplicate_and_a_changed_one_an_update_that_keeps_copies_and_enrichment(stores):
    store, state = stores
    ingest_batch(store, state, [post("1", RUMOUR, 0, likes=5)],
                 [{"id": "weibo:7", "original_id": "weibo:1", "platform": "weibo", "url": "https://m.weibo.cn/detail/7",
                   "author": "路人", "published_at": T0}])
    store.write_enrichment({"weibo:1": Enrichment(model_version="m1", schools=("quxian-erxiao",))})
    again = ingest_batch(store, state, [post("1", RUMOUR, 0, likes=5), post("1", RUMOUR, 0, likes=5)],
                         [{"id": "weibo:7", "original_id": "weibo:1", "platform": "weibo",
                           "url": "https://m.weibo.cn/detail/7", "author": "路人", "published_at": T0}])
    assert (again.new, again.updated, again.copies, again.duplicate) == (0, 0, 0, 3)
    changed = ingest_batch(store, state, [post("1", RUMOUR, 0, likes=99)], [])
    assert changed.updated == 1
    stored = store.get("weibo:1")
    assert stored.likes == 99 and len(stored.copies) == 1
    assert stored.enrichment is not None and stored.enrichment.schools == ("quxian-erxiao",)


def test_a_repost_of_a_post_folded_as_a_copy_counts_for_the_original(stores):
    store, state = stores
    ingest_batch(store, state, [post("1", RUMOUR, 0)], [])
    ingest_batch(store, state, [post("2", RUMOUR + "！", 5)], [])
    result = ingest_batch(store, state, [], [{"id": "weibo:8", "original_id": "weibo:2", "platform": "weibo",
                                              "url": "https://m.weibo.cn/detail/8", "author": "", "published_at": None}])
    assert result.copies == 1 and store.get("weibo:1").spread == 3


def test_a_comment_on_a_post_folded_as_a_copy_reacts_to_the_original(stores):
    store, state = stores
    ingest_batch(store, state, [post("1", RUMOUR, 0)], [])
    comment = post("9", "真的假的？有没有人出来说句话，孩子们还好吗", 7, parent_id="weibo:2", relation="repost")
    ingest_batch(store, state, [post("2", RUMOUR + "！", 5), comment], [])        # the copy and its reaction at once
    later = post("10", "我家孩子也在二小，今天没事，大家别慌", 9, parent_id="weibo:2", relation="comment")
    ingest_batch(store, state, [later], [])                                      # and one in a later batch
    assert store.get("weibo:2") is None
    assert store.get("weibo:9").parent_id == store.get("weibo:10").parent_id == "weibo:1"


def test_an_earlier_original_arriving_after_its_copy_is_stored_not_swallowed(stores):
    store, state = stores
    ingest_batch(store, state, [post("9", RUMOUR + "转", 60, platform="tieba")], [])
    late_original = ingest_batch(store, state, [post("1", RUMOUR, 0)], [])
    assert late_original.new == 1 and store.get("weibo:1").text == RUMOUR
