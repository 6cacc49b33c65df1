"""通知记录: every notice the system sent or tried to send (new major alerts, clocks at 80 % and overdue, new
escalations): what, to whom, on which channel, when, and whether it was delivered."""

from __future__ import annotations

import streamlit as st

from core.vocabulary import DELIVERY_STATUS_NAMES, name_of

from console import data
from console.components.text import full_time

LIMIT = 500


def channel_name(channel: str) -> str:
    """A channel in words; a second webhook of one kind (``wecom#2``) keeps its number."""
    kind, _, number = channel.partition("#")
    return name_of("notify_channel", kind) + (f"（{number}）" if number else "")


def delivery_rows(deliveries, names_by_email: dict[str, str]) -> list[dict]:
    rows = []
    for d in deliveries:
        failed = d.status in ("failed", "interrupted")
        rows.append({"生成时间": full_time(d.created_at), "事由": name_of("trigger_kind", d.kind), "通知内容": d.title,
                     "接收人": names_by_email.get(d.address, d.address), "渠道": channel_name(d.channel),
                     "状态": name_of("delivery_status", d.status), "送达时间": full_time(d.sent_at),
                     "尝试次数": d.attempts, "失败原因": d.last_error if failed and d.last_error else "—"})
    return rows


def render() -> None:
    st.title("通知记录")
    wf = data.workflow()
    statuses = st.multiselect("状态", list(DELIVERY_STATUS_NAMES), format_func=DELIVERY_STATUS_NAMES.get,
                              key="notifications.statuses", placeholder="全部状态")
    deliveries = data.deliveries(tuple(statuses), LIMIT)
    if not deliveries:
        st.info("还没有发出过通知。重大预警、回应时限用去 80% 或超时、新的移交案件会通过邮件或群机器人通知相关人员。")
        return
    counts = {s: sum(1 for d in deliveries if d.status == s) for s in DELIVERY_STATUS_NAMES}
    cols = st.columns(4)
    cols[0].metric("通知总数", len(deliveries))
    cols[1].metric("已送达", counts["sent"])
    cols[2].metric("待发送/发送中", counts["pending"] + counts["sending"])
    cols[3].metric("发送失败", counts["failed"] + counts["interrupted"])
    if counts["failed"]:
        st.error(f"有 {counts['failed']} 条通知发送失败，请检查邮件服务器或群机器人配置（设置 `notify_*`、`smtp_*`），"
                 "并电话通知相关人员。")
    st.dataframe(delivery_rows(deliveries, wf.users.names_by_email()), hide_index=True, width="stretch")
    if len(deliveries) == LIMIT:
        st.caption(f"仅显示最近 {LIMIT} 条。")
