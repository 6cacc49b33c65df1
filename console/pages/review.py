"""预警审核: the review queue. Confirm or dismiss an alert (with a reason), change its grade (with a
reason), name the responsible unit, person and deadline, record the verified facts and the analysis."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from core.clock import CHINA_TZ
from core.vocabulary import ALERT_STATE_NAMES, GRADES, UNIT_KINDS, actor_name, grade_label, unknown
from core.workflow import Alert
from core.workflow.templates import canonical_facts

from console import data, session
from console.components import badges
from console.components.feedback import call
from console.components.post_card import post_card
from console.components.text import alert_label, full_time, plain


POSTS_SHOWN = 10


def render() -> None:
    st.title("预警审核")
    wf, user = data.workflow(), session.user()
    states = st.multiselect("状态", list(ALERT_STATE_NAMES), default=["new", "under_review", "confirmed"],
                            format_func=ALERT_STATE_NAMES.get, key="review.states", placeholder="请选择状态")
    alerts = wf.alerts.list(user, states=states)
    if not alerts:
        st.info("没有符合条件的预警。")
        return
    by_id = {a.id: a for a in alerts}
    chosen = st.selectbox("预警", list(by_id), key="review.selected", format_func=lambda i: _label(by_id[i]))
    alert = wf.alerts.get(user, chosen)
    _details(alert)
    tabs = st.tabs(["审核", "调整等级", "责任与时限", "核实情况", "研判"], key="review.tabs", on_change="rerun")
    with tabs[0]:
        _decide(alert)
    with tabs[1]:
        _grade(alert)
    with tabs[2]:
        _assign(alert)
    with tabs[3]:
        _facts(alert)
    with tabs[4]:
        _analysis(alert)


def _label(alert: Alert) -> str:
    return alert_label(alert)


def _coordination(alert: Alert) -> None:
    """The event's coordination score beside the alert: a monitor sees suspected hype where it is decided."""
    report, _ = data.coordination(alert.event_id)
    if report is None or not report.flagged:
        return
    line = f"协同传播分析：协同度 {report.score} 分（可疑账号 {len(report.flagged)} 个）：" + "；".join(report.reasons)
    if report.above_alert_line:
        st.warning(plain(line + "。疑似恶意炒作，可在“移交处置”中移交。"))
    else:
        st.caption(plain(line))


def _details(alert: Alert) -> None:
    wf = data.workflow()
    st.markdown(f"{badges.grade(alert.grade)} {badges.alert_state(alert.state)} **{plain(alert.title)}**")
    st.markdown(badges.clocks(wf.clocks.for_alert(alert.id)))
    names = data.school_names()
    schools = "、".join(names.get(s, unknown(s)) for s in alert.schools) or "—"
    st.caption(plain(f"首次发现 {full_time(alert.t0)} · 学校 {schools}"
                     f" · 热度 {alert.heat:.1f} · 谣言占比 {alert.rumour_share:.0%}"))
    if alert.rules:
        st.caption("预警依据：" + plain("；".join(alert.rules)))
    _coordination(alert)
    deadline = wf.clocks.deadline(alert)       # the same deadline the ledger shows
    due = f"{full_time(deadline.at)}（{deadline.what}）" if deadline else "—"
    st.caption(plain(f"责任单位：{alert.unit or '—'} · 责任人：{alert.person or '—'} · 时限：{due}"))
    if alert.dismiss_reason:
        st.caption("排除理由：" + plain(alert.dismiss_reason))
    people = data.workflow().users.display_names()
    for change in alert.grade_history:
        st.caption(plain(f"{full_time(change.at)} {actor_name(change.by, people)} 将等级由 {grade_label(change.old)} "
                         f"调整为 {grade_label(change.new)}：{change.reason}"))
    if alert.analysis:
        st.caption("研判：" + plain(alert.analysis))
    with st.expander(f"相关信息（{len(alert.post_ids)} 条）"):
        for post in data.posts(alert.post_ids[:POSTS_SHOWN]):
            post_card(post, names)
        if len(alert.post_ids) > POSTS_SHOWN:
            st.caption(f"仅显示前 {POSTS_SHOWN} 条；可在“事件”或“信息流”中查看全部。")


def _decide(alert: Alert) -> None:
    wf, user = data.workflow(), session.user()
    left, right = st.columns(2)
    with left:
        if st.button("确认预警", key="review.confirm", type="primary",
                     disabled=alert.state not in ("new", "under_review")):
            def confirm() -> None:
                current = alert
                if current.state == "new":
                    current = wf.alerts.start_review(user, alert.id, expected_version=alert.version)
                wf.alerts.confirm(user, alert.id, expected_version=current.version)
            call(confirm, "预警已确认，48小时回应计时已开始。")
        if st.button("办结", key="review.close", disabled=alert.state not in ("confirmed", "dismissed")):
            call(lambda: wf.alerts.close(user, alert.id, expected_version=alert.version), "预警已办结。")
    with right, st.form("review.dismiss"):
        reason = st.text_input("排除理由", key="review.dismiss_reason")
        if st.form_submit_button("排除预警"):
            if not reason.strip():
                st.error("排除预警必须填写理由。")
            else:
                call(lambda: wf.alerts.dismiss(user, alert.id, reason.strip(), expected_version=alert.version),
                     "预警已排除。")


