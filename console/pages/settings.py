"""设置: the county profile (schools, townships, keywords, sources) — view, and a validated edit or
upload by an administrator — and the users (administrators only)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from core.errors import ConfigurationError, InvalidInput, YuqingError
from core.profile import DEFAULT_PROFILE, Profile, parse_profile
from core.vocabulary import ROLE_NAMES, ROLES, platform_name, role_name
from core.workflow import Permission

from console import data, session
from console.components.chrome import size_text, upload_limit_mb
from console.components.feedback import call, show_error
from console.components.labels import source_label


def render() -> None:
    st.title("设置")
    profile_tab, users_tab = st.tabs(["县域配置", "用户管理"], key="settings.tabs", on_change="rerun")
    with profile_tab:
        _profile()
    with users_tab:
        _users()


def _profile() -> None:
    try:
        profile = data.profile()
    except ConfigurationError as error:
        show_error(error)
        profile = None
    if profile:
        _show_profile(profile)
    st.divider()
    _edit_profile()


def _show_profile(profile: Profile) -> None:
    st.markdown(f"**{profile.province}{profile.city}{profile.county}** · 学校 {len(profile.schools)} 所 · "
                f"乡镇（街道）{len(profile.townships)} 个 · 信息源 {len(profile.sources)} 个")
    st.dataframe([{"配置编号": s.id, "名称": s.name, "类型": s.kind, "乡镇": s.township, "别名": "、".join(s.aliases),
                   "需结合县名的简称": "、".join(s.ambiguous_aliases)} for s in profile.schools],
                 hide_index=True, width="stretch")
    st.markdown("**监测关键词：** " + "；".join(profile.keywords))
    st.dataframe(source_rows(profile), hide_index=True, width="stretch")


def source_rows(profile: Profile) -> list[dict]:
    """The configured sources in words. The configuration name is what the profile file and the
    command line (``yuqing crawl <name>``) call the source."""
    return [{"信息源": source_label(s.name, profile), "平台": platform_name(s.spider), "配置名": s.name,
             "间隔（秒）": s.interval_s, "启用": "是" if s.enabled else "否", "权重": s.weight}
            for s in profile.sources]


def validate_profile_upload(raw: bytes, max_bytes: int) -> tuple[str, Profile]:
    """The text and profile of an uploaded TOML file; InvalidInput naming what to fix when it is too
    big, not UTF-8 or not a valid profile (the profile's own message names the line and field)."""
    if not raw:
        raise InvalidInput("上传的文件是空的，请选择县域配置文件（TOML）。", field="profile")
    if len(raw) > max_bytes:
        raise InvalidInput(f"文件有 {len(raw) // 1024} KB，超过上限 {max_bytes // 1024} KB（设置 "
                           "`console_profile_max_bytes`）；请确认上传的是县域配置文件。", field="profile")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("文件不是 UTF-8 编码的文本，请用 UTF-8 保存 TOML 文件后重新上传。", field="profile") from None
    try:
        profile = parse_profile(text)
    except ConfigurationError as error:
        raise InvalidInput(f"配置文件有误：{error}", field="profile") from None
    if not profile.schools:
        raise InvalidInput("配置文件中没有任何学校（[[schools]]），请至少列出一所学校。", field="schools")
    return text, profile


def _target_path() -> Path:
    """Where an edited profile is written: the configured file, unless that is the shipped default, in
    which case a copy under the data folder (the shipped file is part of the program)."""
    current = data.backend().profile_path
    if current.resolve() == DEFAULT_PROFILE.resolve():
        return data.settings().data_path / "profile.toml"
    return current


def save_profile(text: str) -> Path:
    """Write a validated profile (administrators only; audited with both hashes). The old file is kept
    as ``<name>.bak``."""
    wf, user = data.workflow(), session.user()
    wf.guard.require(user, Permission.USERS, "profile")
    target = _target_path()
    before = target.read_bytes() if target.exists() else b""
    target.parent.mkdir(parents=True, exist_ok=True)
    if before:
        target.with_suffix(target.suffix + ".bak").write_bytes(before)
    temporary = target.with_suffix(target.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)                   # atomic: a reader never sees half a file
    wf.audit.record(user.username, "profile.update", f"profile:{target}",
                    before={"sha256": hashlib.sha256(before).hexdigest()} if before else None,
                    after={"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    return target


def _edit_profile() -> None:
    st.subheader("修改县域配置")
    max_bytes = data.settings().console_profile_max_bytes
    source = st.radio("方式", ["upload", "edit"], horizontal=True, key="settings.profile_mode",
                      format_func={"upload": "上传 TOML 文件", "edit": "在线编辑"}.get)
    with st.form("settings.profile_form"):
        if source == "upload":
            upload = st.file_uploader(f"县域配置文件（.toml，不超过 {size_text(max_bytes)}）", type=["toml"],
                                      key="settings.profile_upload", max_upload_size=upload_limit_mb(max_bytes))
            text_input = None
        else:
            upload = None
            current = data.backend().profile_path.read_text(encoding="utf-8")
            text_input = st.text_area("配置内容（TOML）", value=current, height=400, key="settings.profile_text")
        submitted = st.form_submit_button("校验并保存", type="primary")
    if not submitted:
        return
    raw = upload.getvalue() if upload is not None else (text_input or "").encode("utf-8")
    if source == "upload" and upload is None:
        st.error("请先选择要上传的县域配置文件。")
        return
    try:
        text, profile = validate_profile_upload(raw, max_bytes)
        target = save_profile(text)
    except YuqingError as error:
        show_error(error)
        return
    st.success(f"已保存到 {target}：学校 {len(profile.schools)} 所，信息源 {len(profile.sources)} 个。")
    if target != data.backend().profile_path:
        st.info(f"当前使用的是内置配置。请将设置 `profile` 指向 {target}（如环境变量 YUQING_PROFILE），"
                "并重启后台任务和控制台，新配置才会生效。")


def _users() -> None:
    wf, user = data.workflow(), session.user()
    try:
        users = wf.users.list(user)
    except YuqingError as error:
        show_error(error)
        return
    st.dataframe([{"用户名": u.username, "姓名": u.display_name, "角色": role_name(u.role),
                   "单位": u.unit, "邮箱": u.email, "值班": "是" if u.on_duty else "", "状态": "启用" if u.active else "停用"}
                  for u in users], hide_index=True, width="stretch")
    roles = list(ROLES)
    with st.form("settings.new_user", clear_on_submit=True):
        st.markdown("**新增用户**")
        cols = st.columns(3)
        username = cols[0].text_input("用户名", key="settings.new_username")
        name = cols[1].text_input("姓名", key="settings.new_name")
        role = cols[2].selectbox("角色", roles, format_func=role_name, key="settings.new_role")
        cols = st.columns(3)
        password = cols[0].text_input("初始密码（至少8位）", type="password", key="settings.new_password")
        unit = cols[1].text_input("单位", key="settings.new_unit")
        email = cols[2].text_input("邮箱（统一身份认证用）", key="settings.new_email")
        if st.form_submit_button("新增"):
            call(lambda: wf.users.create(user, username.strip(), password, role, display_name=name.strip(),
                                         email=email.strip(), unit=unit.strip()), f"已新增用户 {username.strip()}。")
    _change_user(users)


def _change_user(users) -> None:
    wf, user = data.workflow(), session.user()
    by_name = {u.username: u for u in users}
    st.markdown("**修改用户**")
    chosen = st.selectbox("用户", list(by_name), key="settings.user",
                          format_func=lambda name: f"{by_name[name].display_name}（{name}）")
    target = by_name[chosen]
    who = target.display_name or chosen
    roles = list(ROLES)
    cols = st.columns(4)
    role = cols[0].selectbox("角色", roles, index=roles.index(target.role), format_func=role_name,
                             key=f"settings.role.{chosen}")
    if cols[0].button("修改角色", key=f"settings.set_role.{chosen}"):
        call(lambda: wf.users.set_role(user, chosen, role), f"{who} 的角色已改为{ROLE_NAMES[role]}。")
    if cols[1].button("取消值班" if target.on_duty else "设为值班", key=f"settings.duty.{chosen}"):
        call(lambda: wf.users.set_on_duty(user, chosen, not target.on_duty), "值班状态已更新。")
    if cols[2].button("停用" if target.active else "启用", key=f"settings.active.{chosen}"):
        call(lambda: wf.users.set_active(user, chosen, not target.active), "账号状态已更新。")
    with cols[3].form(f"settings.password.{chosen}", clear_on_submit=True):
        # Changing one's own password asks for the old one (the service refuses it otherwise).
        own = chosen == user.username
        current = st.text_input("原密码", type="password", key=f"settings.password_current.{chosen}") if own else None
        password = st.text_input("新密码", type="password", key=f"settings.password_value.{chosen}")
        if st.form_submit_button("修改密码" if own else "重置密码"):
            call(lambda: wf.users.set_password(user, chosen, password, current_password=current),
                 "密码已修改，请重新登录。" if own else f"{who} 的密码已重置，其已登录的会话均已失效。")
