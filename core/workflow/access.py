"""Who may do what. Every service method asks ``Guard.require`` before acting; a page only asks the
service. A refusal raises ``core.errors.PermissionDenied`` with a Chinese sentence and is written to the
audit log first, so every denied attempt leaves a trace."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from core.errors import PermissionDenied
from core.workflow.audit import AuditLog
from core.vocabulary import PERMISSION_NAMES, ROLE_NAMES
from core.workflow.model import Role, User
from core.workflow.repository import WorkflowRepository


class Permission(StrEnum):
    VIEW = "view"                              # read alerts, releases, escalations, ledger
    ALERT_RAISE = "alert.raise"                # raise an alert by hand, write the analysis
    ALERT_REVIEW = "alert.review"              # review, confirm, dismiss, regrade, assign, set facts
    ALERT_CLOSE = "alert.close"
    RELEASE_EDIT = "release.edit"              # draft, edit, run the minors' check
    RELEASE_SIGN = "release.sign"              # the spokesperson's sign-off
    RELEASE_APPROVE = "release.approve"        # the leader's approval
    RELEASE_PUBLISH = "release.publish"
    ESCALATION_OPEN = "escalation.open"
    ESCALATION_APPROVE = "escalation.approve"  # the leader hands the case over
    ESCALATION_HANDLE = "escalation.handle"    # the receiving unit accepts and gives feedback
    ESCALATION_CLOSE = "escalation.close"
    EVIDENCE = "evidence"                      # build and download evidence packs, attach files
    REPORT = "report"                          # daily / weekly / special reports
    AUDIT = "audit"                            # read and verify the audit log
    USERS = "users"                            # add users, change roles, reset passwords


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MONITOR: frozenset({P.VIEW, P.ALERT_RAISE, P.ESCALATION_OPEN, P.EVIDENCE, P.REPORT}),
    Role.REVIEWER: frozenset({P.VIEW, P.ALERT_RAISE, P.ALERT_REVIEW, P.ALERT_CLOSE, P.ESCALATION_OPEN,
                              P.EVIDENCE, P.REPORT}),
    Role.SPOKESPERSON: frozenset({P.VIEW, P.RELEASE_EDIT, P.RELEASE_SIGN, P.RELEASE_PUBLISH, P.REPORT}),
    Role.LEADER: frozenset({P.VIEW, P.ALERT_REVIEW, P.ALERT_CLOSE, P.RELEASE_APPROVE, P.ESCALATION_APPROVE,
                            P.ESCALATION_CLOSE, P.EVIDENCE, P.REPORT, P.AUDIT}),
    Role.POLICE_LIAISON: frozenset({P.VIEW, P.ESCALATION_HANDLE, P.EVIDENCE}),
    Role.ADMIN: frozenset({P.VIEW, P.AUDIT, P.USERS, P.REPORT}),
}


def allowed(role: Role | str, permission: Permission) -> bool:
    """Whether a role holds a permission (pages may use it to grey out buttons; services still check)."""
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


# The actor of the command line and the worker: every permission, audited as "system". Pages never use it.
SYSTEM = User(id="system", username="system", display_name="系统", role=Role.ADMIN)


class Guard:
    """Checks an actor against the stored user (so a stale or forged User object gains nothing)."""

    def __init__(self, repo: WorkflowRepository, audit: AuditLog):
        self.repo = repo
        self.audit = audit

    def require(self, actor: User, permission: Permission, target: str = "") -> User:
        """The stored, active user behind ``actor`` if their role holds ``permission``; else PermissionDenied."""
        if actor is SYSTEM:
            return SYSTEM
        stored = self.repo.get(User, actor.id) if actor is not None else None
        if stored is None or not stored.active:
            name = getattr(actor, "username", "anonymous")
            self.deny(name, str(permission), target, "用户不存在或已停用，请重新登录。")
        if not allowed(stored.role, permission):
            self.deny(stored.username, str(permission), target,
                      f"{ROLE_NAMES[stored.role]}{stored.display_name or stored.username}无权"
                      f"{PERMISSION_NAMES[permission]}。")
        return stored

    def deny(self, actor: str, action: str, target: str, reason: str, exc: type[Exception] = PermissionDenied,
             detail: dict[str, Any] | None = None) -> None:
        """Record a refused attempt in the audit log, then raise ``exc(reason)``."""
        self.audit.record(actor, action, target, outcome="denied", detail=reason, after=detail)
        raise exc(reason)
