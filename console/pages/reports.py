"""报告: daily, weekly and special (one event) reports with charts, downloadable as DOCX and Markdown."""

from __future__ import annotations

import re

import streamlit as st

from core.clock import CHINA_TZ

from console import data, session
from console.components.feedback import attempt
from console.components.text import event_label

KINDS = {"daily": "舆情日报", "weekly": "舆情周报", "special": "舆情专报（单个事件）"}
# An image line of the report's Markdown (``![name](file.png)``). A browser cannot load the file it names, so
# the page shows the chart itself at that place instead of the line.
_IMAGE_LINE = re.compile(r"^!\[[^\]]*\]\(([^)]*)\)\s*$")


def split_at_charts(markdown: str, charts: dict[str, bytes]) -> list[tuple[str, str]]:
    """The report as ("text", markdown) and ("chart", name) parts in order; a chart the text does not name
    comes at the end."""
    parts: list[tuple[str, str]] = []
    text: list[str] = []
    shown = set()
    for line in markdown.splitlines():
        image = _IMAGE_LINE.match(line.strip())
        if image and image.group(1) in charts:
            parts.append(("text", "\n".join(text)))
            parts.append(("chart", image.group(1)))
            shown.add(image.group(1))
            text = []
        else:
            text.append(line)
    parts.append(("text", "\n".join(text)))
    parts += [("chart", name) for name in charts if name not in shown]
    return [(kind, value) for kind, value in parts if kind == "chart" or value.strip()]


def render() -> None:
    st.title("报告")
    wf, user = data.workflow(), session.user()
    kind = st.radio("报告类型", list(KINDS), format_func=KINDS.get, horizontal=True, key="reports.kind")
    today = data.now().astimezone(CHINA_TZ).date()
    event_id = day = None
    if kind == "special":
        events = data.events(limit=100)
        if not events:
            st.info("暂无事件，无法生成专报。")
            return
        by_id = {e.id: e for e in events}
        event_id = st.selectbox("事件", list(by_id), key="reports.event",
                                format_func=lambda i: event_label(by_id[i]))
    else:
        day = st.date_input("日期" if kind == "daily" else "截至日期", value=today, max_value=today,
                            key="reports.day")
    if st.button("生成报告", key="reports.make", type="primary"):
        makers = {"daily": lambda: wf.reports.daily(user, day), "weekly": lambda: wf.reports.weekly(user, day),
                  "special": lambda: wf.reports.special(user, event_id)}
        with st.spinner("正在生成报告…"):
            st.session_state["reports.current"] = attempt(makers[kind])
    report = st.session_state.get("reports.current")
    if report is None:
        return
    st.divider()
    cols = st.columns(2)
    cols[0].download_button("下载 Word（DOCX）", report.docx, file_name=f"{report.title}.docx", key="reports.docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    cols[1].download_button("下载 Markdown", report.markdown.encode("utf-8"), file_name=f"{report.title}.md",
                            mime="text/markdown", key="reports.md")
    with st.container(border=True):
        # The report is our own template's Markdown; Streamlit never renders raw HTML in it.
        for kind, value in split_at_charts(report.markdown, report.charts):
            if kind == "chart":
                st.image(report.charts[value], caption=value.removesuffix(".png"))
            else:
                st.markdown(value)
