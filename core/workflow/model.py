"""The workflow's records: users, sessions, alerts, response clocks, releases, escalations, audit entries.

Every record is a frozen dataclass with a string ``id``; records that people edit carry a ``version``
that the repository bumps on every update (optimistic concurrency: an update naming a stale version is
refused with ``core.errors.Conflict``). Times are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# The Chinese names of the codes below live in core.vocabulary.


class Role(StrEnum):
    MONITOR = "monitor"                  # 宣传部舆情监测员
    REVIEWER = "reviewer"                # 教育局预警审核
    SPOKESPERSON = "spokesperson"        # 新闻发言人
    LEADER = "leader"                    # 值班领导
    POLICE_LIAISON = "police_liaison"    # 公安联络员 / 网信
    ADMIN = "admin"                      # 系统管理员



@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    role: Role
    password_hash: str = ""              # bcrypt; empty for OIDC-only users
    email: str = ""                      # matched by the OIDC identity hook
    unit: str = ""                       # the user's own unit, e.g. 县教育局
    on_duty: bool = False                # leader on duty: receives overdue flags
    active: bool = True
    created_at: datetime | None = None
    version: int = 1
    session_epoch: int = 0               # raised by a password change or reset: older sessions end


@dataclass(frozen=True)
class Session:
    """A login. The console keeps ``token``; only its SHA-256 is stored (``id``). ``epoch`` is the user's
    ``session_epoch`` when the session began: a session of an older epoch is no longer valid."""

    id: str                              # sha256 of the token
    user_id: str
    created_at: datetime
    expires_at: datetime
    token: str = ""                      # only set on the object returned by login, never stored
    version: int = 1
    epoch: int = 0


@dataclass(frozen=True)
class LoginThrottle:
    """Failed logins counted for one key (``user:<username>`` or ``client:<address>``) within a window;
    ``locked_until`` is set once the key reached its limit."""

    id: str
    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None
    version: int = 1


class AlertState(StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    CLOSED = "closed"



@dataclass(frozen=True)
class GradeChange:
    at: datetime
    by: str                              # username
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class Alert:
    """An alert raised from one event (at most one alert per event)."""

    id: str
    event_id: str
    title: str
    grade: str                           # IV / III / II / I (core.vocabulary.GRADES)
    state: AlertState
    t0: datetime                         # the event's first detection: start of every clock
    raised_at: datetime
    raised_by: str                       # username or "system"
    rules: tuple[str, ...] = ()          # why it was raised, in Chinese
    schools: tuple[str, ...] = ()
    incident_types: tuple[str, ...] = ()
    rumour_share: float = 0.0
    heat: float = 0.0
    post_ids: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)  # verified facts (the reviewer fills them in)
    analysis: str = ""                   # the monitor's 研判 text
    unit_kind: str = ""                  # school / township / department (core.vocabulary.UNIT_KINDS)
    unit: str = ""                       # the responsible unit's name
    person: str = ""                     # the responsible person's name
    deadline: datetime | None = None
    dismiss_reason: str = ""
    grade_history: tuple[GradeChange, ...] = ()
    confirmed_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    # The version a person last changed what a reviewer decides on (state, grade, responsibility, facts,
    # analysis). The worker's refresh of heat and posts moves ``version`` only, so a reviewer looking at a
    # live event is not refused for edits nobody made; a grade the system raises does move it.
    decided_version: int = 1


class ClockKind(StrEnum):
    RELEASE_5H = "release_5h"            # information release within 5 h (grades II, I)
    PRESS_24H = "press_24h"              # press conference within 24 h (grades II, I)
    ANSWER_48H = "answer_48h"            # an answer within 48 h (every confirmed alert)



class ClockStage(StrEnum):
    RUNNING = "running"                  # under 50 % of the time used
    WARNING_50 = "warning_50"            # 50 % used
    WARNING_80 = "warning_80"            # 80 % used
    OVERDUE = "overdue"                  # due time passed, not met
    MET = "met"                          # the matching release was published
    CANCELLED = "cancelled"              # the alert was dismissed or the grade lowered



@dataclass(frozen=True)
class ResponseClock:
    id: str                              # "<alert id>:<kind>"
    alert_id: str
    kind: ClockKind
    t0: datetime
    due_at: datetime
    stage: ClockStage = ClockStage.RUNNING   # the last stage announced by tick()
    started_at: datetime | None = None
    met_at: datetime | None = None
    met_by_release: str = ""
    cancelled_reason: str = ""
    version: int = 1


@dataclass(frozen=True)
class ClockChange:
    """What ``ClockService.tick`` found: a clock that entered a new stage (reported once per stage)."""

    clock_id: str
    alert_id: str
    alert_title: str
    kind: ClockKind
    old_stage: ClockStage
    new_stage: ClockStage
    due_at: datetime
    at: datetime
    notify_user_ids: tuple[str, ...]     # responsible people; the leaders on duty when overdue
    message: str                         # a Chinese sentence for the notification


class ReleaseStatus(StrEnum):
    DRAFT = "draft"                      # editable; must pass the minors' check before sign-off
    CHECKED = "checked"                  # the current version passed the minors' check
    SIGNED = "signed"                    # signed by the spokesperson
    APPROVED = "approved"                # approved by the leader: ready to publish
    PUBLISHED = "published"



@dataclass(frozen=True)
class MaskFinding:
    kind: str                            # name / id_number / phone / address / class_name
    original: str
    replacement: str
    start: int                           # position in the checked text
    end: int


@dataclass(frozen=True)
class Release:
    id: str
    alert_id: str
    template: str                        # a press template name, e.g. first_response
    title: str
    body: str
    status: ReleaseStatus
    created_by: str
    created_at: datetime
    first_release_id: str = ""           # a follow-up links to the first release of its alert
    checked_version: int = 0             # the version that passed the minors' check
    findings: tuple[MaskFinding, ...] = ()
    signed_by: str = ""
    signed_at: datetime | None = None
    approved_by: str = ""
    approved_at: datetime | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class ReleaseVersion:
    """Every saved text of a release, kept forever (``id`` = "<release id>:<version>")."""

    id: str
    release_id: str
    number: int
    title: str
    body: str
    saved_by: str
    saved_at: datetime
    note: str = ""                       # e.g. "未成年人信息检查：隐去 2 处"


@dataclass(frozen=True)
class DraftAutosave:
    """Text a person typed into a release's editor and has not saved yet, kept so a reload loses nothing.
    One per release and person; removed when they save."""

    id: str                              # "<release id>:<username>"
    release_id: str
    username: str
    base_version: int                    # the release version the text was typed on
    title: str
    body: str
    saved_at: datetime
    version: int = 1


@dataclass(frozen=True)
class Publication:
    """One release published on one channel: what, where, when."""

    id: str
    release_id: str
    release_version: int
    channel: str                         # website / webhook / ...
    location: str                        # the file, URL or receiver it went to
    published_at: datetime
    published_by: str
    content_sha256: str
    ok: bool = True
    error: str = ""


class EscalationKind(StrEnum):
    MALICIOUS_HYPE = "malicious_hype"    # 恶意炒作
    RUMOUR = "rumour"                    # 谣言
    SCHOOL_DISRUPTION = "school_disruption"  # 校闹


class EscalationTarget(StrEnum):
    PROPAGANDA = "propaganda"            # 县委宣传部
    POLICE = "police"                    # 公安机关
    CYBERSPACE = "cyberspace"            # 网信办


class EscalationStatus(StrEnum):
    OPENED = "opened"                    # drafted, waiting for the leader
    SENT = "sent"                        # approved by the leader and handed over with its evidence pack
    ACCEPTED = "accepted"                # the receiving unit took the case
    RESOLVED = "resolved"                # the receiving unit gave its result (feedback)
    CLOSED = "closed"



@dataclass(frozen=True)
class Feedback:
    at: datetime
    by: str
    text: str


@dataclass(frozen=True)
class Attachment:
    name: str                            # the file name inside the evidence pack (attachments/<name>)
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    path: str                            # where the bytes are kept


@dataclass(frozen=True)
class Escalation:
    id: str
    alert_id: str
    kind: EscalationKind
    target: EscalationTarget
    status: EscalationStatus
    summary: str
    post_ids: tuple[str, ...]
    created_by: str
    created_at: datetime
    person: str = ""                     # responsible person at the receiving unit
    deadline: datetime | None = None
    approved_by: str = ""
    approved_at: datetime | None = None
    feedback: tuple[Feedback, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    pack_path: str = ""
    pack_sha256: str = ""                # the manifest hash of the latest pack
    updated_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only, hash-chained audit log."""

    seq: int
    at: datetime
    actor: str                           # username, "system" or "anonymous"
    action: str                          # e.g. alert.confirm, release.approve, login
    target: str                          # e.g. alert:a-1
    outcome: str                         # ok / denied
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str                          # a sentence; for denials, the reason
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    entries: int
    problems: tuple[str, ...] = ()       # one sentence per broken link, naming the sequence number
    anchored_seq: int = 0                # the newest head found in the anchor outside the database (0: none)
    notes: tuple[str, ...] = ()          # what the check could not cover (no anchor, no key), not failures


