"""The post card: one post from the web, shown as text (never HTML), with what NLP made of it."""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from core.post import Post, sentiment_label

from console.components.text import plain, short_time

PLATFORM_NAMES = {"weibo": "微博", "news": "新闻网站", "rss": "RSS", "tieba": "贴吧", "gov_board": "政务留言板",
                  "wechat": "微信", "douyin": "抖音", "forum": "论坛", "video": "视频"}
SENTIMENT_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面"}
_SENTIMENT_COLOURS = {"negative": "red", "neutral": "gray", "positive": "green"}
BODY_LIMIT = 600          # characters of the text shown on a card; the rest is behind 全文


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def _badges(post: Post, schools: Mapping[str, str]) -> str:
    enrichment = post.enrichment
    if enrichment is None:
        return ":gray-badge[未研判]"
    parts = []
    label = sentiment_label(enrichment.sentiment)
    if label:
        parts.append(f":{_SENTIMENT_COLOURS[label]}-badge[{SENTIMENT_NAMES[label]} {enrichment.sentiment:.2f}]")
    if enrichment.rumour_score is not None and enrichment.rumour_score >= 0.5:
        parts.append(f":red-badge[疑似谣言 {enrichment.rumour_score:.2f}]")
    for school in enrichment.schools:
        parts.append(f":blue-badge[{plain(schools.get(school, school))}]")
    for kind in enrichment.incident_types:
        parts.append(f":orange-badge[{plain(kind)}]")
    return " ".join(parts) or ":gray-badge[无标签]"


def post_card(post: Post, schools: Mapping[str, str] | None = None, *, full: bool = False) -> None:
    """Render one post. ``schools`` maps school ids to names for the labels."""
    schools = schools or {}
    with st.container(border=True):
        title = post.title or post.text[:40]
        st.markdown(f"**{plain(title)}**")
        meta = (f"{platform_name(post.platform)} · {post.author or '匿名'} · {short_time(post.published_at)}"
                f" · 转发 {post.reposts} 评论 {post.comments} 点赞 {post.likes}")
        if post.copies:
            meta += f" · 另有 {len(post.copies)} 处转载"
        st.caption(plain(meta))
        text = post.text if full or len(post.text) <= BODY_LIMIT else post.text[:BODY_LIMIT] + "…"
        st.markdown(plain(text))
        st.markdown(_badges(post, schools))
        if post.enrichment and post.enrichment.rumour_cues:
            st.caption("谣言线索：" + plain("；".join(post.enrichment.rumour_cues)))
        st.caption("原文地址：" + plain(post.url))
