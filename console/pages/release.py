"""回应发布: draft a release from a press template with the alert's verified facts, edit it (a stale
save is refused and the editor keeps the text), run the minors' data check, preview, sign (spokesperson),
approve (leader) and publish on the configured channels."""

from __future__ import annotations

import streamlit as st

from core.errors import Conflict, YuqingError
from core.vocabulary import actor_name, name_of, unknown
from core.workflow import Alert, Release

from console import data, session
from console.components import badges
from console.components.feedback import attempt, call, explain, flash, show_error
from console.components.text import alert_label, full_time, plain, short_time

NEW = "__new__"


def _channel(name: str) -> str:
    return name_of("publish_channel", name)


def _person(username: str) -> str:
    """A user's display name for a stored username (系统 for the system)."""
    return actor_name(username, data.workflow().users.display_names())


def render() -> None:
    st.title("回应发布")
    wf, user = data.workflow(), session.user()
    alerts = wf.alerts.list(user, states=("confirmed", "under_review", "closed"))
    if not alerts:
        st.info("没有可回应的预警。预警经审核确认后才能起草回应。")
        return
    by_id = {a.id: a for a in alerts}
    alert_id = st.selectbox("预警", list(by_id), key="release.alert",
                            format_func=lambda i: alert_label(by_id[i]))
    alert = by_id[alert_id]
    st.markdown(badges.clocks(wf.clocks.for_alert(alert.id)))
    releases = wf.releases.list(user, alert_id=alert.id)
    options = [NEW] + [r.id for r in releases]
    pending = st.session_state.pop("release.open_next", None)
    if pending and pending[0] == alert.id and pending[1] in options:
        st.session_state[f"release.chosen.{alert.id}"] = pending[1]
    names = {t.name: t.title for t in wf.templates.list()}
    labels = {r.id: f"{names.get(r.template, unknown(r.template))} · {short_time(r.created_at)}" for r in releases}
    chosen = st.radio("回应稿", options, key=f"release.chosen.{alert.id}", horizontal=True,
                      format_func=lambda i: "＋ 新建回应稿" if i == NEW else labels[i])
    if chosen == NEW:
        _new_draft(alert, releases)
    else:
        _work_on(wf.releases.get(user, chosen))


def _is_list(field) -> bool:
    """Fields the catalog describes as a list (文字列表) are typed one item per line."""
    return "列表" in field.description


def _as_text(value) -> str:
    if value is None:
        return ""
    return "\n".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _new_draft(alert: Alert, releases: list[Release]) -> None:
    wf, user = data.workflow(), session.user()
    templates = wf.templates.list("release")
    if not templates:
        st.error("没有可用的回应模板。请检查设置 `press_templates_dir` 指向的模板目录。")
        return
    by_name = {t.name: t for t in templates}
    name = st.selectbox("模板", list(by_name), format_func=lambda n: by_name[n].title, key="release.template")
    template = by_name[name]
    published = {r.id: r for r in releases if r.status == "published"}
    follows = None
    if published:
        follows = st.selectbox("续发自（可选）", [""] + list(published), key=f"release.follows.{alert.id}",
                               format_func=lambda i: published[i].title if i else "不关联") or None
    context = attempt(lambda: wf.releases.context_for(user, alert.id, name, follows=follows)) or {}
    with st.form(f"release.draft.{alert.id}.{name}"):
        title = st.text_input("标题（留空则使用模板生成的标题）", key=f"release.new_title.{name}")
        values = {}
        for field in template.fields:
            label = field.description + ("" if field.required else "（可选）")
            if _is_list(field):
                label += "，每行一项"
            values[field.name] = st.text_area(label, value=_as_text(context.get(field.name)), height=68,
                                              # a facts save (new alert version) refills the form
                                              key=f"release.field.{alert.id}.{alert.version}.{name}.{field.name}")
        if st.form_submit_button("生成草稿", type="primary"):
            fields = {}
            for field in template.fields:
                text = values[field.name].strip()
                if text:
                    fields[field.name] = ([line.strip() for line in text.splitlines() if line.strip()]
                                          if _is_list(field) else text)
            draft = attempt(lambda: wf.releases.draft(user, alert.id, name, fields, follows=follows,
                                                      title=title.strip() or None))
            if draft is not None:
                # The choice widget is already drawn in this run; select the new draft on the next one.
                st.session_state["release.open_next"] = (alert.id, draft.id)
                flash(f"草稿已生成：{draft.title}")
                data.refresh()
                st.rerun()