@dataclass(frozen=True)
class LedgerRow:
    kind: str                            # alert / release / escalation
    id: str
    alert_id: str
    title: str
    unit: str
    person: str
    deadline: datetime | None
    status: str                          # Chinese status name
    overdue: bool
    updated_at: datetime | None


@dataclass(frozen=True)
class PackReport:
    ok: bool
    files: int
    changed: tuple[str, ...] = ()        # files whose SHA-256 differs from the manifest
    missing: tuple[str, ...] = ()        # files in the manifest but not in the zip
    unexpected: tuple[str, ...] = ()     # files in the zip but not in the manifest
    manifest_ok: bool = True             # the manifest matches its recorded hash
    message: str = ""
    authenticated: bool = False          # ok, and the manifest hash equals the one recorded outside the pack


@dataclass(frozen=True)
class Report:
    kind: str                            # daily / weekly / special
    title: str
    markdown: str
    docx: bytes
    charts: dict[str, bytes] = field(default_factory=dict)   # name -> PNG


def new_id(prefix: str) -> str:
    """A fresh record id such as ``A-5f0c2d9e1b7a``."""
    import uuid

    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def snapshot(record: Any, *, hide: tuple[str, ...] = ("password_hash", "token", "body")) -> dict[str, Any]:
    """A record as the audit log keeps it (secrets and long texts left out; see ``hide``)."""
    from dataclasses import asdict

    return {k: v for k, v in asdict(record).items() if k not in hide}