def _grade(alert: Alert) -> None:
    wf, user = data.workflow(), session.user()
    with st.form("review.grade"):
        grade = st.selectbox("新等级", list(GRADES), index=GRADES.index(alert.grade), key=f"review.grade_value.{alert.id}",
                             format_func=grade_label)
        reason = st.text_input("调整理由", key="review.grade_reason")
        if st.form_submit_button("调整等级"):
            if not reason.strip():
                st.error("调整等级必须填写理由。")
            elif grade == alert.grade:
                st.error("新等级与当前等级相同，请选择其他等级。")
            else:
                call(lambda: wf.alerts.change_grade(user, alert.id, grade, reason.strip(),
                                                    expected_version=alert.version), f"等级已调整为 {grade} 级。")


def _deadline_default(alert: Alert) -> datetime:
    return (alert.deadline or data.now() + timedelta(days=1)).astimezone(CHINA_TZ)


def _assign(alert: Alert) -> None:
    wf, user = data.workflow(), session.user()
    default = _deadline_default(alert)
    with st.form("review.assign"):
        kinds = list(UNIT_KINDS)
        kind = st.selectbox("责任单位类型", kinds, format_func=UNIT_KINDS.get, key=f"review.unit_kind.{alert.id}",
                            index=kinds.index(alert.unit_kind) if alert.unit_kind in kinds else 0)
        unit = st.text_input("责任单位", value=alert.unit, key=f"review.unit.{alert.id}")
        person = st.text_input("责任人", value=alert.person, key=f"review.person.{alert.id}")
        cols = st.columns(2)
        day = cols[0].date_input("办理时限（日期）", value=default.date(), key=f"review.deadline_day.{alert.id}")
        hour = cols[1].time_input("时间", value=time(default.hour, default.minute), key=f"review.deadline_time.{alert.id}")
        if st.form_submit_button("保存责任与时限"):
            deadline = datetime.combine(day, hour, tzinfo=CHINA_TZ)
            call(lambda: wf.alerts.assign(user, alert.id, unit_kind=kind, unit=unit.strip(), person=person.strip(),
                                          deadline=deadline, expected_version=alert.version),
                 "已明确责任单位、责任人和办理时限。")


def _facts(alert: Alert) -> None:
    """The verified facts, one field per template field of the catalog (the draft form of 回应发布 is
    pre-filled from them under the same names); list fields take one item per line."""
    wf, user = data.workflow(), session.user()
    fields = wf.templates.fact_fields()
    first = {f.name for f in wf.templates.get("first_response").fields} if _has(wf, "first_response") else set()
    facts = canonical_facts(alert.facts)
    values = {}
    with st.form("review.facts"):
        st.caption("以下内容经核实后填写，起草回应稿时自动带入对应字段。")
        main = [f for f in fields if f.name in first] or fields
        for field in main:
            values[field.name] = _fact_input(alert, field, facts)
        with st.expander("辟谣、警情通报、新闻发布会等模板用到的其他事实"):
            for field in fields:
                if field not in main:
                    values[field.name] = _fact_input(alert, field, facts)
        if st.form_submit_button("保存核实情况"):
            by_name = {f.name: f for f in fields}
            typed = {name: _fact_value(by_name[name], text) for name, text in values.items()}
            changed = {k: v for k, v in typed.items() if v or facts.get(k)}
            call(lambda: wf.alerts.set_facts(user, alert.id, changed, expected_version=alert.version),
                 "核实情况已保存。")


def _has(wf, name: str) -> bool:
    return any(t.name == name for t in wf.templates.list("release"))


def _fact_input(alert: Alert, field, facts: dict) -> str:
    label = field.description + ("，每行一项" if "列表" in field.description else "")
    value = facts.get(field.name)
    text = "\n".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value or "")
    # The alert's version in the key: a save by anybody reloads the stored facts into the form.
    return st.text_area(label, value=text, height=68, key=f"review.fact.{alert.id}.{alert.version}.{field.name}")


def _fact_value(field, text: str):
    text = text.strip()
    if "列表" in field.description:
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text


def _analysis(alert: Alert) -> None:
    wf, user = data.workflow(), session.user()
    with st.form("review.analysis"):
        text = st.text_area("研判意见", value=alert.analysis, key=f"review.analysis_text.{alert.id}", height=160)
        if st.form_submit_button("保存研判"):
            call(lambda: wf.alerts.set_analysis(user, alert.id, text.strip(), expected_version=alert.version),
                 "研判意见已保存。")
