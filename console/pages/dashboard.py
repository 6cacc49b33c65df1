"""总览: volume trend, sentiment and platform split, schools most mentioned, active events with grade and
clocks, crawl health and the worker's heartbeat."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core.errors import ConfigurationError
from core.post import NEGATIVE_BELOW
from core.profile import Profile
from core.storage import PostQuery
from core.vocabulary import EMPTY, OPEN_ALERT_STATES, SENTIMENT_NAMES, name_of, platform_name
from core.workflow import User

from console import data, session
from console.components import badges, charts
from console.components.labels import chinese_or, job_label, source_label
from console.components.text import full_time, plain, short_time

RANGES = {1: "近24小时", 7: "近7天", 30: "近30天"}
SENTIMENT_COLOURS = {"负面": "#d62728", "中性": "#9e9e9e", "正面": "#2ca02c"}
OPEN_STATES = OPEN_ALERT_STATES


def render() -> None:
    st.title("总览")
    days = st.segmented_control("时间范围", list(RANGES), format_func=RANGES.get, default=7,
                                key="dashboard.days") or 7
    since = data.now() - timedelta(days=days)
    query = PostQuery(since=since)
    user = session.user()
    _metrics(user, query, since)
    _charts(query, days)
    _events(user, since)
    _health()


def _metrics(user: User, query: PostQuery, since) -> None:
    wf = data.workflow()
    alerts = wf.alerts.list(user, states=OPEN_STATES)
    overdue = wf.clocks.overdue()
    cols = st.columns(5)
    cols[0].metric("信息总量", data.count(query))
    cols[1].metric("负面信息", data.count(PostQuery(since=since, sentiment_below=NEGATIVE_BELOW)))
    cols[2].metric("疑似谣言", data.count(PostQuery(since=since, rumour_at_least=0.5)))
    cols[3].metric("待办预警", len(alerts))
    cols[4].metric("超时计时", len(overdue))
    if overdue:
        titles = {a.id: a.title for a in alerts}
        st.error("以下回应时限已超时，请值班领导督办：")
        for view in overdue:
            title = titles.get(view.clock.alert_id, f"预警 {view.clock.alert_id}")
            st.markdown(f"{plain(title)} {badges.clock(view)}")


def _charts(query: PostQuery, days: int) -> None:
    volume = data.aggregate(query, "hour" if days == 1 else "day")
    if not volume:
        st.info("所选时间范围内还没有采集到信息。请确认后台任务（yuqing worker）正在运行。")
        return
    st.altair_chart(charts.trend(volume, hourly=days == 1), width="stretch")
    left, middle, right = st.columns(3)
    left.altair_chart(charts.donut(data.aggregate(query, "sentiment_label"), SENTIMENT_NAMES, "情感",
                                   title="情感分布", colours=SENTIMENT_COLOURS), width="stretch")
    platforms = data.aggregate(query, "platform")
    middle.altair_chart(charts.bars(platforms, {b.key: platform_name(b.key) for b in platforms}, "平台",
                                    title="平台分布"), width="stretch")
    right.altair_chart(charts.bars(data.aggregate(query, "school")[:10], data.school_names(), "学校",
                                   title="提及最多的学校"), width="stretch")


def _events(user: User, since) -> None:
    st.subheader("活跃事件")
    if not data.has_events():
        st.info("事件库尚未配置，暂无法显示事件。")
        return
    events = data.events(since=since, limit=10)
    if not events:
        st.info("所选时间范围内没有事件。")
        return
    wf = data.workflow()
    for item in events:
        alert = wf.alerts.for_event(item.id)
        with st.container(border=True):
            st.markdown(f"{badges.grade(item.grade)} **{plain(item.title)}**")
            line = f"热度 {item.heat:.1f} · {item.post_count} 条 · 首发 {short_time(item.first_seen)}"
            if alert:
                line += f" · {badges.alert_state(alert.state)} " + badges.clocks(wf.clocks.for_alert(alert.id))
            else:
                line += " · :gray-badge[未生成预警]"
            st.markdown(line)


def _profile() -> Profile | None:
    try:
        return data.profile()
    except ConfigurationError:
        return None                     # 设置 shows what is wrong with the profile; here sources go unnamed


def job_rows(jobs, profile: Profile | None) -> list[dict]:
    """The worker's jobs as table rows, every code in words (a message written for logs is not shown)."""
    return [{"任务": job_label(j.job_id, profile), "上次开始": full_time(j.last_start),
             "耗时（秒）": EMPTY if j.duration_s is None else f"{j.duration_s:.1f}",
             "结果": name_of("job_outcome", j.outcome), "说明": chinese_or(j.message, EMPTY),
             "失败次数": j.failures} for j in jobs]


def source_rows(sources, profile: Profile | None) -> list[dict]:
    """Each source's health as the worker saw it, as table rows."""
    return [{"信息源": source_label(s.source, profile), "状态": "正常" if s.healthy else "异常",
             "原因": chinese_or(s.reason, "采集正常" if s.healthy else "采集失败，详见 yuqing crawl-health"),
             "时间": full_time(s.at)} for s in sources]


def _health() -> None:
    st.subheader("运行状态")
    worker = data.worker_status()
    profile = _profile()
    left, right = st.columns(2)
    with left:
        st.markdown("**后台任务心跳**")
        if worker is None or worker.state == "never":
            st.caption("未检测到后台任务进程（yuqing worker）。请启动后台任务，否则不会采集新信息。")
        else:
            text = f"{name_of('worker_state', worker.state)} · 最近心跳 {full_time(worker.beat_at)}"
            if worker.drill_time:
                text += f" · 演练时间 {full_time(worker.drill_time)}"
            (st.success if worker.alive else st.error)(text)
            if worker.jobs:
                st.dataframe(job_rows(worker.jobs, profile), hide_index=True, width="stretch")
    with right:
        st.markdown("**采集健康**")
        _format_drift(profile)
        sources = list(getattr(worker, "sources", None) or [])
        if not sources:
            st.caption("暂无采集记录。")
        else:
            st.dataframe(source_rows(sources, profile), hide_index=True, width="stretch")


def _format_drift(profile: Profile | None) -> None:
    """格式异常: a source whose pages come back but yield nothing is blind; say so first, with the page."""
    for health in data.format_drift():
        st.error(f"格式异常 · {source_label(health.source, profile)}：{health.reason}。"
                 "在网站恢复或采集配置更新之前，这个来源会漏采。")
        if health.last_run is not None and health.last_run.drift_sample:
            with st.expander(f"{source_label(health.source, profile)} 的页面样本（{full_time(health.last_run.started_at)}）"):
                st.code(health.last_run.drift_sample, language=None)
