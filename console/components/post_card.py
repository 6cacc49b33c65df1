"""The post card: one post from the web, shown as text (never HTML), with what NLP made of it."""

from __future__ import annotations

import re
from typing import Mapping

import streamlit as st

from core.errors import YuqingError
from core.links import SPIDER_HOSTS, safe_link
from core.post import Post, sentiment_label
from core.vocabulary import incident_name, platform_name, sentiment_name, unknown

from console import data
from console.components.text import plain, short_time

_SENTIMENT_COLOURS = {"negative": "red", "neutral": "gray", "positive": "green"}
BODY_LIMIT = 600          # characters of the text shown on a card; the rest is behind 全文


def _badges(post: Post, schools: Mapping[str, str]) -> str:
    enrichment = post.enrichment
    if enrichment is None:
        return ":gray-badge[未研判]"
    parts = []
    label = sentiment_label(enrichment.sentiment)
    if label:
        parts.append(f":{_SENTIMENT_COLOURS[label]}-badge[{sentiment_name(label)} {enrichment.sentiment:.2f}]")
    if enrichment.rumour_score is not None and enrichment.rumour_score >= 0.5:
        parts.append(f":red-badge[疑似谣言 {enrichment.rumour_score:.2f}]")
    for school in enrichment.schools:
        parts.append(f":blue-badge[{plain(schools.get(school, unknown(school)))}]")
    for kind in enrichment.incident_types:
        parts.append(f":orange-badge[{plain(incident_name(kind))}]")
    return " ".join(parts) or ":gray-badge[无标签]"


# Streamlit's Markdown turns anything that looks like a web or e-mail address into a live link, even when
# every character is escaped; text holding one is shown with st.text, which never parses anything.
_LINKISH = re.compile(r"(?i)(https?:|www\.|ftp:|@[^\s]+\.)")


def web_text(text: str, style: str = "body") -> None:
    """Show text that came from the web: as escaped Markdown (``bold`` title, ``caption`` or ``body``), or
    as unparsed text when it holds an address that Markdown would link."""
    if not text:
        return
    if _LINKISH.search(text) or style == "body":
        st.text(text)
    elif style == "title":
        st.markdown(f"**{plain(text)}**")
    else:
        st.caption(plain(text))


def post_card(post: Post, schools: Mapping[str, str] | None = None, *, full: bool = False) -> None:
    """Render one post. ``schools`` maps school ids to names for the labels."""
    schools = schools or {}
    with st.container(border=True):
        web_text(post.title or post.text[:40], "title")
        meta = (f"{platform_name(post.platform)} · {post.author or '匿名'} · {short_time(post.published_at)}"
                f" · 转发 {post.reposts} 评论 {post.comments} 点赞 {post.likes}")
        if post.copies:
            meta += f" · 另有 {len(post.copies)} 处转载"
        web_text(meta, "caption")
        web_text(post.text if full or len(post.text) <= BODY_LIMIT else post.text[:BODY_LIMIT] + "…")
        st.markdown(_badges(post, schools))
        if post.enrichment and post.enrichment.rumour_cues:
            web_text("谣言线索：" + "；".join(post.enrichment.rumour_cues), "caption")
        st.text("原文地址：" + post.url)
        link = safe_link(post.url, _hosts_for(post))
        if link:                          # Streamlit opens it in a new tab with rel="noopener noreferrer"
            st.markdown(f"[打开原文](<{link}>)")


def _hosts_for(post: Post) -> frozenset[str]:
    """The hosts the post's source crawls; a source no longer in the profile falls back to its platform's."""
    try:
        hosts = data.source_hosts()
    except YuqingError:
        hosts = {}
    return hosts.get(post.source) or frozenset(SPIDER_HOSTS.get(post.platform, ()))
