"""Who is logged in. The console keeps only the session token (``auth.token``); every run resolves it
through ``UserService.resolve``, so an expired or revoked session sends the person back to the login
form with the service's sentence. Passwords and OIDC identities are checked by the services."""

from __future__ import annotations

import json

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.errors import PermissionDenied, YuqingError
from core.vocabulary import role_name
from core.workflow import User

from console import cookie, data
from console.cookie import COOKIE_NAME, sign, signing_key, verified_token
from console.components.feedback import explain
from console.components.text import full_time

TOKEN_KEY = "auth.token"
USER_KEY = "auth.user"
NOTICE_KEY = "auth.notice"
COOKIE_CODE_KEY = "auth.cookie_code"
COOKIE_CLEARED_KEY = "auth.cookie_cleared"
COOKIE_CLEAR_PENDING_KEY = "auth.cookie_clear"
EXPIRY_WARNING_MIN = 15


def current_user() -> User | None:
    """The user behind this browser session's token, or None (with a notice when the session expired).
    A new browser session (a reload, a new tab, a typed address) takes the token from the login cookie."""
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    if not token:
        st.session_state.pop(USER_KEY, None)
        return None
    st.session_state[TOKEN_KEY] = token
    try:
        found = data.workflow().users.resolve(token)
    except PermissionDenied as error:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(USER_KEY, None)
        st.session_state[NOTICE_KEY] = str(error)
        # A cookie whose session ended is cleared, not tried (and audited as refused) on every run.
        st.session_state[COOKIE_CLEARED_KEY] = True
        st.session_state[COOKIE_CLEAR_PENDING_KEY] = True
        return None
    st.session_state[USER_KEY] = found
    return found


def user() -> User:
    """The logged-in user of this run (app.py only runs pages after a successful login)."""
    found = st.session_state.get(USER_KEY)
    if found is None:
        st.error("请先登录。")
        st.stop()
    return found


def _oidc_provider() -> str:
    return data.settings().console_oidc_provider.strip()


def _password_form() -> None:
    with st.form("auth.login_form"):
        username = st.text_input("用户名", key="auth.username")
        password = st.text_input("密码", type="password", key="auth.password")
        submitted = st.form_submit_button("登录", type="primary")
    if not submitted:
        return
    if not username.strip() or not password:
        st.error("请输入用户名和密码。")
        return
    try:
        # Failed logins are counted per username and per browser address (the service throttles both).
        session = data.workflow().users.login(username.strip(), password, client=_client_address())
    except YuqingError as error:
        st.error(str(error) if isinstance(error, PermissionDenied) else explain(error))
        return
    st.session_state[TOKEN_KEY] = session.token
    _offer_cookie(session.token)
    st.rerun()


def _client_address() -> str:
    try:
        return str(st.context.ip_address or "")
    except (AttributeError, RuntimeError):          # no browser behind this run (AppTest)
        return ""


def _oidc(provider: str) -> None:
    """Single sign-on through ``st.login``; the services map the identity to a yuqing user by e-mail."""
    if not getattr(st.user, "is_logged_in", False):
        if st.button("统一身份认证登录", key="auth.oidc"):
            try:
                st.login() if provider == "default" else st.login(provider)
            except StreamlitAPIException as error:        # [auth] missing or incomplete in secrets.toml
                st.error(f"统一身份认证未配置好：{error}。请在 .streamlit/secrets.toml 中配置 "
                         f"{'[auth]' if provider == 'default' else f'[auth.{provider}]'}，或清空设置 "
                         "`console_oidc_provider` 改用用户名密码登录。")
        return
    try:
        session = data.workflow().users.login_oidc(st.user.to_dict())
    except YuqingError as error:
        st.error(explain(error))
        st.button("退出统一身份认证", key="auth.oidc_logout", on_click=st.logout)
        return
    st.session_state[TOKEN_KEY] = session.token
    _offer_cookie(session.token)
    st.rerun()


