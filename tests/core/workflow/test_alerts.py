from datetime import timedelta

import pytest

from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.workflow.model import AlertState, ClockKind, ClockStage
from workflow_factories import T0, denied, make_event


def test_events_raise_alerts_by_grade_and_rumour_share(wf):
    raised = wf.alerts.raise_from_events([
        make_event("grade-iii", grade="III"), make_event("grade-iv", grade="IV"),
        make_event("rumour", grade="IV", rumour_share=0.5, post_count=4),
        make_event("rumour-tiny", grade="IV", rumour_share=0.9, post_count=1)])
    assert sorted(a.event_id for a in raised) == ["grade-iii", "rumour"]
    rumour = next(a for a in raised if a.event_id == "rumour")
    assert rumour.state == AlertState.NEW and "谣言" in rumour.rules[0]


def test_raising_is_idempotent_per_event(wf):
    first = wf.alerts.raise_from_events([make_event(grade="III")])
    again = wf.alerts.raise_from_events([make_event(grade="III", heat=99.0)])
    assert len(first) == 1 and again == []
    assert wf.alerts.for_event("ev-1").heat == 99.0
    assert wf.repo.count(type(first[0])) == 1


def test_rising_grade_starts_the_major_clocks(wf):
    alert = wf.alerts.raise_from_events([make_event(grade="III")])[0]
    assert wf.clocks.for_alert(alert.id) == []
    wf.alerts.raise_from_events([make_event(grade="II")])
    kinds = {v.clock.kind for v in wf.clocks.for_alert(alert.id)}
    assert kinds == {ClockKind.RELEASE_5H, ClockKind.PRESS_24H}


def test_every_review_transition(wf, users):
    reviewer = users["reviewer"]
    a = wf.alerts.raise_from_events([make_event("a")])[0]
    assert wf.alerts.start_review(reviewer, a.id).state == AlertState.UNDER_REVIEW
    confirmed = wf.alerts.confirm(reviewer, a.id)
    assert confirmed.state == AlertState.CONFIRMED and confirmed.confirmed_at == T0
    assert wf.alerts.close(users["leader"], a.id).state == AlertState.CLOSED

    b = wf.alerts.raise_from_events([make_event("b")])[0]
    dismissed = wf.alerts.dismiss(reviewer, b.id, "经核实为外地旧闻")
    assert dismissed.state == AlertState.DISMISSED and dismissed.dismiss_reason == "经核实为外地旧闻"
    assert wf.alerts.close(reviewer, b.id).state == AlertState.CLOSED

    c = wf.alerts.raise_from_events([make_event("c")])[0]
    wf.alerts.start_review(reviewer, c.id)
    assert wf.alerts.dismiss(reviewer, c.id, "重复").state == AlertState.DISMISSED


@pytest.mark.parametrize("path,action", [
    ((), "confirm"), ((), "close"), (("start_review",), "start_review"),
    (("start_review", "confirm"), "confirm"), (("start_review", "confirm"), "dismiss")])
def test_transitions_out_of_order_are_refused_and_audited(wf, users, path, action):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    for step in path:
        getattr(wf.alerts, step)(users["reviewer"], alert.id)
    args = ("理由",) if action == "dismiss" else ()
    with pytest.raises(Conflict, match="不能"):
        getattr(wf.alerts, action)(users["reviewer"], alert.id, *args)
    assert denied(wf, f"alert.{action}")


def test_dismissal_needs_a_reason(wf, users):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    with pytest.raises(InvalidInput, match="理由"):
        wf.alerts.dismiss(users["reviewer"], alert.id, "  ")
    assert wf.alerts.get(users["reviewer"], alert.id).state == AlertState.NEW
    assert denied(wf, "alert.dismiss")


def test_confirming_starts_the_48h_clock_and_dismissing_cancels_clocks(wf, users):
    a = wf.alerts.raise_from_events([make_event("a", grade="II")])[0]
    wf.alerts.start_review(users["reviewer"], a.id)
    wf.alerts.confirm(users["reviewer"], a.id)
    due = {v.clock.kind: v.clock.due_at for v in wf.clocks.for_alert(a.id)}
    assert due == {ClockKind.RELEASE_5H: T0 + timedelta(hours=5), ClockKind.PRESS_24H: T0 + timedelta(hours=24),
                   ClockKind.ANSWER_48H: T0 + timedelta(hours=48)}
    b = wf.alerts.raise_from_events([make_event("b", grade="I")])[0]
    wf.alerts.dismiss(users["reviewer"], b.id, "不实")
    assert {v.stage for v in wf.clocks.for_alert(b.id)} == {ClockStage.CANCELLED}


def test_grade_change_needs_a_reason_and_moves_the_clocks(wf, users):
    alert = wf.alerts.raise_from_events([make_event(grade="III")])[0]
    with pytest.raises(InvalidInput, match="理由"):
        wf.alerts.change_grade(users["reviewer"], alert.id, "II", "")
    raised = wf.alerts.change_grade(users["reviewer"], alert.id, "II", "涉及多名学生")
    assert raised.grade == "II" and raised.grade_history[-1].reason == "涉及多名学生"
    assert len(wf.clocks.active()) == 2
    wf.alerts.change_grade(users["reviewer"], alert.id, "III", "核实后影响较小")
    assert wf.clocks.active() == []
    with pytest.raises(InvalidInput, match="分级"):
        wf.alerts.change_grade(users["reviewer"], alert.id, "V", "x")
    # The rules no longer override a reviewer's grade.
    wf.alerts.raise_from_events([make_event(grade="I")])
    assert wf.alerts.get(users["reviewer"], alert.id).grade == "III"


