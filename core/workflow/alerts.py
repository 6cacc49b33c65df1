"""Alerts: raised from events by grade and rules, then reviewed.

States: new -> under_review -> confirmed | dismissed (reason required); confirmed | dismissed -> closed.
Raising is idempotent per event (the same event raises one alert; later calls refresh its figures).
Grade changes need a reason and start or cancel the 5 h / 24 h clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from core.clock import Clock
from core.event import Event
from core.workflow.access import Guard
from core.workflow.audit import AuditLog
from core.workflow.clocks import ClockService
from core.workflow.model import Alert, AlertState, User
from core.workflow.repository import WorkflowRepository

UNIT_KINDS = {"school": "学校", "township": "乡镇（街道）", "department": "部门"}


@dataclass(frozen=True)
class AlertRules:
    """When an event becomes an alert: grade at least ``min_grade``, or a rumour share at least
    ``rumour_share`` (with at least ``min_posts`` posts)."""

    min_grade: str = "III"
    rumour_share: float = 0.3
    min_posts: int = 3

    def reasons(self, event: Event) -> tuple[str, ...]:
        """The rules the event meets, as Chinese sentences; empty when it raises no alert."""
        raise NotImplementedError


class AlertService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 clocks: ClockService, rules: AlertRules = AlertRules()):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.clocks = clocks
        self.rules = rules

    def raise_from_events(self, events: Iterable[Event]) -> list[Alert]:
        """For the worker: raise (or refresh) an alert for each event that meets the rules.
        Returns the alerts newly raised; an event that already has an alert only refreshes its
        figures (grade goes up only by the rules, never down; a reviewer's grade is kept)."""
        raise NotImplementedError

    def raise_manual(self, actor: User, event: Event, reason: str) -> Alert:
        """A monitor raises an alert for an event the rules did not catch (idempotent per event)."""
        raise NotImplementedError

    def get(self, actor: User, alert_id: str) -> Alert:
        """NotFound for an unknown id."""
        raise NotImplementedError

    def for_event(self, event_id: str) -> Alert | None:
        raise NotImplementedError

    def list(self, actor: User, states: Iterable[AlertState | str] = (), limit: int = 200) -> list[Alert]:
        """Alerts in these states (all when empty), newest first."""
        raise NotImplementedError

    def start_review(self, actor: User, alert_id: str, expected_version: int | None = None) -> Alert:
        raise NotImplementedError

    def confirm(self, actor: User, alert_id: str, expected_version: int | None = None) -> Alert:
        """Confirm (from under_review): starts the 48 h clock."""
        raise NotImplementedError

    def dismiss(self, actor: User, alert_id: str, reason: str, expected_version: int | None = None) -> Alert:
        """Dismiss (from new or under_review) with a reason; cancels the running clocks."""
        raise NotImplementedError

    def close(self, actor: User, alert_id: str, note: str = "", expected_version: int | None = None) -> Alert:
        """Close a confirmed or dismissed alert."""
        raise NotImplementedError

    def change_grade(self, actor: User, alert_id: str, grade: str, reason: str,
                     expected_version: int | None = None) -> Alert:
        raise NotImplementedError

    def assign(self, actor: User, alert_id: str, *, unit_kind: str, unit: str, person: str,
               deadline: datetime | None, expected_version: int | None = None) -> Alert:
        """Name the responsible unit (school / township / department), person and deadline."""
        raise NotImplementedError

    def set_facts(self, actor: User, alert_id: str, facts: Mapping[str, Any],
                  expected_version: int | None = None) -> Alert:
        """Record the verified facts that releases are drafted from (merged into the existing ones)."""
        raise NotImplementedError

    def set_analysis(self, actor: User, alert_id: str, analysis: str,
                     expected_version: int | None = None) -> Alert:
        """The monitor's analysis (研判) text."""
        raise NotImplementedError

