"""Format drift is an alarm: a site that answers 200 in a structure no spider knows (the simulated web's
``layout_changed``) is recorded per spider as 格式异常 with a saved sample of the page, shown by `yuqing
crawl-health`, and notified to the administrator; a source that reads far fewer items than usual too."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.crawl_health import CrawlRun, DRIFT_SAMPLE_CHARS, drift_reason, judge
from infra.cli import main as yuqing
from infra.runtime import open_runtime
from infra.simweb.scenario import Fault
from tests.crawlers.conftest import World

T0 = datetime(2026, 12, 8, 4, 0, tzinfo=timezone.utc)
SPIDER_OF = {"weibo-search": "weibo", "weibo-accounts": "weibo", "news-dzrbs": "news", "news-newssc": "news",
             "rss-quxian-gov": "rss", "tieba-quxian": "tieba", "gov-board": "gov_board"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("drift"))
    world.web.set_minute(400)
    yield world
    world.web.stop()


@pytest.mark.slow
def test_every_spider_reports_a_changed_layout_as_format_drift(world, capsys):
    world.web.add_fault(Fault("layout_changed", match="/"))
    extra = {"notify_emails": "admin=it@quxian.example", "smtp_host": "127.0.0.1", "smtp_port": "9"}
    runs = world.crawl(*SPIDER_OF, **extra)
    world.web.clear_faults()
    assert {runs[name].spider for name in SPIDER_OF} == set(SPIDER_OF.values())        # all five spiders
    verdicts = world.verdicts()
    for name, run in runs.items():
        assert run.format_drift and verdicts[name].verdict == "drift", (name, run)
        assert verdicts[name].reason.startswith("格式异常：") and run.items_new == 0
        assert 0 < len(run.drift_sample) <= DRIFT_SAMPLE_CHARS and "改版" in run.drift_sample + run.drift_reason
    # the administrator is told, once per source and day
    with open_runtime(world.settings(**extra)) as runtime:
        deliveries = runtime.state.notifications.deliveries()
    drift = [d for d in deliveries if d.kind == "crawl_format_drift"]
    assert {d.trigger_id.split(":")[1] for d in drift} == set(SPIDER_OF)
    assert {d.address for d in drift} == {"it@quxian.example"} and "格式异常" in drift[0].title
    # and `yuqing crawl-health` says so, with the page
    clock = [f"--set={name}={value}" for name, value in world.web.clock_settings().items()]
    code = yuqing(["--set", f"data_dir={world.data_dir}", *clock, "crawl-health", "--runs", "1"])
    out = capsys.readouterr().out
    assert code == 1 and out.count("格式异常") >= 2 * len(SPIDER_OF) and "页面样本" in out


@pytest.mark.slow
def test_once_the_site_is_read_again_the_verdict_is_ok(world):
    runs = world.crawl(*SPIDER_OF)
    assert not any(run.format_drift for run in runs.values())
    assert {name: health.verdict for name, health in world.verdicts().items()} == {name: "ok" for name in SPIDER_OF}


def _run(run_id: str, items: int, hours: int, **kw) -> CrawlRun:
    return CrawlRun(run_id=run_id, source="news-dzrbs", spider="news", started_at=T0.replace(hour=hours),
                    finished_at=T0.replace(hour=hours), finish_reason="finished", pages=3, items_parsed=items, **kw)


def test_far_fewer_items_than_usual_is_drift_and_a_quiet_source_is_not():
    usual = [_run(f"r{i}", 30 + i, i) for i in range(5)]
    assert "远少于该来源通常的 32 条" in drift_reason(_run("now", 3, 6), usual)
    assert drift_reason(_run("now", 20, 6), usual) == ""
    assert drift_reason(_run("now", 2, 6), [_run(f"r{i}", 2, i) for i in range(5)]) == ""      # a small source
    assert drift_reason(_run("now", 0, 6, blocked=True), usual) == ""                          # judged as blocked
    drifted = _run("now", 0, 6, format_drift=True, drift_reason="x")
    assert judge("news-dzrbs", [*usual, drifted], T0.replace(hour=7), 21600).verdict == "drift"
