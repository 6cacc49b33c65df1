"""The response clocks (国办发〔2016〕80号 and 61号), all measured from T0 = the event's first detection.

- grades II and I: information release due 5 h after T0, press conference due 24 h after T0;
- every confirmed alert: an answer due 48 h after T0.
Stages: running (< 50 %), warning_50 (>= 50 %), warning_80 (>= 80 %), overdue (>= 100 %); met when the
matching release is published; cancelled when the alert is dismissed or the grade drops below II.
``tick(now)`` moves stored clocks to their current stage and reports each change once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.workflow.audit import AuditLog
from core.workflow.model import Alert, ClockChange, ClockKind, ClockStage, ResponseClock
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
    raise NotImplementedError


@dataclass(frozen=True)
class ClockView:
    """A clock as the console shows it: its stored record plus the live share used and time left."""

    clock: ResponseClock
    stage: ClockStage                    # live stage at ``at`` (may be ahead of the stored one)
    share_used: float                    # 0.0 .. (over 1.0 when overdue)
    remaining: timedelta                 # negative when overdue
    at: datetime


class ClockService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, clock: Clock,
                 leaders_on_duty=lambda: []):
        self.repo, self.audit, self.clock = repo, audit, clock
        self.leaders_on_duty = leaders_on_duty

    def start(self, alert: Alert, kinds: tuple[ClockKind, ...]) -> list[ResponseClock]:
        """Start these clocks for an alert (idempotent: a clock that exists is kept; a cancelled one restarts)."""
        raise NotImplementedError

    def cancel(self, alert_id: str, kinds: tuple[ClockKind, ...] | None, reason: str) -> None:
        """Cancel running clocks of an alert (all when ``kinds`` is None)."""
        raise NotImplementedError

    def meet(self, alert_id: str, template: str, release_id: str, at: datetime) -> list[ResponseClock]:
        """Mark the clocks a published release of ``template`` meets; returns those that were met."""
        raise NotImplementedError

    def for_alert(self, alert_id: str, now: datetime | None = None) -> list[ClockView]:
        """The alert's clocks with their live stage, earliest due first."""
        raise NotImplementedError

    def active(self, now: datetime | None = None) -> list[ClockView]:
        """Every clock neither met nor cancelled, earliest due first (for the dashboard)."""
        raise NotImplementedError

    def overdue(self, now: datetime | None = None) -> list[ClockView]:
        """Clocks past due and not met: what the leader on duty sees."""
        raise NotImplementedError

    def tick(self, now: datetime | None = None) -> list[ClockChange]:
        """Advance every running clock to its stage at ``now``; return one change per clock that entered
        a new stage since the last tick (skipped stages are reported as the latest only)."""
        raise NotImplementedError
