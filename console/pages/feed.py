"""信息流: search the posts with filters (words, time, platform, school, sentiment, rumour risk), page by page."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import streamlit as st

from core.post import NEGATIVE_BELOW, POSITIVE_FROM
from core.storage import PostQuery
from core.vocabulary import PLATFORMS, SENTIMENT_NAMES, platform_name

from console import data
from console.components.post_card import post_card
from console.components.text import event_label

RANGES = {1: "近24小时", 7: "近7天", 30: "近30天", 0: "全部"}
SENTIMENTS = {"any": "全部", **SENTIMENT_NAMES}


def _query(text: str, days: int, platforms: list[str], schools: list[str], sentiment: str,
           rumour: bool) -> PostQuery:
    since = data.now() - timedelta(days=days) if days else None
    below = at_least = None
    if sentiment == "negative":
        below = NEGATIVE_BELOW
    elif sentiment == "positive":
        at_least = POSITIVE_FROM
    elif sentiment == "neutral":
        below, at_least = POSITIVE_FROM, NEGATIVE_BELOW
    return PostQuery(text=text.strip() or None, since=since, platforms=tuple(platforms), schools=tuple(schools),
                     sentiment_below=below, sentiment_at_least=at_least, rumour_at_least=0.5 if rumour else None)


def render() -> None:
    st.title("信息流")
    names = data.school_names()
    with st.form("feed.filters"):
        text = st.text_input("关键词", key="feed.text", placeholder="例如：食堂 卫生")
        cols = st.columns(4)
        days = cols[0].selectbox("时间", list(RANGES), format_func=RANGES.get, index=1, key="feed.days")
        platforms = cols[1].multiselect("平台", list(PLATFORMS), format_func=platform_name,
                                        key="feed.platforms", placeholder="全部平台")
        schools = cols[2].multiselect("学校", list(names), format_func=names.get, key="feed.schools",
                                      placeholder="全部学校")
        sentiment = cols[3].selectbox("情感", list(SENTIMENTS), format_func=SENTIMENTS.get, key="feed.sentiment")
        left, middle, right = st.columns(3)
        events = {e.id: e for e in data.events(limit=200)}
        event_id = left.selectbox("事件", [""] + list(events), key="feed.event",
                                  format_func=lambda i: event_label(events[i]) if i in events else "全部")
        rumour = middle.checkbox("只看疑似谣言", key="feed.rumour")
        sort = right.radio("排序", ["time", "relevance"], horizontal=True, key="feed.sort",
                           format_func={"time": "最新", "relevance": "相关度"}.get)
        if st.form_submit_button("搜索", type="primary"):
            st.session_state["feed.page"] = 0
    query = replace(_query(text, days, platforms, schools, sentiment, rumour), event_id=event_id or None)
    size = max(1, data.settings().console_page_size)
    page = int(st.session_state.get("feed.page", 0))
    result = data.search(query, sort=sort, offset=page * size, limit=size)
    pages = max(1, -(-result.total // size))
    st.caption(f"共 {result.total} 条，第 {min(page + 1, pages)} / {pages} 页")
    if not result.posts:
        st.info("没有符合条件的信息。可以放宽时间范围或减少筛选条件。")
    for post in result.posts:
        post_card(post, names)
    _pager(page, pages)


def _pager(page: int, pages: int) -> None:
    left, right = st.columns(2)
    if left.button("上一页", key="feed.prev", disabled=page <= 0):
        st.session_state["feed.page"] = page - 1
        st.rerun()
    if right.button("下一页", key="feed.next", disabled=page + 1 >= pages):
        st.session_state["feed.page"] = page + 1
        st.rerun()
