"""事件: one event in detail — timeline, spread per platform, its posts with rumour cues, its alert and
clocks; a monitor may raise an alert by hand for an event the rules did not catch."""

from __future__ import annotations

import streamlit as st

from core.event import Event
from core.storage import Bucket
from core.vocabulary import incident_name, platform_name, unknown

from console import data, session
from console.components import badges, charts, coordination
from console.components.feedback import call
from console.components.post_card import post_card
from console.components.spread import spread_view
from console.components.text import event_label, plain, short_time

POSTS_SHOWN = 30
SPREAD_POSTS = 1000            # posts read for the spread view (a bigger event is analysed on its first 1000)


def _pick() -> Event | None:
    events = data.events(limit=200)
    if not events:
        st.info("暂无事件。事件由后台任务根据采集的信息自动聚合生成。")
        return None
    by_id = {e.id: e for e in events}
    wanted = st.query_params.get("event")
    if wanted in by_id and "event.selected" not in st.session_state:
        st.session_state["event.selected"] = wanted
    chosen = st.selectbox("选择事件", list(by_id), key="event.selected",
                          format_func=lambda i: event_label(by_id[i]))
    return data.event(chosen) or by_id.get(chosen)


def render() -> None:
    st.title("事件")
    if not data.has_events():
        st.info("事件库尚未配置，暂无法显示事件。")
        return
    item = _pick()
    if item is None:
        return
    st.markdown(f"{badges.grade(item.grade)} **{plain(item.title)}**")
    cols = st.columns(4)
    cols[0].metric("热度", f"{item.heat:.1f}")
    cols[1].metric("信息量", item.post_count)
    cols[2].metric("疑似谣言占比", f"{item.rumour_share:.0%}")
    cols[3].metric("负面占比", f"{item.negative_share:.0%}")
    names = data.school_names()
    schools = "、".join(names.get(s, unknown(s)) for s in item.schools) or "—"
    kinds = "、".join(incident_name(t) for t in item.incident_types) or "—"
    st.caption(plain(f"涉及学校：{schools} · 类型：{kinds} · "
                     f"首发 {short_time(item.first_seen)} · 最近 {short_time(item.last_seen)}"))
    if item.grade_reasons:
        st.caption("定级依据：" + plain("；".join(item.grade_reasons)))
    _alert(item)
    left, right = st.columns(2)
    if item.timeline:
        left.altair_chart(charts.timeline(item.timeline), width="stretch")
    spread = [Bucket(k, v) for k, v in sorted(item.spread_by_platform.items(), key=lambda kv: -kv[1])]
    if spread:
        right.altair_chart(charts.bars(spread, {b.key: platform_name(b.key) for b in spread}, "平台",
                                       title="各平台传播量"), width="stretch")
    spread_view(data.posts(tuple(item.post_ids[:SPREAD_POSTS])))
    report, cascade = data.coordination(item.id)
    if report is not None:
        coordination.render(report, cascade)
    _posts(item, names)


def _alert(item: Event) -> None:
    wf = data.workflow()
    alert = wf.alerts.for_event(item.id)
    if alert:
        st.markdown(f"预警：{badges.alert_state(alert.state)} {badges.grade(alert.grade)} "
                    + badges.clocks(wf.clocks.for_alert(alert.id)))
        return
    st.caption("该事件尚未生成预警。")
    with st.form("event.raise"):
        reason = st.text_input("人工发起预警的理由", key="event.raise_reason")
        if st.form_submit_button("发起预警"):
            if not reason.strip():
                st.error("请填写发起预警的理由。")
            else:
                call(lambda: wf.alerts.raise_manual(session.user(), item, reason.strip()), "已发起预警，等待审核。")


def _posts(item: Event, names: dict[str, str]) -> None:
    st.subheader("相关信息")
    ids = list(item.post_ids)
    representative = item.representative_post_id
    if representative in ids:
        ids.remove(representative)
        ids.insert(0, representative)
    shown = data.posts(tuple(ids[:POSTS_SHOWN]))
    if len(ids) > POSTS_SHOWN:
        st.caption(f"显示前 {POSTS_SHOWN} 条，共 {len(ids)} 条；可在“信息流”中按事件筛选查看全部。")
    for post in shown:
        post_card(post, names)
