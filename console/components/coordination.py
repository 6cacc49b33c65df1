"""协同传播分析 on the event page: the coordination score and why, the accounts behind it, the timeline of the
flagged group against the rest of the spread, and the cascade with the flagged posts marked."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from core.clock import CHINA_TZ
from core.vocabulary import COORDINATION_SIGNAL_NAMES, platform_name
from nlp.coordination import ALERT_LINE, CascadePost, CoordinationReport

from console.components.text import plain

BUCKET_SECONDS = 600
ANONYMOUS = "匿名用户"
ACCOUNTS_SHOWN = 20
CASCADE_SHOWN = 40


def render(report: CoordinationReport, cascade: list[CascadePost]) -> None:
    st.subheader("协同传播分析（疑似恶意炒作）")
    verdict = "疑似有组织炒作" if report.above_alert_line else "未见明显协同炒作迹象"
    cols = st.columns(3)
    cols[0].metric("协同度评分", f"{report.score} / 100", help=f"{ALERT_LINE} 分及以上提示疑似有组织炒作")
    cols[1].metric("可疑账号", len(report.flagged))
    cols[2].metric("可疑信息", len(report.flagged_post_ids))
    st.caption(plain(f"结论：{verdict} · 分析 {report.posts_analysed} 条信息、{report.accounts_analysed} 个账号 · "
                     f"方法版本 {report.method_version}"))
    for reason in report.reasons:
        st.markdown("- " + plain(reason))
    if not report.flagged:
        return
    if report.above_alert_line:
        st.warning("可在“移交处置”中以“恶意炒作”类型移交宣传部、公安机关；证据包将附本分析。")
    st.altair_chart(_timeline(report, cascade), width="stretch")
    st.dataframe(_accounts(report), hide_index=True, width="stretch")
    st.dataframe(_cascade(report, cascade), hide_index=True, width="stretch")


def _local(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=CHINA_TZ).replace(tzinfo=None)


def _timeline(report: CoordinationReport, cascade: list[CascadePost]) -> alt.Chart:
    flagged = set(report.flagged_post_ids)
    counts: Counter[tuple[float, str]] = Counter()
    for post in cascade:
        bucket = post.at - post.at % BUCKET_SECONDS
        counts[(bucket, "可疑账号" if post.post_id in flagged else "其他账号")] += 1
    frame = pd.DataFrame([{"时间": _local(t), "来源": who, "条数": n} for (t, who), n in sorted(counts.items())])
    return (alt.Chart(frame, title="传播时间线（每 10 分钟）").mark_bar()
            .encode(x=alt.X("时间:T", title="时间", axis=alt.Axis(format="%m-%d %H:%M")),
                    y=alt.Y("条数:Q", title="条数", stack=True),
                    color=alt.Color("来源:N", title=None,
                                    scale=alt.Scale(domain=["可疑账号", "其他账号"], range=["#d62728", "#9ecae1"])),
                    tooltip=[alt.Tooltip("时间:T", format="%m-%d %H:%M"), "来源:N", "条数:Q"]))


def _accounts(report: CoordinationReport) -> pd.DataFrame:
    return pd.DataFrame([{
        "账号": f.author_name or ANONYMOUS, "信息条数": f.posts,
        "粉丝数": "—" if f.followers is None else f.followers,
        "首次发布": _local(f.first_at).strftime("%m-%d %H:%M"),
        "命中检测项": "、".join(COORDINATION_SIGNAL_NAMES.get(c, c) for c in f.signals),
    } for f in report.flagged[:ACCOUNTS_SHOWN]])


def _cascade(report: CoordinationReport, cascade: list[CascadePost]) -> pd.DataFrame:
    """The spread in time order, flagged posts first marked: who reposted whom, on which platform."""
    flagged = set(report.flagged_post_ids)
    names = {p.post_id: p.author_name or ANONYMOUS for p in cascade}
    rows = sorted(cascade, key=lambda p: (p.post_id not in flagged, p.at))[:CASCADE_SHOWN]
    return pd.DataFrame([{
        "可疑": "是" if p.post_id in flagged else "", "时间": _local(p.at).strftime("%m-%d %H:%M"),
        "平台": platform_name(p.platform), "账号": p.author_name or ANONYMOUS,
        "转发自": names.get(p.parent_id or "", "—") if p.parent_id else "—", "内容": p.text[:80],
    } for p in rows])
