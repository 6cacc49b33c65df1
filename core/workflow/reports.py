"""Daily, weekly and special (one event) reports, as Markdown and DOCX with PNG charts (matplotlib),
from the post store, the events and the workflow records."""

from __future__ import annotations

from datetime import date

from core.clock import Clock
from core.event import EventStore
from core.storage import PostStore
from core.workflow.access import Guard
from core.workflow.model import Report, User
from core.workflow.repository import WorkflowRepository
from core.workflow.templates import TemplateLibrary


class ReportService:
    def __init__(self, repo: WorkflowRepository, guard: Guard, clock: Clock, templates: TemplateLibrary,
                 post_store: PostStore | None, event_store: EventStore | None, county: str = "渠县"):
        self.repo, self.guard, self.clock, self.templates = repo, guard, clock, templates
        self.post_store, self.event_store = post_store, event_store
        self.county = county

    def daily(self, actor: User, day: date | None = None) -> Report:
        """舆情日报 for one day (China time; default: today)."""
        raise NotImplementedError

    def weekly(self, actor: User, ending: date | None = None) -> Report:
        """舆情周报 for the seven days ending on ``ending`` (China time; default: today)."""
        raise NotImplementedError

    def special(self, actor: User, event_id: str) -> Report:
        """舆情专报 on one event: timeline, spread, clocks, releases, escalations."""
        raise NotImplementedError
