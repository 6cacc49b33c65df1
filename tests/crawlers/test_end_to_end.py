"""Every spider crawls the simulated web for real (crawl processes running Scrapy, the web on port 0) into a real
SQLite store: exactly the published posts arrive, later runs add only what is new, and a repeat adds nothing."""

from __future__ import annotations

import pytest

from tests.crawlers.conftest import World

pytestmark = pytest.mark.slow
PLATFORMS = ("weibo", "news", "rss", "tieba", "gov_board")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("e2e"))
    yield world
    world.web.stop()


def test_first_crawl_stores_exactly_the_posts_published_so_far(world):
    world.web.set_minute(150)
    runs = world.crawl()
    assert {name: run.finish_reason for name, run in runs.items()} == {name: "finished" for name in runs}
    for platform in PLATFORMS:
        assert world.stored_ids(platform) == world.expected_ids(platform), platform
    assert sum(len(world.expected_ids(p)) for p in PLATFORMS) == sum(r.items_new for r in runs.values())
    store = world.store()
    try:
        original = store.get(world.scenario.expected_post_id("f02"))      # the rumour, with its long text
        assert original.text.startswith("【扩散】渠县二小食堂被曝用变质肉做饭") and original.text.endswith("多位家长。")
        copies = {c.url for c in original.copies}
        assert copies == {world.scenario.public_url(world.scenario.by_key[k]) for k in ("f03", "f05")}
        board = store.get(world.scenario.expected_post_id("f08"))
        assert board.title == "强烈要求彻查渠县第二小学食堂食材来源" and board.comments == 0   # not yet answered
    finally:
        store.close()


def test_a_later_crawl_adds_only_the_new_posts_and_updates_what_changed(world):
    before = {p: world.stored_ids(p) for p in PLATFORMS}
    world.web.set_minute(400)
    runs = world.crawl()
    for platform in PLATFORMS:
        assert world.stored_ids(platform) == world.expected_ids(platform), platform
    added = sum(len(world.expected_ids(p) - before[p]) for p in PLATFORMS)
    assert sum(r.items_new for r in runs.values()) == added
    assert runs["gov-board"].items_updated == 1              # the parents' complaint got its official reply
    store = world.store()
    try:
        original = store.get(world.scenario.expected_post_id("f02"))
        assert world.scenario.public_url(world.scenario.by_key["f40"]) in {c.url for c in original.copies}
        assert store.get(world.scenario.expected_post_id("f08")).comments == 1
    finally:
        store.close()


def test_a_repeat_crawl_adds_nothing_and_stops_at_the_first_page(world):
    store = world.store()
    count = store.count()
    store.close()
    runs = world.crawl()
    assert {n: (r.items_new, r.items_copies) for n, r in runs.items()} == {n: (0, 0) for n in runs}
    reopened = world.store()
    assert reopened.count() == count
    reopened.close()
    # list pages whose posts were all seen by a complete run end the paging, and no article is fetched again
    assert runs["news-dzrbs"].pages == 1 and runs["tieba-quxian"].pages == 1
    assert {name: health.verdict for name, health in world.verdicts().items()} == {name: "ok" for name in runs}
