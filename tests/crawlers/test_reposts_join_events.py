"""The crawler-NLP contract for reactions, end to end: a real crawl of the simulated web stores a commented
Weibo repost with its source's post id, and the monitoring round puts it in its source's event with the
source's school, although its own words name no school."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from infra.runtime import open_runtime
from tests.crawlers.conftest import World

pytestmark = pytest.mark.slow


def test_a_crawled_repost_joins_its_sources_event_and_school(tmp_path):
    world = World(tmp_path, "traffic-accident")
    try:
        world.web.set_minute(40)
        runs = world.crawl("weibo-search", "weibo-accounts")
        assert {run.finish_reason for run in runs.values()} == {"finished"}
        source_id, repost_id = (world.scenario.expected_post_id(k) for k in ("t05", "t08"))
        with open_runtime(world.settings(), clock=ManualClock(world.web.now()), bcrypt_rounds=4) as runtime:
            repost = runtime.posts.get(repost_id)
            assert (repost.parent_id, repost.relation) == (source_id, "repost")
            assert "一小" not in repost.text                      # its own words name no school
            runtime.monitoring.enrichment_round()
            source, repost = runtime.posts.get(source_id), runtime.posts.get(repost_id)
            assert source.enrichment.event_id and repost.enrichment.event_id == source.enrichment.event_id
            assert "quxian-yixiao" in repost.enrichment.schools
            event = runtime.events.get_event(source.enrichment.event_id)
            assert repost_id in event.post_ids and event.post_count >= 2
    finally:
        world.web.stop()