def _work_on(release: Release) -> None:
    st.markdown(f"{badges.release_status(release.status)} **{plain(release.title)}** · 第 {release.version} 版 · 起草人 {plain(_person(release.created_by))}"
                f" · {full_time(release.updated_at or release.created_at)}")
    tabs = st.tabs(["编辑", "预览与检查", "签发与发布", "版本与发布记录"], key=f"release.tabs.{release.id}",
                   on_change="rerun")      # the open tab stays open after an action reruns the page
    with tabs[0]:
        _editor(release)
    with tabs[1]:
        _preview(release)
    with tabs[2]:
        _sign_and_publish(release)
    with tabs[3]:
        _history(release)


def _editor_state(release: Release) -> dict:
    """What the editor was opened on: the base version, the text it showed, and a generation number
    that changes only when the editor must reload the stored text (so typed text is never dropped)."""
    key = f"release.edit.{release.id}"
    state = st.session_state.get(key)
    if state is None:
        state = {"base": release.version, "gen": 0, "orig": (release.title, release.body), "stale": False}
        state["shown"] = state["orig"]
        _restore_autosave(release, state)
        st.session_state[key] = state
    if release.version != state["base"]:
        if (release.title, release.body) == state["orig"]:
            state["base"] = release.version          # signed or checked meanwhile; the text is unchanged
        else:
            state["stale"] = True                    # somebody saved another text since
    return state


def _restore_autosave(release: Release, state: dict) -> None:
    """A new browser session (a reload) opens the editor on the text this person typed and did not save."""
    kept = data.workflow().releases.autosaved(session.user(), release.id)
    if kept is None or (kept.title, kept.body) == state["orig"]:
        return
    state.update(shown=(kept.title, kept.body), restored=kept.saved_at,
                 base=kept.base_version, stale=kept.base_version != release.version)


def _mark_typed(release_id: str) -> None:
    """on_change of the editor (runs before the script, when no service may be called yet): ask this run
    to autosave."""
    st.session_state[f"release.typed.{release_id}"] = True


def _autosave(release: Release, state: dict) -> None:
    """Keep what was typed in the state database (see ReleaseService.autosave), once per change."""
    if not st.session_state.pop(f"release.typed.{release.id}", False):
        return
    title = st.session_state.get(f"release.title.{release.id}.{state['gen']}", "")
    body = st.session_state.get(f"release.body.{release.id}.{state['gen']}", "")
    attempt(lambda: data.workflow().releases.autosave(session.user(), release.id, title, body, state["base"]))


def _reload(release: Release, state: dict) -> None:
    state.update(base=release.version, gen=state["gen"] + 1, orig=(release.title, release.body), stale=False,
                 shown=(release.title, release.body), restored=None)
    data.workflow().releases.discard_autosave(session.user(), release.id)


def _unsaved(release: Release, state: dict) -> bool:
    """Whether the editor holds text that differs from what it was opened on."""
    typed = (st.session_state.get(f"release.title.{release.id}.{state['gen']}", state["orig"][0]),
             st.session_state.get(f"release.body.{release.id}.{state['gen']}", state["orig"][1]))
    return typed != state["orig"]


def _editor(release: Release) -> None:
    """Edits are made on a base version; a save on a stale base is refused and the typed text stays."""
    wf, user = data.workflow(), session.user()
    state = _editor_state(release)
    if state["stale"]:
        st.warning(f"他人已保存了新的文本（第 {release.version} 版），您的修改尚未保存，仍在下方编辑框中。"
                   "请在“版本与发布记录”中对照最新版本合并后再保存，或载入最新版本。")
        if st.button("载入最新版本（放弃我的修改）", key=f"release.reload.{release.id}"):
            _reload(release, state)
            st.rerun()
    if state.get("restored"):
        st.info(f"已恢复您上次未保存的修改（自动保存于 {full_time(state['restored'])}），请检查后保存。")
    title = st.text_input("标题", value=state["shown"][0], key=f"release.title.{release.id}.{state['gen']}",
                          on_change=_mark_typed, args=(release.id,))
    body = st.text_area("正文", value=state["shown"][1], height=360, key=f"release.body.{release.id}.{state['gen']}",
                        on_change=_mark_typed, args=(release.id,))
    _autosave(release, state)
    if st.button("保存", key=f"release.save.{release.id}", type="primary"):
        try:
            saved = wf.releases.save(user, release.id, title, body, state["base"])
        except Conflict as error:
            state["stale"] = True
            st.warning(f"保存未成功：{error} 您的修改没有丢失，仍在编辑框中。")
            return
        except YuqingError as error:
            show_error(error)
            return
        state.update(base=saved.version, orig=(saved.title, saved.body), stale=False, restored=None)
        flash(f"已保存为第 {saved.version} 版。保存后需重新进行未成年人信息检查。")
        data.refresh()
        st.rerun()


