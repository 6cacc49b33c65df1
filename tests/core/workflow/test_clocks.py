from datetime import timedelta

import pytest

from core.workflow.clocks import stage_at
from core.workflow.model import ClockKind, ClockStage
from workflow_factories import T0, make_event

FIVE_H = timedelta(hours=5)


@pytest.mark.parametrize("share,stage", [(0.0, "running"), (0.49, "running"), (0.4999, "running"),
                                         (0.5, "warning_50"), (0.79, "warning_50"), (0.8, "warning_80"),
                                         (0.99, "warning_80"), (1.0, "overdue"), (3.0, "overdue")])
def test_stage_boundaries(share, stage):
    assert stage_at(T0, T0 + FIVE_H, T0 + FIVE_H * share) == ClockStage(stage)


def test_tick_reports_each_stage_once_and_flags_overdue_to_the_leader_on_duty(wf, users, clock):
    alert = wf.alerts.raise_from_events([make_event(grade="II")])[0]
    clock.set(T0 + FIVE_H * 0.49)
    assert wf.clocks.tick() == []
    clock.set(T0 + FIVE_H * 0.5)
    changes = wf.clocks.tick()
    assert [(c.kind, c.new_stage) for c in changes] == [(ClockKind.RELEASE_5H, ClockStage.WARNING_50)]
    assert users["spokesperson"].id in changes[0].notify_user_ids
    assert users["leader"].id not in changes[0].notify_user_ids
    assert wf.clocks.tick() == []                               # once per trigger
    clock.set(T0 + FIVE_H * 0.8)
    assert [c.new_stage for c in wf.clocks.tick()] == [ClockStage.WARNING_80]
    clock.set(T0 + FIVE_H)
    overdue = wf.clocks.tick()
    assert [c.new_stage for c in overdue] == [ClockStage.OVERDUE]
    assert users["leader"].id in overdue[0].notify_user_ids and "已超时" in overdue[0].message
    assert [v.clock.alert_id for v in wf.clocks.overdue()] == [alert.id]
    assert wf.clocks.tick() == []


def test_a_late_tick_reports_only_the_latest_stage(wf, users, clock):
    wf.alerts.raise_from_events([make_event(grade="I")])
    clock.set(T0 + timedelta(hours=23))       # 5 h overdue, 24 h at 96 %
    stages = {c.kind: c.new_stage for c in wf.clocks.tick()}
    assert stages == {ClockKind.RELEASE_5H: ClockStage.OVERDUE, ClockKind.PRESS_24H: ClockStage.WARNING_80}


def test_live_view_shows_time_left(wf, clock):
    alert = wf.alerts.raise_from_events([make_event(grade="II")])[0]
    clock.set(T0 + timedelta(hours=4))
    view = next(v for v in wf.clocks.for_alert(alert.id) if v.clock.kind == ClockKind.RELEASE_5H)
    assert view.stage == ClockStage.WARNING_80 and view.remaining == timedelta(hours=1)
    assert view.share_used == pytest.approx(0.8)


def test_t0_is_the_events_first_detection_not_the_raise_time(wf, clock):
    clock.set(T0 + timedelta(hours=3))
    alert = wf.alerts.raise_from_events([make_event(grade="II", first_seen=T0)])[0]
    assert alert.t0 == T0
    assert [c.new_stage for c in wf.clocks.tick() if c.kind == ClockKind.RELEASE_5H] == [ClockStage.WARNING_50]


def test_met_clocks_stop(wf, clock):
    alert = wf.alerts.raise_from_events([make_event(grade="II")])[0]
    clock.set(T0 + timedelta(hours=2))
    met = wf.clocks.meet(alert.id, "first_response", "R-1", clock.now())
    assert [m.kind for m in met] == [ClockKind.RELEASE_5H]
    clock.set(T0 + timedelta(hours=30))
    assert [c.kind for c in wf.clocks.tick()] == [ClockKind.PRESS_24H]
    release_clock = next(v for v in wf.clocks.for_alert(alert.id) if v.clock.kind == ClockKind.RELEASE_5H)
    assert release_clock.stage == ClockStage.MET and release_clock.clock.met_by_release == "R-1"