def _cookie_token() -> str | None:
    """The token of a validly signed login cookie (Streamlit ≥ 1.37 reads cookies through st.context)."""
    if st.session_state.get(COOKIE_CLEARED_KEY):
        return None                       # logged out in this tab: the cookie is being cleared
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:                     # no browser request behind this run (AppTest)
        return None
    return verified_token(value, signing_key(data.settings().data_path))


def _offer_cookie(token: str) -> None:
    """Have the next run set the HttpOnly login cookie (through console/server.py's route)."""
    max_age = int(data.settings().session_ttl_minutes) * 60
    signed = sign(token, signing_key(data.settings().data_path))
    st.session_state[COOKIE_CODE_KEY] = cookie.offer(signed, max_age)
    st.session_state.pop(COOKIE_CLEARED_KEY, None)


def _post_to(route: str, body: str = "") -> None:
    # The console's own route and a random code: no outside text reaches this script.
    st.html(f"<script>fetch({json.dumps(route)}, {{method: 'POST', credentials: 'same-origin', "
            f"body: {json.dumps(body)}}});</script>", unsafe_allow_javascript=True)


def login_page() -> None:
    """The page shown to anyone not logged in."""
    if st.session_state.pop(COOKIE_CLEAR_PENDING_KEY, False):
        _post_to(cookie.LOGOUT_ROUTE)
    st.title("渠县校园安全舆情监测与回应台")
    st.caption("舆情监测 · 预警审核 · 回应发布 · 移交处置")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    clock_caption()
    _password_form()
    provider = _oidc_provider()
    if provider:
        st.divider()
        _oidc(provider)


def clock_caption() -> None:
    """The deployment's time; in a drill, the drill time and how fast it runs, so a person knows how long
    5 drill hours take in life."""
    speed = float(data.settings().clock_speed)
    if not data.settings().clock_origin:
        st.caption(f"系统时间：{full_time(data.now())}")
        return
    st.caption(f"演练时间：{full_time(data.now())} · {speed:g} 倍速（现实 1 分钟 = 演练 {speed:g} 分钟；"
               f"5 小时时限约合现实 {300 / speed:.0f} 分钟）")


def sidebar(current: User) -> None:
    """Who is logged in, the deployment's time, refresh and logout."""
    with st.sidebar:
        st.markdown(f"**{current.display_name or current.username}**")
        st.caption(f"{role_name(current.role)} · {current.unit or '—'}")
        clock_caption()
        _expiry_warning()
        code = st.session_state.pop(COOKIE_CODE_KEY, None)
        if code:
            _post_to(cookie.SESSION_ROUTE, code)
        left, right = st.columns(2)
        if left.button("刷新", key="auth.refresh", width="stretch"):
            data.refresh()
            st.rerun()
        if right.button("退出登录", key="auth.logout", width="stretch"):
            logout()


def _expiry_warning() -> None:
    """Warn in the last ``EXPIRY_WARNING_MIN`` minutes of a login, so nobody loses work to the timeout."""
    token = st.session_state.get(TOKEN_KEY)
    expires = data.workflow().users.session_expiry(token) if token else None
    if expires is None:
        return
    left_min = (expires - data.now()).total_seconds() / 60
    if left_min <= EXPIRY_WARNING_MIN:
        st.warning(f"登录将于 {full_time(expires)} 到期（约剩 {max(0, round(left_min))} 分钟）。请先保存正在编辑的内容，"
                   "到期后需重新登录。")


def logout() -> None:
    st.session_state[COOKIE_CLEARED_KEY] = True       # this tab ignores the cookie from now on
    st.session_state[COOKIE_CLEAR_PENDING_KEY] = True
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(USER_KEY, None)
    if token:
        try:
            data.workflow().users.logout(token)
        except YuqingError:
            pass                      # the session is gone on our side either way
    if _oidc_provider() and getattr(st.user, "is_logged_in", False):
        st.logout()
    st.rerun()
