"""Releases: drafted from a press template with the alert's verified facts, edited with optimistic
concurrency (versions), checked for minors' data, signed by the spokesperson, approved by the leader and
published through channels; every save is kept as a version and every publication recorded.

Flow: draft -> (save ...) -> check_minors -> checked -> sign (spokesperson) -> signed ->
approve (leader) -> approved -> publish -> published. Saving a new text returns the release to draft.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from core.clock import Clock
from core.workflow.access import Guard
from core.workflow.audit import AuditLog
from core.workflow.channels import Channel
from core.workflow.clocks import ClockService
from core.workflow.model import Publication, Release, ReleaseVersion, User
from core.workflow.repository import WorkflowRepository
from core.workflow.templates import TemplateLibrary


class ReleaseService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 templates: TemplateLibrary, clocks: ClockService, channels: Sequence[Channel] = (),
                 publisher: str = "渠县教育局", county: str = "渠县"):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.templates, self.clocks = templates, clocks
        self.channels = {c.name: c for c in channels}
        self.publisher, self.county = publisher, county

    def context_for(self, actor: User, alert_id: str, template: str,
                    fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The template context: the alert's figures and verified facts, then ``fields`` on top."""
        raise NotImplementedError

    def draft(self, actor: User, alert_id: str, template: str, fields: Mapping[str, Any] | None = None,
              *, follows: str | None = None, title: str | None = None) -> Release:
        """A new draft rendered from ``template``; InvalidInput listing every missing field. ``follows``
        links a follow-up to an earlier release (stored as the first release of the chain)."""
        raise NotImplementedError

    def get(self, actor: User, release_id: str) -> Release:
        raise NotImplementedError

    def list(self, actor: User, alert_id: str | None = None) -> list[Release]:
        """Releases (of one alert), newest first."""
        raise NotImplementedError

    def versions(self, actor: User, release_id: str) -> list[ReleaseVersion]:
        raise NotImplementedError

    def publications(self, actor: User, release_id: str | None = None) -> list[Publication]:
        raise NotImplementedError

    def save(self, actor: User, release_id: str, title: str, body: str, base_version: int) -> Release:
        """Save an edit made on ``base_version``. If someone saved since, Conflict: the stored text stays
        and the caller keeps theirs to merge. A new text returns the release to draft (sign-offs lapse)."""
        raise NotImplementedError

    def check_minors(self, actor: User, release_id: str, base_version: int | None = None) -> Release:
        """Mask minors' data in the current text; when something was masked the masked text is saved as a
        new version. The release becomes ``checked`` (its findings kept for the reviewer to see)."""
        raise NotImplementedError

    def sign(self, actor: User, release_id: str, base_version: int | None = None) -> Release:
        """The spokesperson's sign-off of a checked release; signing twice is a Conflict."""
        raise NotImplementedError

    def approve(self, actor: User, release_id: str, base_version: int | None = None) -> Release:
        """The leader's approval of a signed release; approving twice is a Conflict."""
        raise NotImplementedError

    def publish(self, actor: User, release_id: str, channels: Sequence[str] | None = None) -> list[Publication]:
        """Publish an approved release on these channels (all configured when None); record each
        publication (failed ones with their error); meet the alert's matching clocks."""
        raise NotImplementedError

    def channel_names(self) -> list[str]:
        return sorted(self.channels)
