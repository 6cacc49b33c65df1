"""Escalations: malicious hype, rumours and 校闹 handed to the propaganda department, the police or the
cyberspace office, with an evidence pack.

Status: opened -> sent (the leader approves; an evidence pack is built) -> accepted (the receiving unit)
-> resolved (its feedback) -> closed (the leader). Feedback may be added at any time after sending.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterable

from core.clock import Clock
from core.storage import PostStore
from core.workflow.access import Guard
from core.workflow.audit import AuditLog
from core.workflow.model import Escalation, EscalationKind, EscalationStatus, EscalationTarget, User
from core.workflow.repository import WorkflowRepository

# Files a user may attach (name suffix -> first bytes that such a file starts with; None: text).
ATTACHMENT_TYPES = {".png": b"\x89PNG", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".pdf": b"%PDF",
                    ".txt": None, ".html": None, ".json": None}


class EscalationService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 post_store: PostStore | None, evidence_dir: Path, upload_max_bytes: int = 10 * 1024 * 1024,
                 county: str = "渠县"):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.post_store = post_store
        self.evidence_dir = Path(evidence_dir)
        self.upload_max_bytes = upload_max_bytes
        self.county = county

    def open(self, actor: User, alert_id: str, kind: EscalationKind | str, target: EscalationTarget | str,
             post_ids: Iterable[str], summary: str, *, person: str = "",
             deadline: datetime | None = None) -> Escalation:
        """A new case for an alert; InvalidInput when there is no summary or no post."""
        raise NotImplementedError

    def get(self, actor: User, escalation_id: str) -> Escalation:
        raise NotImplementedError

    def list(self, actor: User, alert_id: str | None = None,
             statuses: Iterable[EscalationStatus | str] = ()) -> list[Escalation]:
        raise NotImplementedError

    def attach(self, actor: User, escalation_id: str, filename: str, data: bytes) -> Escalation:
        """Attach a file (a screenshot, a PDF) to the case. Oversized, empty, unknown-type or malformed
        files are refused with InvalidInput naming the limit or the type, and audited."""
        raise NotImplementedError

    def approve(self, actor: User, escalation_id: str, base_version: int | None = None) -> Escalation:
        """The leader hands the case over: builds the evidence pack and marks it sent."""
        raise NotImplementedError

    def accept(self, actor: User, escalation_id: str, base_version: int | None = None) -> Escalation:
        raise NotImplementedError

    def add_feedback(self, actor: User, escalation_id: str, text: str, *, resolved: bool = False,
                     base_version: int | None = None) -> Escalation:
        raise NotImplementedError

    def close(self, actor: User, escalation_id: str, base_version: int | None = None) -> Escalation:
        raise NotImplementedError

    def build_pack(self, actor: User, escalation_id: str) -> Path:
        """(Re)build the evidence pack zip and return its path; the manifest hash is recorded."""
        raise NotImplementedError

    def pack_bytes(self, actor: User, escalation_id: str) -> bytes:
        """The latest pack's bytes for download (audited)."""
        raise NotImplementedError
