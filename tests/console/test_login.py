"""Logging in and out of the console, through the login form, as a person would."""

from __future__ import annotations

from console import data
from tests.console.conftest import act, app, login, submit, texts
from tests.console.seed import PASSWORD


def _audit(action: str):
    return [e for e in data.workflow().audit.entries(limit=None) if e.action == action]


def test_right_password_opens_the_dashboard_with_the_users_name(seeded):
    at = login("reviewer")
    assert [t.value for t in at.title] == ["总览"]
    shown = texts(at)
    assert "李审核" in shown and "预警审核员" in shown
    assert "渠县中学食堂饭菜疑似变质" in shown          # the seeded grade II event is on the dashboard


def test_wrong_password_is_refused_with_a_sentence_and_audited(seeded):
    at = app().run()
    at.text_input(key="auth.username").input("reviewer")
    at.text_input(key="auth.password").input("not-the-password")
    submit(at, "登录")
    assert not at.exception
    assert any("用户名或密码错误" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["渠县校园安全舆情监测与回应台"]      # still the login page
    assert any(e.outcome == "denied" for e in _audit("login"))


def test_empty_form_asks_for_both_fields(seeded):
    at = app().run()
    submit(at, "登录")
    assert any("请输入用户名和密码" in e.value for e in at.error)


def test_logout_returns_to_the_login_form_and_the_token_stops_working(seeded):
    at = login("leader")
    token = at.session_state["auth.token"]
    act(at, "退出登录")
    assert [t.value for t in at.title] == ["渠县校园安全舆情监测与回应台"]
    again = app()
    again.session_state["auth.token"] = token                # a copied token is dead after logout
    again.run()
    assert [t.value for t in again.title] == ["渠县校园安全舆情监测与回应台"]


def test_expired_session_sends_the_person_back_to_login_with_a_notice(seeded, monkeypatch):
    # Drill time running 36000x faster than life: a one-minute session is over within 2 ms.
    from datetime import datetime, timezone

    monkeypatch.setenv("YUQING_CLOCK_ORIGIN", datetime.now(timezone.utc).isoformat())
    monkeypatch.setenv("YUQING_CLOCK_SPEED", "36000")
    monkeypatch.setenv("YUQING_SESSION_TTL_MINUTES", "1")
    at = app().run()
    at.text_input(key="auth.username").input("reviewer")
    at.text_input(key="auth.password").input(PASSWORD)
    submit(at, "登录")
    assert [t.value for t in at.title] == ["渠县校园安全舆情监测与回应台"], texts(at)
    assert any("过期" in w.value for w in at.warning), texts(at)


def _oidc_app(monkeypatch, email: str):
    monkeypatch.setenv("YUQING_CONSOLE_OIDC_PROVIDER", "default")
    at = app()
    at.user = {"is_logged_in": True, "email": email, "email_verified": True, "name": "单点登录用户"}
    return at.run()


def test_single_sign_on_maps_the_verified_email_to_the_yuqing_user(seeded, monkeypatch):
    at = _oidc_app(monkeypatch, "leader@example.cn").run()
    assert [t.value for t in at.title] == ["总览"]
    assert "值班领导" in texts(at)


def test_single_sign_on_refuses_an_unknown_email(seeded, monkeypatch):
    at = _oidc_app(monkeypatch, "stranger@example.cn")
    assert [t.value for t in at.title] == ["渠县校园安全舆情监测与回应台"]
    assert any("无权执行此操作" in e.value for e in at.error)


def test_single_sign_on_without_configuration_says_what_to_configure(seeded, monkeypatch):
    monkeypatch.setenv("YUQING_CONSOLE_OIDC_PROVIDER", "default")
    at = app()
    at.user = {"is_logged_in": False}
    at.run()
    submit(at, "统一身份认证登录")
    assert any("secrets.toml" in e.value and "[auth]" in e.value for e in at.error), [e.value for e in at.error]
