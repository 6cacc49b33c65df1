"""台账: every alert, release and escalation with responsible unit and person, deadline and status;
overdue rows first; Excel download."""

from __future__ import annotations

import streamlit as st

from core.vocabulary import LEDGER_KIND_NAMES, name_of

from console import data, session
from console.components.feedback import attempt
from console.components.text import full_time

KINDS = LEDGER_KIND_NAMES


def render() -> None:
    st.title("台账")
    wf, user = data.workflow(), session.user()
    cols = st.columns([3, 1])
    kinds = cols[0].multiselect("类别", list(KINDS), default=list(KINDS), format_func=KINDS.get, key="ledger.kinds",
                              placeholder="请选择类别")
    only_open = cols[1].checkbox("只看未办结", key="ledger.open")
    rows = attempt(lambda: wf.ledger.rows(user, kinds=tuple(kinds) or tuple(KINDS), only_open=only_open))
    if rows is None:
        return
    overdue = sum(1 for r in rows if r.overdue)
    st.caption(f"共 {len(rows)} 项，其中超期 {overdue} 项。")
    if overdue:
        st.error(f"有 {overdue} 项已超过办理时限，请责任人尽快办理，值班领导督办。")
    st.dataframe([{"超期": "⚠️ 超期" if r.overdue else "", "类别": name_of("ledger_kind", r.kind), "事项": r.title,
                   "责任单位": r.unit or "—", "责任人": r.person or "—", "时限": full_time(r.deadline), "状态": r.status,
                   "更新时间": full_time(r.updated_at), "编号": r.id} for r in rows],
                 hide_index=True, width="stretch")
    if st.button("导出 Excel", key="ledger.export"):
        st.session_state["ledger.xlsx"] = attempt(lambda: wf.ledger.export_xlsx(user))
    if st.session_state.get("ledger.xlsx"):
        st.download_button("下载台账（Excel）", st.session_state["ledger.xlsx"], file_name="台账.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="ledger.download")
