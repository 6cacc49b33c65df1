from datetime import timedelta

import pytest

from core.errors import Conflict, InvalidInput, PermissionDenied
from core.workflow import SYSTEM

from workflow_factories import PASSWORD, denied


def test_login_returns_a_session_that_resolves_to_the_user(wf, users):
    session = wf.users.login("reviewer", PASSWORD)
    assert session.token and session.token != session.id
    assert wf.users.resolve(session.token).username == "reviewer"


def test_password_is_stored_as_bcrypt_never_in_clear(wf, users):
    stored = wf.users.by_username("reviewer")
    assert stored.password_hash.startswith("$2") and PASSWORD not in stored.password_hash


def test_wrong_password_is_refused_and_audited(wf, users):
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        wf.users.login("reviewer", "wrong-password")
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        wf.users.login("nobody", PASSWORD)
    assert [e.actor for e in denied(wf, "login")] == ["reviewer", "nobody"]


def test_expired_session_is_refused_and_audited(wf, users, clock):
    session = wf.users.login("leader", PASSWORD)
    clock.advance(wf.users.session_ttl - timedelta(seconds=1))
    assert wf.users.resolve(session.token).username == "leader"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(PermissionDenied, match="会话已过期"):
        wf.users.resolve(session.token)
    assert denied(wf, "session.resolve")


def test_logout_ends_the_session(wf, users):
    session = wf.users.login("leader", PASSWORD)
    wf.users.logout(session.token)
    with pytest.raises(PermissionDenied, match="会话无效"):
        wf.users.resolve(session.token)


def test_deactivated_user_cannot_log_in_or_act(wf, users):
    session = wf.users.login("monitor", PASSWORD)
    wf.users.set_active(users["admin"], "monitor", False)
    with pytest.raises(PermissionDenied, match="停用"):
        wf.users.login("monitor", PASSWORD)
    with pytest.raises(PermissionDenied):
        wf.users.resolve(session.token)
    with pytest.raises(PermissionDenied):
        wf.alerts.list(users["monitor"])


def test_only_admins_manage_users(wf, users):
    for role in ("monitor", "reviewer", "spokesperson", "leader", "police_liaison"):
        with pytest.raises(PermissionDenied, match="无权用户管理"):
            wf.users.create(users[role], "newbie", PASSWORD, "monitor")
    with pytest.raises(PermissionDenied):
        wf.users.create(None, "newbie", PASSWORD, "monitor")
    assert len(denied(wf, "users")) == 6
    assert wf.users.create(users["admin"], "newbie", PASSWORD, "monitor").role == "monitor"


def test_a_forged_role_on_the_user_object_gains_nothing(wf, users):
    from dataclasses import replace

    forged = replace(users["monitor"], role="leader")
    with pytest.raises(PermissionDenied):
        wf.users.set_role(forged, "monitor", "leader")


@pytest.mark.parametrize("username,password,role,field", [
    ("Bad Name", PASSWORD, "monitor", "username"), ("ok", "short", "monitor", "password"),
    ("ok", PASSWORD, "emperor", "role")])
def test_bad_user_input_names_the_field(wf, users, username, password, role, field):
    with pytest.raises(InvalidInput) as error:
        wf.users.create(SYSTEM, username, password, role)
    assert error.value.field == field


def test_usernames_are_unique(wf, users):
    with pytest.raises(Conflict, match="已被使用"):
        wf.users.create(SYSTEM, "reviewer", PASSWORD, "reviewer")


def test_a_user_may_change_their_own_password_but_not_others(wf, users):
    wf.users.set_password(users["monitor"], "monitor", "a-new-password", current_password=PASSWORD)
    assert wf.users.login("monitor", "a-new-password")
    with pytest.raises(PermissionDenied):
        wf.users.set_password(users["monitor"], "leader", "a-new-password")


def test_oidc_identity_maps_by_verified_email(wf, users):
    session = wf.users.login_oidc({"email": "Leader@Example.gov.cn", "email_verified": True, "name": "x"})
    assert wf.users.resolve(session.token).username == "leader"
    with pytest.raises(PermissionDenied, match="未对应任何系统用户"):
        wf.users.map_oidc_identity({"email": "stranger@example.com", "email_verified": True})
    with pytest.raises(PermissionDenied, match="未经验证"):
        wf.users.map_oidc_identity({"email": "leader@example.gov.cn", "email_verified": False})
    assert len(denied(wf, "login.oidc")) == 2