def test_assign_responsible_unit_person_and_deadline(wf, users):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    deadline = T0 + timedelta(days=2)
    assigned = wf.alerts.assign(users["reviewer"], alert.id, unit_kind="school", unit="渠县第二中学",
                                person="李校长", deadline=deadline)
    assert (assigned.unit, assigned.person, assigned.deadline) == ("渠县第二中学", "李校长", deadline)
    with pytest.raises(InvalidInput) as error:
        wf.alerts.assign(users["reviewer"], alert.id, unit_kind="planet", unit="x", person="y", deadline=None)
    assert error.value.field == "unit_kind"


def test_stale_edit_of_an_alert_is_a_conflict(wf, users):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    wf.alerts.set_analysis(users["monitor"], alert.id, "第一版研判", expected_version=alert.version)
    with pytest.raises(Conflict, match="已被他人修改"):
        wf.alerts.set_analysis(users["monitor"], alert.id, "第二版研判", expected_version=alert.version)
    assert wf.alerts.get(users["monitor"], alert.id).analysis == "第一版研判"
    assert denied(wf, "alert.analysis")


def test_a_reviewer_confirms_an_alert_the_worker_refreshed_meanwhile_but_not_one_whose_grade_rose(wf, users):
    seen = wf.alerts.raise_from_events([make_event()])[0]
    # While the reviewer reads, the worker folds in new posts and a higher heat: nobody decided anything.
    wf.alerts.raise_from_events([make_event(heat=55.0, post_ids=("weibo:1", "weibo:2", "weibo:3"))])
    under_review = wf.alerts.start_review(users["reviewer"], seen.id, expected_version=seen.version)
    confirmed = wf.alerts.confirm(users["reviewer"], seen.id, expected_version=under_review.version)
    assert str(confirmed.state) == "confirmed" and confirmed.heat == 55.0 and len(confirmed.post_ids) == 3
    # A grade the system raises is something the reviewer must see before deciding.
    other = wf.alerts.raise_from_events([make_event("ev-2", title="渠县第三中学食堂事件")])[0]
    wf.alerts.raise_from_events([make_event("ev-2", grade="II", title="渠县第三中学食堂事件")])
    with pytest.raises(Conflict, match="已被他人修改"):
        wf.alerts.start_review(users["reviewer"], other.id, expected_version=other.version)
    assert str(wf.alerts.get(users["reviewer"], other.id).state) == "new"


@pytest.mark.parametrize("role", ["monitor", "spokesperson", "police_liaison", "admin"])
def test_roles_without_review_rights_cannot_review(wf, users, role):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    for call in (lambda: wf.alerts.start_review(users[role], alert.id),
                 lambda: wf.alerts.dismiss(users[role], alert.id, "x"),
                 lambda: wf.alerts.change_grade(users[role], alert.id, "I", "x"),
                 lambda: wf.alerts.set_facts(users[role], alert.id, {"a": 1})):
        with pytest.raises(PermissionDenied, match="无权审核预警"):
            call()
    assert len(denied(wf, "alert.review")) == 4


@pytest.mark.parametrize("role", ["monitor", "spokesperson", "police_liaison", "admin"])
def test_roles_without_close_rights_cannot_close(wf, users, role):
    alert = wf.alerts.raise_from_events([make_event()])[0]
    wf.alerts.dismiss(users["reviewer"], alert.id, "不实")
    with pytest.raises(PermissionDenied, match="无权办结预警"):
        wf.alerts.close(users[role], alert.id)


def test_manual_alert_needs_raise_rights_and_a_reason(wf, users):
    event = make_event(grade="IV")
    with pytest.raises(PermissionDenied):
        wf.alerts.raise_manual(users["spokesperson"], event, "x")
    with pytest.raises(InvalidInput):
        wf.alerts.raise_manual(users["monitor"], event, "")
    alert = wf.alerts.raise_manual(users["monitor"], event, "家长群转发较多")
    assert alert.raised_by == "monitor" and wf.alerts.raise_manual(users["monitor"], event, "again").id == alert.id


def test_unknown_alert_is_not_found(wf, users):
    with pytest.raises(NotFound):
        wf.alerts.get(users["leader"], "A-missing")


def test_a_grade_change_rewrites_the_alerts_grade_reason(wf, users):
    alert = wf.alerts.raise_from_events([make_event(grade="II", rumour_share=0.5)])[0]
    assert any(r.startswith("事件分级为II级") for r in alert.rules)
    changed = wf.alerts.change_grade(users["reviewer"], alert.id, "III", "经核实仅一名学生轻微擦伤")
    assert not any(r.startswith("事件分级为II级") for r in changed.rules)
    assert "分级已由II级（重大）调整为III级（较大），理由：经核实仅一名学生轻微擦伤" in changed.rules
    assert any("疑似谣言" in r for r in changed.rules)                 # the other reason stays
