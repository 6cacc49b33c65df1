"""审计: the append-only, hash-chained audit log, and its verification. Actors are shown by name, actions and
targets in words, and the before/after snapshots as the fields a person reads."""

from __future__ import annotations

import streamlit as st

from core.errors import YuqingError
from core.vocabulary import action_name, actor_name, name_of
from core.workflow import AuditEntry

from console import data, session
from console.components.feedback import attempt, show_error
from console.components.labels import describe_snapshot, target_label
from console.components.text import full_time


def audit_rows(entries: list[AuditEntry], people: dict[str, str], schools: dict[str, str]) -> list[dict]:
    """The audit entries as table rows, in words."""
    return [{"序号": e.seq, "时间": full_time(e.at), "操作人": actor_name(e.actor, people),
             "操作": action_name(e.action), "对象": target_label(e.target, people),
             "结果": name_of("audit_outcome", e.outcome), "说明": e.detail,
             "变更前": describe_snapshot(e.before, people, schools),
             "变更后": describe_snapshot(e.after, people, schools), "哈希": e.hash[:12]} for e in entries]


def _matches(entry: AuditEntry, wanted: str, people: dict[str, str]) -> bool:
    """Whether the actor is the person typed, by display name or username."""
    return wanted in (entry.actor, people.get(entry.actor), actor_name(entry.actor, people))


def render() -> None:
    st.title("审计")
    wf, user = data.workflow(), session.user()
    cols = st.columns(3)
    limit = cols[0].selectbox("显示条数", [100, 500, 2000], key="audit.limit")
    only_denied = cols[1].checkbox("只看被拒绝的操作", key="audit.denied")
    actor = cols[2].text_input("操作人（姓名或用户名）", key="audit.actor")
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
        for note in report.notes if report is not None else ():
            st.warning(note)
    people = wf.users.display_names()
    if only_denied:
        entries = [e for e in entries if e.outcome == "denied"]
    if actor.strip():
        entries = [e for e in entries if _matches(e, actor.strip(), people)]
    st.dataframe(audit_rows(entries, people, data.school_names()), hide_index=True, width="stretch")
