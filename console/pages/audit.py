"""审计: the append-only, hash-chained audit log, and its verification."""

from __future__ import annotations

import json

import streamlit as st

from core.errors import YuqingError

from console import data, session
from console.components.feedback import attempt, show_error
from console.components.text import full_time

OUTCOMES = {"ok": "成功", "denied": "拒绝", "failed": "未通过"}


def render() -> None:
    st.title("审计")
    wf, user = data.workflow(), session.user()
    cols = st.columns(3)
    limit = cols[0].selectbox("显示条数", [100, 500, 2000], key="audit.limit")
    only_denied = cols[1].checkbox("只看被拒绝的操作", key="audit.denied")
    actor = cols[2].text_input("操作人", key="audit.actor")
    try:
        entries = wf.audit_entries(user, limit=limit)          # the service decides, and logs a refusal
    except YuqingError as error:
        show_error(error)
        return
    if st.button("校验审计日志", key="audit.verify", type="primary"):
        report = attempt(lambda: wf.verify_audit(user))
        if report is not None and report.ok:
            st.success(f"审计日志完整：{report.entries} 条记录的哈希链全部一致。")
        elif report is not None:
            st.error("审计日志被改动：" + "；".join(report.problems) + " 请保全数据库文件并报告值班领导。")
    if only_denied:
        entries = [e for e in entries if e.outcome == "denied"]
    if actor.strip():
        entries = [e for e in entries if e.actor == actor.strip()]
    st.dataframe([{"序号": e.seq, "时间": full_time(e.at), "操作人": e.actor, "操作": e.action, "对象": e.target,
                   "结果": OUTCOMES.get(e.outcome, e.outcome), "说明": e.detail,
                   "变更前": _short(e.before), "变更后": _short(e.after), "哈希": e.hash[:12]} for e in entries],
                 hide_index=True, width="stretch")


def _short(value) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:120] + "…"
