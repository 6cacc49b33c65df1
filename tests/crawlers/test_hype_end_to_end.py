"""The malicious-hype drill scenario, crawled for real and analysed as production does: the crew's template posts
on Weibo and Tieba are folded as copies by the crawler, join one event, and the coordination analysis of that
event names the crew and nobody else."""

from __future__ import annotations

import pytest

from infra.runtime import open_runtime
from tests.crawlers.conftest import World

pytestmark = pytest.mark.slow
CREW_KEYS = [f"h{n:02d}" for n in range(2, 16)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("hype"), "malicious-hype")
    yield world
    world.web.stop()


def test_the_crew_of_the_drill_is_flagged_on_the_event(world):
    world.web.set_minute(90)
    runs = world.crawl("weibo-search", "weibo-accounts", "tieba-quxian")
    assert all(run.finish_reason == "finished" for run in runs.values())
    with open_runtime(world.settings()) as runtime:
        runtime.monitoring.enrich()
        # Whichever crew post the crawler stored first is the original the others were folded into.
        crew_posts = {world.scenario.expected_post_id(k) for k in CREW_KEYS}
        events = [e for e in runtime.events.list_events(limit=50) if crew_posts & set(e.post_ids)]
        assert len(events) == 1, "the crew's post formed no event"
        report = runtime.coordination.report(events[0].id)
    crew = {world.scenario.by_key[k].author for k in CREW_KEYS}
    flagged = {f.author_name for f in report.flagged}
    assert flagged == crew
    assert report.above_alert_line
    assert {"copy_burst", "cross_platform"} <= {s.code for s in report.signals}
