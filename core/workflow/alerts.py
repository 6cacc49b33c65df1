"""Alerts: raised from events by grade and rules, then reviewed.

States: new -> under_review -> confirmed | dismissed (reason required); confirmed | dismissed -> closed.
Raising is idempotent per event (the same event raises one alert; later calls refresh its figures).
Grade changes need a reason and start or cancel the 5 h / 24 h clocks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Iterable, Mapping

from core.clock import Clock, ensure_aware
from core.errors import Conflict, InvalidInput, NotFound
from core.event import Event
from core.text import clean_text
from core.vocabulary import ALERT_STATE_NAMES, GRADE_NAMES, GRADES, MAJOR_GRADES, UNIT_KINDS, grade_rank
from core.workflow.access import Guard, Permission
from core.workflow.audit import AuditLog
from core.workflow.clocks import ClockService
from core.workflow.model import Alert, AlertState, ClockKind, GradeChange, User, new_id, snapshot
from core.workflow.repository import WorkflowRepository
from core.workflow.templates import canonical_facts

@dataclass(frozen=True)
class AlertRules:
    """When an event becomes an alert: grade at least ``min_grade``, or a rumour share at least
    ``rumour_share`` (with at least ``min_posts`` posts)."""

    min_grade: str = "III"
    rumour_share: float = 0.3
    min_posts: int = 3

    def reasons(self, event: Event) -> tuple[str, ...]:
        """The rules the event meets, as Chinese sentences; empty when it raises no alert."""
        reasons = []
        if event.grade in GRADES and grade_rank(event.grade) >= grade_rank(self.min_grade):
            reasons.append(f"事件分级为{event.grade}级（{GRADE_NAMES[event.grade]}），达到预警线"
                           f"{self.min_grade}级")
        if event.post_count >= self.min_posts and event.rumour_share >= self.rumour_share:
            reasons.append(f"疑似谣言占比 {event.rumour_share:.0%}，超过 {self.rumour_share:.0%}")
        return tuple(reasons)


_GRADE_RULE_PREFIXES = ("事件分级为", "分级已由")


def _regraded_rules(rules: tuple[str, ...], change: GradeChange) -> tuple[str, ...]:
    """The alert's reasons after a grade change: the grade reason says the grade it has now, why, and by
    whose decision; the other reasons (rumour share ...) stay."""
    kept = tuple(r for r in rules if not r.startswith(_GRADE_RULE_PREFIXES))
    return kept + (f"分级已由{change.old}级（{GRADE_NAMES.get(change.old, change.old)}）调整为{change.new}级"
                   f"（{GRADE_NAMES[change.new]}），理由：{change.reason}",)


_TRANSITIONS = {
    "start_review": ((AlertState.NEW,), AlertState.UNDER_REVIEW),
    "confirm": ((AlertState.UNDER_REVIEW,), AlertState.CONFIRMED),
    "dismiss": ((AlertState.NEW, AlertState.UNDER_REVIEW), AlertState.DISMISSED),
    "close": ((AlertState.CONFIRMED, AlertState.DISMISSED), AlertState.CLOSED),
}


class AlertService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 clocks: ClockService, rules: AlertRules = AlertRules()):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.clocks = clocks
        self.rules = rules

    # --- raising

    def raise_from_events(self, events: Iterable[Event]) -> list[Alert]:
        """For the worker: raise (or refresh) an alert for each event that meets the rules.
        Returns the alerts newly raised; an event that already has an alert only refreshes its
        figures (grade goes up only by the rules, never down; a reviewer's grade is kept)."""
        raised = []
        for event in events:
            existing = self.for_event(event.id)
            if existing is not None:
                self._refresh(existing, event)
                continue
            reasons = self.rules.reasons(event)
            if reasons:
                raised.append(self._raise(event, reasons, "system"))
        return raised

    def raise_manual(self, actor: User, event: Event, reason: str) -> Alert:
        """A monitor raises an alert for an event the rules did not catch (idempotent per event)."""
        user = self.guard.require(actor, Permission.ALERT_RAISE, f"event:{event.id}")
        existing = self.for_event(event.id)
        if existing is not None:
            return existing
        if not (reason or "").strip():
            raise InvalidInput("请填写人工发起预警的理由。", field="reason")
        return self._raise(event, (f"人工发起：{reason.strip()}",), user.username)

    def _raise(self, event: Event, reasons: tuple[str, ...], by: str) -> Alert:
        now = self.clock.now()
        alert = Alert(id=new_id("A"), event_id=event.id, title=event.title, grade=event.grade,
                      state=AlertState.NEW, t0=ensure_aware(event.first_seen), raised_at=now, raised_by=by,
                      rules=reasons, schools=tuple(event.schools), incident_types=tuple(event.incident_types),
                      rumour_share=event.rumour_share, heat=event.heat, post_ids=tuple(event.post_ids),
                      updated_at=now)
        with self.audit.work():
            if self.for_event(event.id) is not None:      # raced with another worker: keep theirs
                return self.for_event(event.id)
            self.repo.add(alert)
            self.audit.record(by, "alert.raise", f"alert:{alert.id}", after=snapshot(alert),
                              detail="；".join(reasons))
            if alert.grade in MAJOR_GRADES:
                self.clocks.start(alert, (ClockKind.RELEASE_5H, ClockKind.PRESS_24H))
        return alert

    def _refresh(self, alert: Alert, event: Event) -> Alert:
        changes = dict(heat=event.heat, rumour_share=event.rumour_share, post_ids=tuple(event.post_ids),
                       schools=tuple(event.schools) or alert.schools)
        by_reviewer = any(change.by != "system" for change in alert.grade_history)
        if not by_reviewer and event.grade in GRADES and grade_rank(event.grade) > grade_rank(alert.grade):
            change = GradeChange(at=self.clock.now(), by="system", old=alert.grade, new=event.grade,
                                 reason="事件热度与分级上升（自动）")
            changes.update(grade=event.grade, grade_history=alert.grade_history + (change,),
                           decided_version=alert.version + 1)      # a reviewer must see a raised grade
        if all(getattr(alert, k) == v for k, v in changes.items()):
            return alert
        with self.audit.work():
            updated = self.repo.update(replace(alert, **changes, updated_at=self.clock.now()), alert.version)
            if updated.grade != alert.grade:
                self.audit.record("system", "alert.grade", f"alert:{alert.id}", before={"grade": alert.grade},
                                  after={"grade": updated.grade}, detail="事件分级自动上升")
                self._grade_clocks(updated)
        return updated

    # --- reading

    def get(self, actor: User, alert_id: str) -> Alert:
        """NotFound for an unknown id."""
        self.guard.require(actor, Permission.VIEW, f"alert:{alert_id}")
        return self._load(alert_id)

    def _load(self, alert_id: str) -> Alert:
        alert = self.repo.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"预警 {alert_id} 不存在。")
        return alert

    def for_event(self, event_id: str) -> Alert | None:
        found = self.repo.find(Alert, event_id=event_id, limit=1)
        return found[0] if found else None

    def open_major(self) -> list[Alert]:
        """Alerts of a major grade (II, I) that are neither dismissed nor closed, oldest raised first.
        A system-side read for the worker's notifications: no actor, no permission check."""
        live = tuple(s for s in AlertState if s not in (AlertState.DISMISSED, AlertState.CLOSED))
        return self.repo.find(Alert, grade=MAJOR_GRADES, state=live, order_by="raised_at")

    def open_alerts(self) -> list[Alert]:
        """Alerts of any grade that are neither dismissed nor closed, oldest raised first (a system-side read
        for the worker's notifications: no actor, no permission check)."""
        live = tuple(s for s in AlertState if s not in (AlertState.DISMISSED, AlertState.CLOSED))
        return self.repo.find(Alert, state=live, order_by="raised_at")

    def all_alerts(self) -> list[Alert]:
        """Every alert, in any state, oldest raised first (for a drill's after-action report). A system-side
        read: no actor, no permission check."""
        return self.repo.find(Alert, order_by="raised_at")

    def list(self, actor: User, states: Iterable[AlertState | str] = (), limit: int = 200) -> list[Alert]:
        """Alerts in these states (all when empty), newest first."""
        self.guard.require(actor, Permission.VIEW, "alerts")
        wanted = tuple(AlertState(s) for s in states)
        filters = {"state": wanted} if wanted else {}
        return self.repo.find(Alert, order_by="-raised_at", limit=limit, **filters)

    # --- the review

    def start_review(self, actor: User, alert_id: str, expected_version: int | None = None) -> Alert:
        return self._move(actor, alert_id, "start_review", expected_version)

    def confirm(self, actor: User, alert_id: str, expected_version: int | None = None) -> Alert:
        """Confirm (from under_review): starts the 48 h clock."""
        return self._move(actor, alert_id, "confirm", expected_version)

    def dismiss(self, actor: User, alert_id: str, reason: str, expected_version: int | None = None) -> Alert:
        """Dismiss (from new or under_review) with a reason; cancels the running clocks."""
        if not (reason or "").strip():
            user = self.guard.require(actor, Permission.ALERT_REVIEW, f"alert:{alert_id}")
            self.guard.deny(user.username, "alert.dismiss", f"alert:{alert_id}", "排除预警必须填写理由。",
                            exc=InvalidInput)
        return self._move(actor, alert_id, "dismiss", expected_version, reason=reason.strip())

    def close(self, actor: User, alert_id: str, note: str = "", expected_version: int | None = None) -> Alert:
        """Close a confirmed or dismissed alert."""
        return self._move(actor, alert_id, "close", expected_version, note=note.strip())

    def _move(self, actor: User, alert_id: str, action: str, expected_version: int | None,
              reason: str = "", note: str = "") -> Alert:
        permission = Permission.ALERT_CLOSE if action == "close" else Permission.ALERT_REVIEW
        user = self.guard.require(actor, permission, f"alert:{alert_id}")
        reason, note = clean_text(reason), clean_text(note)
        sources, target = _TRANSITIONS[action]
        with self.audit.work():
            alert = self._current(user, alert_id, expected_version, f"alert.{action}")
            if alert.state not in sources:
                self.guard.deny(user.username, f"alert.{action}", f"alert:{alert_id}",
                                f"预警当前状态为“{ALERT_STATE_NAMES[alert.state]}”，不能{_ACTION_NAMES[action]}。",
                                exc=Conflict)
            now = self.clock.now()
            changes: dict[str, Any] = {"state": target, "updated_at": now}
            if action == "confirm":
                changes["confirmed_at"] = now
            elif action == "dismiss":
                changes["dismiss_reason"] = reason
            elif action == "close":
                changes["closed_at"] = now
            updated = self.repo.update(replace(alert, **changes, decided_version=alert.version + 1), alert.version)
            self.audit.record(user.username, f"alert.{action}", f"alert:{alert_id}", before=snapshot(alert),
                              after=snapshot(updated), detail=reason or note)
            if action == "confirm":
                self.clocks.start(updated, (ClockKind.ANSWER_48H,))
            elif action == "dismiss":
                self.clocks.cancel(alert_id, None, f"预警已排除：{reason}")
        return updated

    def _current(self, user: User, alert_id: str, expected_version: int | None, action: str) -> Alert:
        """The stored alert; a Conflict (audited) when a person (or a raised grade) changed it after the version
        the caller saw. The worker's refresh of heat and posts alone is no conflict: the reviewer decides on
        what they saw, and the stored alert keeps the fresher figures."""
        alert = self._load(alert_id)
        if expected_version is not None and not alert.decided_version <= expected_version <= alert.version:
            self.guard.deny(user.username, action, f"alert:{alert_id}",
                            f"预警已被他人修改（当前版本 {alert.version}，您看到的是版本 {expected_version}），"
                            "请刷新后重试。", exc=Conflict)
        return alert

    def change_grade(self, actor: User, alert_id: str, grade: str, reason: str,
                     expected_version: int | None = None) -> Alert:
        user = self.guard.require(actor, Permission.ALERT_REVIEW, f"alert:{alert_id}")
        if grade not in GRADES:
            raise InvalidInput(f"分级 {grade!r} 无效；可选：{'、'.join(GRADES)}。", field="grade")
        reason = clean_text(reason)
        if not reason.strip():
            self.guard.deny(user.username, "alert.grade", f"alert:{alert_id}", "调整分级必须填写理由。",
                            exc=InvalidInput)
        with self.audit.work():
            alert = self._current(user, alert_id, expected_version, "alert.grade")
            if alert.state == AlertState.CLOSED:
                raise Conflict("预警已办结，不能再调整分级。")
            if grade == alert.grade:
                return alert
            change = GradeChange(at=self.clock.now(), by=user.username, old=alert.grade, new=grade,
                                 reason=reason.strip())
            updated = self.repo.update(replace(alert, grade=grade, grade_history=alert.grade_history + (change,),
                                               rules=_regraded_rules(alert.rules, change), updated_at=change.at,
                                               decided_version=alert.version + 1), alert.version)
            self.audit.record(user.username, "alert.grade", f"alert:{alert_id}", before={"grade": alert.grade},
                              after={"grade": grade}, detail=reason.strip())
            self._grade_clocks(updated)
        return updated

    def _grade_clocks(self, alert: Alert) -> None:
        """Grades II and I run the 5 h and 24 h clocks; below II they are cancelled."""
        if alert.state in (AlertState.DISMISSED, AlertState.CLOSED):
            return
        major = (ClockKind.RELEASE_5H, ClockKind.PRESS_24H)
        if alert.grade in MAJOR_GRADES:
            self.clocks.start(alert, major)
        else:
            self.clocks.cancel(alert.id, major, f"分级调整为{alert.grade}级")

    def assign(self, actor: User, alert_id: str, *, unit_kind: str, unit: str, person: str,
               deadline: datetime | None, expected_version: int | None = None) -> Alert:
        """Name the responsible unit (school / township / department), person and deadline."""
        if unit_kind not in UNIT_KINDS:
            raise InvalidInput(f"责任单位类型 {unit_kind!r} 无效；可选：{', '.join(UNIT_KINDS)}。", field="unit_kind")
        if not unit.strip() or not person.strip():
            raise InvalidInput("请填写责任单位和责任人。", field="unit" if not unit.strip() else "person")
        if deadline is not None and deadline.tzinfo is None:
            raise InvalidInput("办理时限须带时区。", field="deadline")
        return self._edit(actor, alert_id, Permission.ALERT_REVIEW, "alert.assign", expected_version,
                          unit_kind=unit_kind, unit=unit.strip(), person=person.strip(), deadline=deadline)

    def set_facts(self, actor: User, alert_id: str, facts: Mapping[str, Any],
                  expected_version: int | None = None) -> Alert:
        """Record the verified facts that releases are drafted from (merged into the existing ones)."""
        bad = [k for k in facts if not isinstance(k, str) or not k.isidentifier()]
        if bad:
            raise InvalidInput(f"事实字段名须为英文标识符：{', '.join(map(str, bad))}。", field=str(bad[0]))
        current = self._load(alert_id)
        cleaned = {k: clean_text(v) if isinstance(v, str) else v for k, v in facts.items()}
        merged = {**canonical_facts(current.facts), **canonical_facts(cleaned)}
        return self._edit(actor, alert_id, Permission.ALERT_REVIEW, "alert.facts", expected_version, facts=merged)

    def set_analysis(self, actor: User, alert_id: str, analysis: str,
                     expected_version: int | None = None) -> Alert:
        """The monitor's analysis (研判) text."""
        return self._edit(actor, alert_id, Permission.ALERT_RAISE, "alert.analysis", expected_version,
                          analysis=clean_text(analysis).strip())

    def _edit(self, actor: User, alert_id: str, permission: Permission, action: str,
              expected_version: int | None, **changes: Any) -> Alert:
        user = self.guard.require(actor, permission, f"alert:{alert_id}")
        with self.audit.work():
            alert = self._current(user, alert_id, expected_version, action)
            if alert.state == AlertState.CLOSED:
                self.guard.deny(user.username, action, f"alert:{alert_id}", "预警已办结，不能再修改。", exc=Conflict)
            updated = self.repo.update(replace(alert, **changes, updated_at=self.clock.now(),
                                               decided_version=alert.version + 1), alert.version)
            self.audit.record(user.username, action, f"alert:{alert_id}",
                              before={k: getattr(alert, k) for k in changes},
                              after={k: getattr(updated, k) for k in changes})
        return updated


_ACTION_NAMES = {"start_review": "开始审核", "confirm": "确认", "dismiss": "排除", "close": "办结"}