def _preview(release: Release) -> None:
    wf, user = data.workflow(), session.user()
    with st.container(border=True):
        st.markdown(f"### {plain(release.title)}")
        st.markdown(plain(release.body))
    if release.status == "draft":
        st.info("发布前必须通过未成年人信息检查（学生姓名、身份证号、电话、家庭住址、班级+姓名）。")
    if st.button("未成年人信息检查", key=f"release.check.{release.id}"):
        checked = attempt(lambda: wf.releases.check_minors(user, release.id, base_version=release.version))
        if checked is not None:
            state = _editor_state(release)
            if (checked.title, checked.body) != state["orig"] and not _unsaved(release, state):
                _reload(checked, state)              # the editor shows the masked text
            count = len(checked.findings)
            flash(f"检查完成：隐去 {count} 处未成年人信息，已另存为第 {checked.version} 版。" if count
                  else "检查完成：未发现未成年人个人信息。")
            data.refresh()
            st.rerun()
    if release.findings:
        st.markdown(f"**检查发现并隐去 {len(release.findings)} 处：**")
        st.dataframe([{"类型": name_of("mask_finding", f.kind), "原文": f.original, "替换为": f.replacement}
                      for f in release.findings], hide_index=True, width="stretch")
    elif release.status != "draft":
        st.success("未发现未成年人个人信息。")


def _sign_and_publish(release: Release) -> None:
    wf, user = data.workflow(), session.user()
    signed = _person(release.signed_by) if release.signed_by else "未签"
    approved = _person(release.approved_by) if release.approved_by else "未批"
    st.caption(plain(f"发言人签发：{signed} {full_time(release.signed_at) if release.signed_at else ''}"
                     f" · 领导审批：{approved} "
                     f"{full_time(release.approved_at) if release.approved_at else ''}"))
    cols = st.columns(2)
    if cols[0].button("发言人签发", key=f"release.sign.{release.id}"):
        call(lambda: wf.releases.sign(user, release.id, base_version=release.version), "已签发，等待领导审批。")
    if cols[1].button("领导审批", key=f"release.approve.{release.id}"):
        call(lambda: wf.releases.approve(user, release.id, base_version=release.version), "已审批，可以发布。")
    channels = wf.releases.channel_names()
    if not channels:
        st.warning("未配置发布渠道。请设置 `publish_dir`（官网）或 `webhook_url`（微博/微信转发）。")
        return
    chosen = st.multiselect("发布渠道", channels, default=channels, key=f"release.channels.{release.id}",
                            format_func=_channel, placeholder="请选择发布渠道")
    if st.button("发布", key=f"release.publish.{release.id}", type="primary"):
        try:
            publications = wf.releases.publish(user, release.id, chosen or None)
        except YuqingError as error:
            st.error(explain(error))
            return
        failed = [p for p in publications if not p.ok]
        if failed:
            flash("部分渠道发布失败：" + "；".join(f"{_channel(p.channel)}：{p.error}"
                                           for p in failed) + "。可检查渠道设置后重试。",
                  "warning")
        else:
            flash("已发布：" + "；".join(f"{_channel(p.channel)} → {p.location}"
                                       for p in publications))
        data.refresh()
        st.rerun()


def _history(release: Release) -> None:
    wf, user = data.workflow(), session.user()
    people = wf.users.display_names()
    versions = wf.releases.versions(user, release.id)
    st.dataframe([{"版本": v.number, "标题": v.title, "保存人": actor_name(v.saved_by, people),
                   "时间": full_time(v.saved_at), "说明": v.note} for v in versions], hide_index=True, width="stretch")
    publications = wf.releases.publications(user, release.id)
    if publications:
        st.markdown("**发布记录**")
        st.dataframe([{"渠道": _channel(p.channel), "位置": p.location, "时间": full_time(p.published_at),
                       "发布人": actor_name(p.published_by, people), "版本": p.release_version, "SHA-256": p.content_sha256[:16],
                       "结果": "成功" if p.ok else f"失败：{p.error}"} for p in publications],
                     hide_index=True, width="stretch")
    if release.first_release_id:
        first = attempt(lambda: wf.releases.get(user, release.first_release_id))
        st.caption(plain(f"本稿为续发，首发稿：{first.title if first else release.first_release_id}"))
