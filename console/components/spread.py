"""An event's spread (传播路径): first appearance per platform, top amplifiers and the repost chains, from
``core.spread``. Authors' names and post ids are web data, shown in tables (never parsed as Markdown)."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from core.post import Post
from core.spread import first_per_platform, repost_chains, top_amplifiers
from core.vocabulary import name_of, platform_name

from console.components.text import full_time

CHAIN_ROWS = 200


def spread_view(posts: Sequence[Post]) -> None:
    st.subheader("传播路径")
    if not posts:
        st.info("该事件暂无可分析的信息。")
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**各平台首次出现**")
        st.dataframe([{"平台": platform_name(f.platform), "首发时间": full_time(f.at), "发布者": f.author or "匿名"}
                      for f in first_per_platform(posts)], hide_index=True, width="stretch")
    with right:
        st.markdown("**主要扩散账号**")
        st.dataframe([{"账号": a.author, "平台": platform_name(a.platform), "帖数": a.posts, "转发+评论": a.reach}
                      for a in top_amplifiers(posts)], hide_index=True, width="stretch")
    chains = repost_chains(posts)
    st.markdown("**转发链**")
    if not chains:
        st.caption("所采集的信息中没有转发、评论或回复关系。")
        return
    st.dataframe([{"层级": "└" * link.depth + (" " if link.depth else "") + ("原帖" if link.depth == 0 else
                                                                              name_of("relation", link.relation)),
                   "发布者": link.author or "匿名", "平台": platform_name(link.platform), "时间": full_time(link.at)}
                  for link in chains[:CHAIN_ROWS]], hide_index=True, width="stretch")
    if len(chains) > CHAIN_ROWS:
        st.caption(f"仅显示前 {CHAIN_ROWS} 条。")
