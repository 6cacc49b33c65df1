"""The response clocks (国办发〔2016〕80号 and 61号), all measured from T0 = the event's first detection.

- grades II and I: information release due 5 h after T0, press conference due 24 h after T0;
- every confirmed alert: an answer due 48 h after T0.
Stages: running (< 50 %), warning_50 (>= 50 %), warning_80 (>= 80 %), overdue (>= 100 %); met when the
matching release is published; cancelled when the alert is dismissed or the grade drops below II.
``tick(now)`` moves stored clocks to their current stage and reports each change once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable

from core.clock import CHINA_TZ, Clock
from core.errors import Conflict
from core.vocabulary import CLOCK_NAMES, CLOCK_STAGE_NAMES, clock_stage_label
from core.workflow.audit import AuditLog
from core.workflow.model import Alert, ClockChange, ClockKind, ClockStage, ResponseClock, Role, User
from core.workflow.repository import WorkflowRepository

DURATIONS = {ClockKind.RELEASE_5H: timedelta(hours=5), ClockKind.PRESS_24H: timedelta(hours=24),
             ClockKind.ANSWER_48H: timedelta(hours=48)}

# Which clocks a published release of each template meets.
MEETS: dict[str, tuple[ClockKind, ...]] = {
    "first_response": (ClockKind.RELEASE_5H, ClockKind.ANSWER_48H),
    "follow_up": (ClockKind.RELEASE_5H, ClockKind.ANSWER_48H),
    "rumour_rebuttal": (ClockKind.RELEASE_5H, ClockKind.ANSWER_48H),
    "police_notice": (ClockKind.RELEASE_5H, ClockKind.ANSWER_48H),
    "press_conference": (ClockKind.PRESS_24H, ClockKind.ANSWER_48H),
}


def stage_at(t0: datetime, due_at: datetime, now: datetime) -> ClockStage:
    """The stage of a running clock at ``now`` by the share of its time used (49 % running, 50 % warning_50,
    80 % warning_80, 100 % overdue)."""
    used = share_used(t0, due_at, now)
    if used >= 1.0:
        return ClockStage.OVERDUE
    if used >= 0.8:
        return ClockStage.WARNING_80
    if used >= 0.5:
        return ClockStage.WARNING_50
    return ClockStage.RUNNING


def share_used(t0: datetime, due_at: datetime, now: datetime) -> float:
    # Compared in whole microseconds so that exactly 50 % is 50 %, not 49.999...
    total = (due_at - t0) // timedelta(microseconds=1)
    used = (now - t0) // timedelta(microseconds=1)
    return used / total if total > 0 else 1.0


_ORDER = (ClockStage.RUNNING, ClockStage.WARNING_50, ClockStage.WARNING_80, ClockStage.OVERDUE)
_FINAL = (ClockStage.MET, ClockStage.CANCELLED)


@dataclass(frozen=True)
class ClockView:
    """A clock as the console shows it: its stored record plus the live share used and time left."""

    clock: ResponseClock
    stage: ClockStage                    # live stage at ``at`` (may be ahead of the stored one)
    share_used: float                    # 0.0 .. (over 1.0 when overdue)
    remaining: timedelta                 # negative when overdue
    at: datetime

    @property
    def late(self) -> bool:
        """Met, but by a release published after the due time (or overdue and still running)."""
        return is_late(self.clock, self.at)

    @property
    def stage_name(self) -> str:
        """已按时完成 only when the release came in time; 超时完成 when it came late."""
        return clock_stage_label(self.stage, self.stage == ClockStage.MET and self.late)

    @property
    def label(self) -> str:
        return f"{CLOCK_NAMES[self.clock.kind]}：{self.stage_name}"


def is_late(record: ResponseClock, now: datetime) -> bool:
    """Whether this clock broke its deadline: met after ``due_at``, or not met (nor cancelled) by ``now``
    with ``due_at`` passed. A cancelled clock is never late."""
    if record.stage == ClockStage.CANCELLED:
        return False
    if record.stage == ClockStage.MET:
        return record.met_at is not None and record.met_at > record.due_at
    return now >= record.due_at


@dataclass(frozen=True)
class Deadline:
    """The one deadline an alert is shown with (alert page, ledger, export): the earliest due time of its
    clocks still running, else its assigned 办理时限; ``what`` names which one it is."""

    at: datetime
    what: str


def alert_deadline(alert: Alert, clocks: list[ResponseClock]) -> Deadline | None:
    running = [c for c in clocks if c.stage not in _FINAL]
    if running:
        first = min(running, key=lambda c: c.due_at)
        if alert.deadline is None or first.due_at <= alert.deadline:
            return Deadline(at=first.due_at, what=CLOCK_NAMES[first.kind])
    if alert.deadline is not None:
        return Deadline(at=alert.deadline, what="办理时限")
    return None


class ClockService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, clock: Clock,
                 leaders_on_duty: Callable[[], list[User]] = lambda: []):
        self.repo, self.audit, self.clock = repo, audit, clock
        self.leaders_on_duty = leaders_on_duty

    def start(self, alert: Alert, kinds: tuple[ClockKind, ...]) -> list[ResponseClock]:
        """Start these clocks for an alert (idempotent: a clock that exists is kept; a cancelled one restarts)."""
        started = []
        now = self.clock.now()
        for kind in kinds:
            clock_id = f"{alert.id}:{kind.value}"
            existing = self.repo.get(ResponseClock, clock_id)
            if existing is not None and existing.stage != ClockStage.CANCELLED:
                continue
            record = ResponseClock(id=clock_id, alert_id=alert.id, kind=kind, t0=alert.t0,
                                   due_at=alert.t0 + DURATIONS[kind], started_at=now)
            if existing is None:
                self.repo.add(record)
            else:
                record = self.repo.update(replace(record, version=existing.version), existing.version)
            self.audit.record("system", "clock.start", f"alert:{alert.id}",
                              after={"clock": kind.value, "due_at": record.due_at.isoformat()})
            started.append(record)
        return started

    def cancel(self, alert_id: str, kinds: tuple[ClockKind, ...] | None, reason: str) -> None:
        """Cancel running clocks of an alert (all when ``kinds`` is None)."""
        for record in self.repo.find(ResponseClock, alert_id=alert_id):
            if record.stage in _FINAL or (kinds is not None and record.kind not in kinds):
                continue
            self.repo.update(replace(record, stage=ClockStage.CANCELLED, cancelled_reason=reason), record.version)
            self.audit.record("system", "clock.cancel", f"alert:{alert_id}",
                              before={"clock": record.kind.value, "stage": record.stage.value},
                              after={"clock": record.kind.value, "stage": "cancelled"}, detail=reason)

    def meet(self, alert_id: str, template: str, release_id: str, at: datetime) -> list[ResponseClock]:
        """Mark the clocks a published release of ``template`` meets; returns those that were met."""
        met = []
        for record in self.repo.find(ResponseClock, alert_id=alert_id):
            if record.stage in _FINAL or record.kind not in MEETS.get(template, ()):
                continue
            updated = self.repo.update(replace(record, stage=ClockStage.MET, met_at=at, met_by_release=release_id),
                                       record.version)
            late = "（超时完成）" if at > record.due_at else ""
            self.audit.record("system", "clock.met", f"alert:{alert_id}",
                              before={"clock": record.kind.value, "stage": record.stage.value},
                              after={"clock": record.kind.value, "stage": "met", "release": release_id},
                              detail=f"{CLOCK_NAMES[record.kind]}已由发布 {release_id} 完成{late}")
            met.append(updated)
        return met

    def view(self, record: ResponseClock, now: datetime | None = None) -> ClockView:
        now = now or self.clock.now()
        live = record.stage if record.stage in _FINAL else stage_at(record.t0, record.due_at, now)
        end = record.met_at if record.stage == ClockStage.MET and record.met_at else now
        return ClockView(clock=record, stage=live, share_used=share_used(record.t0, record.due_at, end),
                         remaining=record.due_at - end, at=now)

    def deadline(self, alert: Alert) -> Deadline | None:
        """The alert's deadline as the ledger shows it (see ``alert_deadline``)."""
        return alert_deadline(alert, self.repo.find(ResponseClock, alert_id=alert.id))

    def for_alert(self, alert_id: str, now: datetime | None = None) -> list[ClockView]:
        """The alert's clocks with their live stage, earliest due first."""
        return [self.view(r, now) for r in self.repo.find(ResponseClock, alert_id=alert_id, order_by="due_at")]

    def active(self, now: datetime | None = None) -> list[ClockView]:
        """Every clock neither met nor cancelled, earliest due first (for the dashboard)."""
        running = self.repo.find(ResponseClock, stage=_ORDER, order_by="due_at")
        return [self.view(r, now) for r in running]

    def overdue(self, now: datetime | None = None) -> list[ClockView]:
        """Clocks past due and not met: what the leader on duty sees."""
        return [v for v in self.active(now) if v.stage == ClockStage.OVERDUE]

    def tick(self, now: datetime | None = None) -> list[ClockChange]:
        """Advance every running clock to its stage at ``now``; return one change per clock that entered
        a new stage since the last tick (skipped stages are reported as the latest only)."""
        now = now or self.clock.now()
        changes = []
        for record in self.repo.find(ResponseClock, stage=_ORDER, order_by="due_at"):
            stage = stage_at(record.t0, record.due_at, now)
            if _ORDER.index(stage) <= _ORDER.index(record.stage):
                continue
            try:
                self.repo.update(replace(record, stage=stage), record.version)
            except Conflict:
                continue            # another worker announced it first: once per trigger
            changes.append(self._change(record, stage, now))
        return changes

    def _change(self, record: ResponseClock, stage: ClockStage, now: datetime) -> ClockChange:
        alert = self.repo.get(Alert, record.alert_id)
        title = alert.title if alert else record.alert_id
        notify = self._responsible(alert)
        if stage == ClockStage.OVERDUE:
            notify += tuple(u.id for u in self.leaders_on_duty() if u.id not in notify)
        due = record.due_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")
        message = (f"【{CLOCK_STAGE_NAMES[stage]}】{title}：{CLOCK_NAMES[record.kind]}"
                   f"{'已超过' if stage == ClockStage.OVERDUE else '截止于'} {due}，请及时处置。")
        self.audit.record("system", "clock.stage", f"alert:{record.alert_id}",
                          before={"clock": record.kind.value, "stage": record.stage.value},
                          after={"clock": record.kind.value, "stage": stage.value}, detail=message)
        return ClockChange(clock_id=record.id, alert_id=record.alert_id, alert_title=title, kind=record.kind,
                           old_stage=record.stage, new_stage=stage, due_at=record.due_at, at=now,
                           notify_user_ids=notify, message=message)

    def _responsible(self, alert: Alert | None) -> tuple[str, ...]:
        """Users to warn: those named responsible on the alert (by username or display name), and the
        spokespeople, who answer the clocks."""
        people = {alert.person} if alert and alert.person else set()
        users = [u for u in self.repo.find(User, active=True)
                 if u.role == Role.SPOKESPERSON or u.username in people or u.display_name in people]
        return tuple(u.id for u in users)
