"""升级处置: hand malicious hype, rumours and 校闹 to the propaganda department, the police or the
cyberspace office; attach files; the leader approves (the evidence pack is built); the receiving unit
accepts and answers; download and verify evidence packs."""

from __future__ import annotations

import tempfile
import zipfile
from datetime import datetime, time, timedelta
from pathlib import Path

import streamlit as st

from core.clock import CHINA_TZ
from core.vocabulary import ESCALATION_KIND_NAMES, ESCALATION_TARGET_NAMES, actor_name, name_of, platform_name
from core.workflow import Escalation
from core.workflow.evidence import PackLimits, verify_pack

from console import data, session
from console.components import badges
from console.components.chrome import size_text, upload_limit_mb
from console.components.feedback import attempt, call, flash
from console.components.text import alert_label, full_time, plain, short_time

NEW = "__new__"



def render() -> None:
    st.title("升级处置")
    wf, user = data.workflow(), session.user()
    cases = wf.escalations.list(user)
    labels = {c.id: f"{_kind(c.kind)}→{_target(c.target)} · {short_time(c.created_at)}" for c in cases}
    pending = st.session_state.pop("escalation.open_next", None)
    if pending in labels:
        st.session_state["escalation.chosen"] = pending
    chosen = st.radio("移交案件", [NEW] + list(labels), key="escalation.chosen",
                      format_func=lambda i: "＋ 新建移交" if i == NEW else labels[i])
    if chosen == NEW:
        _open_form()
    else:
        _case(wf.escalations.get(user, chosen))
    _verify()


def _kind(kind: str) -> str:
    return name_of("escalation_kind", kind)


def _target(target: str) -> str:
    return name_of("escalation_target", target)


def _post_label(posts: dict, post_id: str) -> str:
    post = posts.get(post_id)
    return f"{(post.title or post.text)[:30]}（{platform_name(post.platform)}）" if post else post_id


def _open_form() -> None:
    wf, user = data.workflow(), session.user()
    alerts = wf.alerts.list(user, states=("under_review", "confirmed"))
    if not alerts:
        st.info("没有可移交的预警：请先在“预警审核”中审核预警。")
        return
    by_id = {a.id: a for a in alerts}
    alert_id = st.selectbox("预警", list(by_id), key="escalation.alert",
                            format_func=lambda i: alert_label(by_id[i]))
    alert = by_id[alert_id]
    posts = {p.id: p for p in data.posts(alert.post_ids)}
    hype = _coordination_hint(alert.event_id)
    kinds = list(ESCALATION_KIND_NAMES)
    with st.form(f"escalation.open.{alert.id}"):
        cols = st.columns(2)
        kind = cols[0].selectbox("类型", kinds, format_func=_kind, key="escalation.kind",
                                 index=kinds.index("malicious_hype") if hype else 0)
        target = cols[1].selectbox("移交单位", list(ESCALATION_TARGET_NAMES), format_func=_target,
                                   key="escalation.target")
        chosen = st.multiselect("证据信息", list(alert.post_ids), default=list(alert.post_ids)[:20],
                                format_func=lambda i: _post_label(posts, i), key=f"escalation.posts.{alert.id}",
                                placeholder="请选择作为证据的信息")
        summary = st.text_area("案情摘要", key="escalation.summary", height=120, value=hype)
        person = st.text_input("接收单位责任人", key="escalation.person")
        day = st.date_input("反馈时限", value=(data.now() + timedelta(days=3)).astimezone(CHINA_TZ).date(),
                            key="escalation.deadline")
        if st.form_submit_button("发起移交", type="primary"):
            deadline = datetime.combine(day, time(18, 0), tzinfo=CHINA_TZ)
            case = attempt(lambda: wf.escalations.open(user, alert.id, kind, target, chosen, summary.strip(),
                                                       person=person.strip(), deadline=deadline))
            if case is not None:
                st.session_state["escalation.open_next"] = case.id    # select it on the next run
                flash("已发起移交，等待值班领导审批。")
                data.refresh()
                st.rerun()


def _coordination_hint(event_id: str) -> str:
    """When the event's spread looks coordinated: say so, and answer a first summary built from the analysis
    (the case type then defaults to 恶意炒作); "" otherwise."""
    report, _ = data.coordination(event_id)
    if report is None or not report.above_alert_line:
        return ""
    st.warning(f"协同传播分析：协同度 {report.score} 分，疑似有组织炒作（可疑账号 {len(report.flagged)} 个）。"
               "证据包将附完整分析。")
    return "经协同传播分析，" + "；".join(report.reasons) + "。"


def _case(case: Escalation) -> None:
    people = data.workflow().users.display_names()
    st.markdown(f"{badges.escalation_status(case.status)} **{_kind(case.kind)}** → {_target(case.target)}")
    st.markdown(plain(case.summary))
    approved = f" · 审批 {actor_name(case.approved_by, people)} {full_time(case.approved_at)}" if case.approved_by else ""
    st.caption(plain(f"发起 {actor_name(case.created_by, people)} {full_time(case.created_at)} · 证据信息 "
                     f"{len(case.post_ids)} 条 · 责任人 {case.person or '—'} · 时限 {full_time(case.deadline)}{approved}"))
    for item in case.feedback:
        st.caption(plain(f"反馈 {full_time(item.at)} {actor_name(item.by, people)}：{item.text}"))
    tabs = st.tabs(["办理", "附件", "证据包"], key=f"escalation.tabs.{case.id}", on_change="rerun")
    with tabs[0]:
        _handle(case)
    with tabs[1]:
        _attachments(case)
    with tabs[2]:
        _pack(case)


