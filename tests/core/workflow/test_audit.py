import pytest
from sqlalchemy import delete, update

from core.errors import PermissionDenied
from core.vocabulary import action_name
from infra.state import tables
from workflow_factories import PASSWORD, make_event


def _activity(wf, users):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    wf.alerts.start_review(users["reviewer"], alert.id)
    with pytest.raises(PermissionDenied):
        wf.alerts.confirm(users["monitor"], alert.id)
    wf.alerts.confirm(users["reviewer"], alert.id)
    return alert


def test_chain_is_intact_and_records_who_what_before_after(wf, users):
    alert = _activity(wf, users)
    report = wf.verify_audit(users["admin"])
    assert report.ok and report.entries >= 8
    confirm = next(e for e in wf.audit_entries(users["leader"], target=f"alert:{alert.id}")
                   if e.action == "alert.confirm" and e.outcome == "ok")
    assert (confirm.actor, confirm.action, confirm.outcome) == ("reviewer", "alert.confirm", "ok")
    assert confirm.before["state"] == "under_review" and confirm.after["state"] == "confirmed"
    refused = [e for e in wf.audit_entries(users["admin"]) if e.outcome == "denied"]
    assert refused and refused[0].actor == "monitor"


def test_only_leaders_and_admins_read_the_audit_log(wf, users):
    for role in ("monitor", "reviewer", "spokesperson", "police_liaison"):
        with pytest.raises(PermissionDenied):
            wf.verify_audit(users[role])


def _sql(wf, statement):
    with wf.repo.engine.begin() as conn:
        conn.execute(statement)


def test_an_edited_entry_is_detected(wf, users):
    _activity(wf, users)
    _sql(wf, update(tables.audit_log).where(tables.audit_log.c.seq == 3).values(actor="someone-else"))
    report = wf.audit.verify()
    assert not report.ok and any("第 3 条" in p and "修改" in p for p in report.problems)


def test_a_deleted_entry_is_detected(wf, users):
    _activity(wf, users)
    _sql(wf, delete(tables.audit_log).where(tables.audit_log.c.seq == 4))
    report = wf.audit.verify()
    assert not report.ok and any("缺失" in p for p in report.problems)


def test_a_cut_off_tail_is_detected(wf, users):
    _activity(wf, users)
    last = wf.audit.entries(limit=1)[0].seq
    _sql(wf, delete(tables.audit_log).where(tables.audit_log.c.seq == last))
    report = wf.audit.verify()
    assert not report.ok and any("末尾" in p for p in report.problems)


def test_rewriting_the_chain_from_an_entry_on_is_still_caught_by_the_next_link(wf, users):
    _activity(wf, users)
    _sql(wf, update(tables.audit_log).where(tables.audit_log.c.seq == 2).values(hash="f" * 64))
    problems = wf.audit.verify().problems
    assert any("第 2 条" in p for p in problems) and any("第 3 条" in p and "链接" in p for p in problems)


def test_every_action_a_working_day_records_has_a_chinese_name(wf, users, confirmed_alert):
    spokesperson, leader = users["spokesperson"], users["leader"]
    release = wf.releases.draft(spokesperson, confirmed_alert.id, "first_response")
    release = wf.releases.save(spokesperson, release.id, release.title, release.body + "\n补充。", release.version)
    wf.releases.check_minors(spokesperson, release.id)
    wf.releases.sign(spokesperson, release.id)
    wf.releases.approve(leader, release.id)
    wf.releases.publish(spokesperson, release.id)
    with pytest.raises(PermissionDenied):
        wf.releases.approve(users["monitor"], release.id)
    case = wf.escalations.open(users["monitor"], confirmed_alert.id, "rumour", "police", ["weibo:1"], "造谣")
    wf.escalations.attach(users["monitor"], case.id, "说明.txt", "截图说明".encode())
    wf.alerts.assign(users["reviewer"], confirmed_alert.id, unit_kind="school", unit="渠县第二中学", person="张老师",
                     deadline=None)
    wf.alerts.set_analysis(users["monitor"], confirmed_alert.id, "传播有限")
    wf.alerts.change_grade(users["reviewer"], confirmed_alert.id, "III", "已平息")
    session = wf.users.login("leader", PASSWORD)
    wf.users.logout(session.token)
    with pytest.raises(PermissionDenied):
        wf.users.login("leader", "wrong-password")
    wf.users.set_on_duty(users["admin"], "monitor", True)
    wf.verify_audit(users["admin"])
    actions = {entry.action for entry in wf.audit.entries(limit=None)}
    assert {"release.publish", "escalation.attach", "login", "alert.grade", "clock.cancel"} <= actions
    assert {a: action_name(a) for a in actions if action_name(a).startswith("未知")} == {}
