"""The workflow services: review -> respond -> escalate, with the response clocks, sign-off, evidence
packs, the ledger and the audit trail. UI-free; every permission is checked here.

Build the services with ``build_workflow`` (the runtime, ``infra.runtime``, does it once per process over the
state database, with the channels and the county from the profile):

    wf = open_runtime(settings).workflow
    session = wf.users.login("reviewer", "...")          # the console keeps session.token
    user = wf.users.resolve(session.token)
    wf.alerts.confirm(user, alert_id)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable, Sequence

from core.clock import Clock
from core.coordination import SpreadAnalyst
from core.errors import ConfigurationError
from core.event import EventStore
from core.storage import PostStore
from core.vocabulary import AWAITING_REVIEW_STATES
from core.workflow.access import SYSTEM, Guard, Permission, allowed
from core.workflow.alerts import AlertRules, AlertService
from core.workflow.anchor import AuditAnchor
from core.workflow.audit import AuditLog
from core.workflow.channels import Channel, OutgoingRelease
from core.capture import PageCapturer
from core.workflow.clocks import ClockService, ClockView
from core.workflow.escalations import EscalationService
from core.workflow.ledger import LedgerService
from core.workflow.masking import MaskResult, mask_minors
from core.workflow.model import *  # noqa: F401,F403  (the records are part of the public API)
from core.workflow.model import Alert, AuditEntry, AuditReport, Release, ReleaseStatus, Role, User
from core.workflow.releases import ReleaseService
from core.workflow.reports import ReportService
from core.workflow.repository import WorkflowRepository
from core.workflow.templates import TemplateLibrary
from core.workflow.throttle import ThrottlePolicy
from core.workflow.users import UserService


@dataclass(frozen=True)
class WorkflowConfig:
    """The knobs the services need (the composition root fills them from settings and the profile).

    ``county`` is the county's name from the profile (``[county] name``); ``build_workflow`` refuses an
    empty one. ``publisher`` is the issuing body printed on releases (setting ``publisher``); empty means
    ``<county>教育局``."""

    templates_dir: Path
    evidence_dir: Path
    session_ttl: timedelta = timedelta(hours=8)
    login_throttle: ThrottlePolicy = ThrottlePolicy()
    rules: AlertRules = AlertRules()
    upload_max_bytes: int = 10 * 1024 * 1024
    county: str = ""
    publisher: str = ""
    school_names: dict[str, str] = field(default_factory=dict)   # school id -> name, for release drafts
    audit_anchor_file: Path | None = None    # signed audit heads outside the database; None: no anchor
    audit_hmac_key: str = ""                 # the anchor's signing key (setting audit_hmac_key)


@dataclass(frozen=True)
class WorkflowCounts:
    """How far the workflow has got, in three numbers (for a drill's progress line)."""

    alerts: int
    awaiting_review: int             # alerts new or under review
    releases_published: int


@dataclass
class Workflow:
    """Every workflow service over one repository and one clock."""

    repo: WorkflowRepository
    clock: Clock
    audit: AuditLog
    guard: Guard
    users: UserService
    alerts: AlertService
    clocks: ClockService
    templates: TemplateLibrary
    releases: ReleaseService
    escalations: EscalationService
    ledger: LedgerService
    reports: ReportService
    on_close: list[Callable[[], None]] = field(default_factory=list)

    def audit_entries(self, actor: User, *, limit: int | None = 200, newest_first: bool = True,
                      target: str | None = None) -> list[AuditEntry]:
        """The audit log (leaders and admins), newest first by default; ``target`` e.g. "alert:A-1"."""
        self.guard.require(actor, Permission.AUDIT, "audit")
        entries = self.audit.entries(limit=None if target else limit, newest_first=newest_first)
        if target:
            entries = [e for e in entries if e.target == target][:limit]
        return entries

    def verify_audit(self, actor: User) -> AuditReport:
        """Re-check the whole hash chain (leaders and admins); the check itself is audited."""
        user = self.guard.require(actor, Permission.AUDIT, "audit")
        report = self.audit.verify()
        self.audit.record(user.username, "audit.verify", "audit", outcome="ok" if report.ok else "failed",
                          detail="审计链完整" if report.ok else "；".join(report.problems))
        return report

    def counts(self) -> WorkflowCounts:
        """Alerts, alerts awaiting review and published releases so far. A system-side read for the worker
        and the drill: no actor, no permission check (pages use the services' checked reads)."""
        alerts = self.repo.find(Alert)
        waiting = sum(1 for alert in alerts if str(alert.state) in AWAITING_REVIEW_STATES)
        published = len(self.repo.find(Release, status=ReleaseStatus.PUBLISHED))
        return WorkflowCounts(alerts=len(alerts), awaiting_review=waiting, releases_published=published)

    def can(self, user: User, permission: Permission | str) -> bool:
        """Whether the user's role holds a permission (for greying out buttons; services still check)."""
        return allowed(user.role, Permission(permission))

    def close(self) -> None:
        for closer in self.on_close:
            closer()
        self.repo.close()


def build_workflow(repo: WorkflowRepository, clock: Clock, config: WorkflowConfig, *,
                   channels: Sequence[Channel] = (), post_store: PostStore | None = None,
                   event_store: EventStore | None = None, spread_analyst: SpreadAnalyst | None = None,
                   bcrypt_rounds: int = 12, capturer: PageCapturer | None = None) -> Workflow:
    """Wire every service over ``repo`` and ``clock`` (``bcrypt_rounds`` lower only in tests).
    ConfigurationError when ``config.county`` is empty."""
    county = (config.county or "").strip()
    if not county:
        raise ConfigurationError("WorkflowConfig.county is empty: the county's name comes from the county profile "
                                 "([county] name in the profile file named by the setting 'profile')")
    publisher = (config.publisher or "").strip() or f"{county}教育局"
    anchor = AuditAnchor(config.audit_anchor_file, config.audit_hmac_key) if config.audit_anchor_file else None
    audit = AuditLog(repo, clock, anchor)
    guard = Guard(repo, audit)
    users = UserService(repo, audit, guard, clock, session_ttl=config.session_ttl, bcrypt_rounds=bcrypt_rounds,
                        throttle=config.login_throttle)
    clocks = ClockService(repo, audit, clock, leaders_on_duty=users.on_duty_leaders)
    alerts = AlertService(repo, audit, guard, clock, clocks, rules=config.rules)
    templates = TemplateLibrary(config.templates_dir)
    releases = ReleaseService(repo, audit, guard, clock, templates, clocks, channels,
                              publisher=publisher, county=county, school_names=config.school_names)
    escalations = EscalationService(repo, audit, guard, clock, post_store, config.evidence_dir,
                                    upload_max_bytes=config.upload_max_bytes, county=county,
                                    spread_analyst=spread_analyst, capturer=capturer)
    ledger = LedgerService(repo, guard, clock)
    reports = ReportService(repo, guard, clock, templates, post_store, event_store, county=county,
                            school_names=config.school_names, clocks=clocks, audit=audit, issuer=publisher)
    return Workflow(repo=repo, clock=clock, audit=audit, guard=guard, users=users, alerts=alerts,
                    clocks=clocks, templates=templates, releases=releases, escalations=escalations,
                    ledger=ledger, reports=reports)


__all__ = ["SYSTEM", "Workflow", "WorkflowConfig", "WorkflowCounts", "build_workflow", "Permission", "allowed", "AlertRules",
           "ClockView", "MaskResult", "mask_minors", "Channel", "OutgoingRelease", "TemplateLibrary",
           "Role", "User"]