def _handle(case: Escalation) -> None:
    wf, user = data.workflow(), session.user()
    cols = st.columns(3)
    if cols[0].button("领导审批并移交", key=f"escalation.approve.{case.id}", disabled=case.status != "opened"):
        call(lambda: wf.escalations.approve(user, case.id, base_version=case.version), "已审批，证据包已生成并移交。")
    if cols[1].button("受理", key=f"escalation.accept.{case.id}", disabled=case.status != "sent"):
        call(lambda: wf.escalations.accept(user, case.id, base_version=case.version), "已受理。")
    if cols[2].button("办结", key=f"escalation.close.{case.id}", disabled=case.status == "closed"):
        call(lambda: wf.escalations.close(user, case.id, base_version=case.version), "案件已办结。")
    with st.form(f"escalation.feedback.{case.id}"):
        text = st.text_area("办理反馈", key=f"escalation.feedback_text.{case.id}")
        resolved = st.checkbox("已查处完毕（标记为已反馈）", key=f"escalation.resolved.{case.id}")
        if st.form_submit_button("提交反馈"):
            if not text.strip():
                st.error("请填写反馈内容。")
            else:
                call(lambda: wf.escalations.add_feedback(user, case.id, text.strip(), resolved=resolved,
                                                         base_version=case.version), "反馈已记录。")


def _attachments(case: Escalation) -> None:
    wf, user = data.workflow(), session.user()
    people = wf.users.display_names()
    for item in case.attachments:
        st.caption(plain(f"{item.name} · {item.size} 字节 · SHA-256 {item.sha256[:16]}… · "
                         f"{actor_name(item.uploaded_by, people)}"))
    limit = data.settings().upload_max_bytes
    with st.form(f"escalation.attach.{case.id}", clear_on_submit=True):
        upload = st.file_uploader(f"添加附件（截图 PNG/JPG、PDF、TXT、HTML、JSON，每个不超过 {size_text(limit)}）",
                                  key=f"escalation.upload.{case.id}", max_upload_size=upload_limit_mb(limit))
        if st.form_submit_button("上传附件"):
            if upload is None:
                st.error("请先选择要上传的文件。")
            else:
                call(lambda: wf.escalations.attach(user, case.id, upload.name, upload.getvalue()),
                     f"附件 {upload.name} 已加入案件。")


def _pack(case: Escalation) -> None:
    wf, user = data.workflow(), session.user()
    if case.status == "opened":
        st.info("证据包在值班领导审批移交时生成；审批前不能制作或下载。")
        return
    if case.pack_sha256:
        st.caption(f"最新证据包清单哈希（SHA-256）：{case.pack_sha256}")
        if wf.can(user, "evidence") and not wf.escalations.pack_is_current(user, case.id):
            st.warning("证据包生成后案件附件有变化：现有证据包不含最新附件，下载时将按最新附件重新生成。")
    cols = st.columns(2)
    if cols[0].button("生成证据包", key=f"escalation.build.{case.id}"):
        call(lambda: wf.escalations.build_pack(user, case.id), "证据包已生成。")
    bytes_key = f"escalation.pack_bytes.{case.id}"
    if cols[1].button("准备下载", key=f"escalation.fetch.{case.id}", disabled=not case.pack_sha256):
        st.session_state[bytes_key] = attempt(lambda: wf.escalations.pack_bytes(user, case.id))
    if st.session_state.get(bytes_key):
        st.download_button("下载证据包（ZIP）", st.session_state[bytes_key], file_name=f"evidence-{case.id}.zip",
                           mime="application/zip", key=f"escalation.download.{case.id}")


def _verify() -> None:
    """Anyone holding a pack can check it against its manifest (and the hash recorded here)."""
    st.divider()
    st.subheader("证据包校验")
    with st.form("escalation.verify", clear_on_submit=True):
        limit_mb = max(1, data.settings().pack_upload_max_mb)
        upload = st.file_uploader(f"上传证据包（ZIP，不超过 {limit_mb} MB）", type=["zip"], key="escalation.verify_upload",
                                  max_upload_size=limit_mb)
        expected = st.text_input("登记的清单哈希（可选）", key="escalation.verify_hash")
        if not st.form_submit_button("校验"):
            return
    if upload is None:
        st.error("请先选择要校验的证据包。")
        return
    if upload.size > limit_mb * 1024 * 1024:
        st.error(f"证据包 {upload.name} 超过 {limit_mb} MB 的校验上限，请在命令行用 yuqing verify-pack 校验。")
        return
    limits = PackLimits(max_total_bytes=data.settings().pack_unpacked_max_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.zip"
        path.write_bytes(upload.getvalue())
        try:
            report = attempt(lambda: verify_pack(path, expected.strip() or None, limits))
        except zipfile.BadZipFile:
            st.error("上传的文件不是有效的 ZIP 证据包，请确认文件完整后重新上传。")
            return
    if report is None:
        return
    message = (report.message or "").replace(str(path), upload.name)      # the temporary copy means nothing
    if report.ok and report.authenticated:
        st.success(f"校验通过：{report.files} 个文件与清单一致，清单哈希与登记值相符。")
        return
    if report.ok:
        st.warning(f"仅内部一致：{report.files} 个文件与清单一致，但未填写登记的清单哈希，不能证明证据包未被整体替换。"
                   "请填写数据库或移交函上登记的清单哈希后再校验。")
        return
    st.error("校验未通过：" + (message or "证据包与清单不一致。") + " 请向移交单位索取原始证据包，或重新生成。")
    if not report.files:
        return
    for label, names in (("被修改", report.changed), ("缺失", report.missing), ("多出", report.unexpected)):
        if names:
            st.markdown(f"**{label}的文件：**" + plain("、".join(names)))
    if not report.manifest_ok:
        st.markdown("**清单本身与其登记哈希不符。**")
