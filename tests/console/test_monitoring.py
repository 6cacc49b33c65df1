"""The dashboard and the event page: figures, charts, events with grades and clocks, manual alerts."""

from __future__ import annotations

from datetime import timedelta

from console import data
from core.crawl_health import CrawlRun
from core.settings import load_settings
from infra.runtime import open_runtime
from tests.console.conftest import act, login, open_page, texts


def _charts(at) -> list:
    return [e for e in at.main if getattr(e, "type", "") in ("arrow_vega_lite_chart", "vega_lite_chart")] or \
        at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def test_dashboard_shows_volume_events_grades_and_clocks(seeded):
    at = login("leader")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["信息总量"] == "10" and metrics["待办预警"] == "2"
    assert metrics["疑似谣言"] == "6"             # three food posts at 0.5 or more, three rumour posts
    assert len(_charts(at)) >= 4                 # trend, sentiment, platforms, schools
    shown = texts(at)
    assert "II级 重大" in shown and "5小时信息发布" in shown and "渠县三中秋季运动会" in shown
    assert "未检测到后台任务进程" in shown       # no worker runs in this test


def test_event_page_shows_timeline_spread_and_posts_with_rumour_cues(seeded):
    at = open_page(login("monitor"), "events")
    at.selectbox(key="event.selected").set_value("ev-food").run()
    # timeline, spread per platform, and the coordination timeline: the seed's five 网友 post one template
    assert len(_charts(at)) == 3
    shown = texts(at)
    assert "谣言线索：网传" in shown and "第5条讨论" in shown
    assert {m.label for m in at.metric} >= {"热度", "信息量", "疑似谣言占比"}


def test_monitor_raises_an_alert_by_hand_with_a_reason(seeded):
    at = open_page(login("monitor"), "events")
    at.selectbox(key="event.selected").set_value("ev-calm").run()
    assert "尚未生成预警" in texts(at)
    assert "请填写发起预警的理由" in act(at, "发起预警")
    at.text_input(key="event.raise_reason").input("家长群有安全隐患传言，需核实")
    assert "已发起预警" in act(at, "发起预警")
    alert = data.workflow().alerts.for_event("ev-calm")
    assert alert is not None and alert.raised_by == "monitor"


def test_an_overdue_clock_is_flagged_to_the_leader(seeded, monkeypatch):
    from datetime import datetime, timedelta, timezone

    # The deployment's clock reads six hours from now: the grade II alert's 5-hour clock has run out.
    monkeypatch.setenv("YUQING_CLOCK_ORIGIN", (datetime.now(timezone.utc) + timedelta(hours=6)).isoformat())
    at = login("leader")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["超时计时"] == "1"
    assert any("已超时" in e.value for e in at.error)
    assert "渠县中学食堂饭菜疑似变质 :red-badge[5小时信息发布 · 已超时" in texts(at)


def test_a_source_in_format_drift_is_shown_first_with_its_page_sample(seeded):
    with open_runtime(load_settings()) as runtime:
        now = runtime.clock.now()
        runtime.state.crawl_health.record(CrawlRun(
            run_id="drift-1", source="tieba-quxian", spider="tieba", started_at=now - timedelta(minutes=5),
            finished_at=now, finish_reason="finished", pages=1, format_drift=True,
            drift_reason="1 个页面正常返回，却没有读出任何条目（网站可能改版或接口变化）",
            drift_sample="https://tieba.baidu.com/f?kw=渠县\n<html><div class=\"feed-v2\">改版后的内容</div></html>"))
    at = login("admin")
    shown = texts(at)
    assert "格式异常" in shown and "没有读出任何条目" in shown and "这个来源会漏采" in shown
    assert any("改版后的内容" in code.value for code in at.code)
