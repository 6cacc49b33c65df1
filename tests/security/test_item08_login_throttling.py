"""Item 8: logins resist guessing (lockout per username and per client, kept in the state database),
refusals take as long for unknown users as for known ones, huge usernames are never stored, and a password
change or reset ends the sessions opened before it (changing one's own asks for the old one)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from core.errors import PermissionDenied
from core.workflow import SYSTEM
from tests.core.workflow.workflow_factories import PASSWORD


def wrong(wf, username, times, client=""):
    for _ in range(times):
        with pytest.raises(PermissionDenied):
            wf.users.login(username, "not-the-password", client=client)


def test_forty_wrong_passwords_lock_the_username_even_for_the_right_one_until_the_lockout_ends(wf, users, clock):
    wrong(wf, "monitor", 40)
    with pytest.raises(PermissionDenied, match="登录失败次数过多.*分钟后再试"):
        wf.users.login("monitor", PASSWORD)
    clock.advance(timedelta(minutes=16))
    assert wf.users.resolve(wf.users.login("monitor", PASSWORD).token).username == "monitor"


def test_the_lock_is_kept_in_the_state_database_so_another_console_process_sees_it(make_workflow, users):
    first, second = make_workflow(), make_workflow()
    wrong(first, "leader", 5)
    with pytest.raises(PermissionDenied, match="锁定"):
        second.users.login("leader", PASSWORD)


def test_one_client_guessing_many_usernames_is_locked_while_others_still_log_in(wf, users):
    for number in range(20):
        with pytest.raises(PermissionDenied):
            wf.users.login(f"guess{number}", "not-the-password", client="10.0.0.66")
    with pytest.raises(PermissionDenied, match="锁定"):
        wf.users.login("reviewer", PASSWORD, client="10.0.0.66")
    assert wf.users.login("reviewer", PASSWORD, client="10.0.0.7").token


def test_unknown_and_known_users_are_refused_after_the_same_password_work(make_workflow):
    wf = make_workflow(rounds=10)                      # real bcrypt work (about 50 ms a check)
    wf.users.create(SYSTEM, "zhang", PASSWORD, "monitor")

    def refusal_time(username):
        started = time.perf_counter()
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            wf.users.login(username, "not-the-password")
        return time.perf_counter() - started

    known = min(refusal_time("zhang") for _ in range(3))
    unknown = min(refusal_time(f"nobody{n}") for n in range(3))
    assert unknown > known * 0.6, (known, unknown)


def test_a_one_megabyte_username_is_refused_without_being_written_anywhere(wf, users, tmp_path):
    state_db = tmp_path / "state.db"
    size_before = sum(p.stat().st_size for p in tmp_path.glob("state.db*"))
    huge = "a" * 1_000_000
    for _ in range(20):
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            wf.users.login(huge, "x")
    grown = sum(p.stat().st_size for p in tmp_path.glob("state.db*")) - size_before
    assert grown < 1_000_000, f"{state_db} grew by {grown} bytes"
    logins = [e for e in wf.audit.entries(limit=None) if e.action == "login"]
    assert len(logins) == 20 and all(len(e.actor) <= 64 and len(e.target) <= 64 for e in logins)


def test_a_reset_by_the_admin_ends_the_users_open_sessions(wf, users):
    session = wf.users.login("spokesperson", PASSWORD)
    wf.users.set_password(users["admin"], "spokesperson", "a-brand-new-password")
    with pytest.raises(PermissionDenied, match="密码已修改或重置"):
        wf.users.resolve(session.token)
    assert wf.users.login("spokesperson", "a-brand-new-password").token


def test_changing_ones_own_password_asks_for_the_old_one_and_ends_every_session(wf, users):
    phone, desk = wf.users.login("monitor", PASSWORD), wf.users.login("monitor", PASSWORD)
    with pytest.raises(PermissionDenied, match="原密码不正确"):
        wf.users.set_password(users["monitor"], "monitor", "a-brand-new-password")
    with pytest.raises(PermissionDenied, match="原密码不正确"):
        wf.users.set_password(users["monitor"], "monitor", "a-brand-new-password", current_password="guess-guess")
    assert wf.users.resolve(phone.token).username == "monitor"        # refused attempts change nothing
    wf.users.set_password(users["monitor"], "monitor", "a-brand-new-password", current_password=PASSWORD)
    for session in (phone, desk):
        with pytest.raises(PermissionDenied):
            wf.users.resolve(session.token)


def test_a_signed_cookie_carrying_user_and_epoch_is_checked_by_the_service(wf, users):
    session = wf.users.login("leader", PASSWORD)
    assert wf.users.resolve_epoch(session.user_id, session.epoch).username == "leader"
    wf.users.set_password(users["admin"], "leader", "a-brand-new-password")
    with pytest.raises(PermissionDenied, match="密码已修改或重置"):
        wf.users.resolve_epoch(session.user_id, session.epoch)
