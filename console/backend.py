"""The console's composition root: open the post store, the event store, the workflow services and the
county profile that the settings name. Only ``console/data.py`` calls ``open_backend`` (once per settings,
cached); pages reach the backend through ``data``."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.clock import Clock, clock_from_settings
from core.event import EventStore
from core.profile import DEFAULT_PROFILE, Profile, load_profile
from core.settings import Settings
from core.storage import PostStore
from core.workflow import Workflow

log = logging.getLogger(__name__)


@dataclass
class Backend:
    """Everything the pages read from or act through, for one set of settings."""

    settings: Settings
    clock: Clock
    posts: PostStore
    events: EventStore | None
    workflow: Workflow
    profile_path: Path
    extras: dict[str, Callable[[], Any]] = field(default_factory=dict)   # optional readers (health, heartbeat)

    def profile(self) -> Profile:
        """The county profile as it is on disk now (re-read, so an edit shows at once)."""
        return load_profile(self.profile_path)

    def close(self) -> None:
        self.workflow.close()          # closes the post store it was given too (see open_backend)


def profile_path(settings: Settings) -> Path:
    """The configured profile file: absolute, relative to the working folder, or to the ``core`` package
    (where the shipped ``profiles/qu_county.toml`` lives)."""
    configured = Path(str(settings.profile or "")) if settings.profile else DEFAULT_PROFILE
    if configured.is_absolute() or configured.exists():
        return configured
    return DEFAULT_PROFILE.parent.parent / configured


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A reader another area provides (the worker status), or None while that
    area has not shipped it; the console then says the figure is unavailable instead of failing."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        log.info("console: %s.%s is not available", module, name)
        return None


def open_backend(settings: Settings) -> Backend:
    """Open every backend the settings name. Errors are ``core.errors`` exceptions naming what to fix."""
    from infra.storage import open_event_store, open_post_store
    from infra.workflow_db import open_workflow

    clock = clock_from_settings(settings)
    posts = open_post_store(settings)
    events = open_event_store(settings)
    workflow = open_workflow(settings, clock, post_store=posts, event_store=events)
    workflow.on_close.append(posts.close)
    if hasattr(events, "close"):
        workflow.on_close.append(events.close)
    extras: dict[str, Callable[[], Any]] = {}
    worker = _optional("infra.worker.status", "read_worker_status")
    if worker:
        extras["worker"] = lambda: worker(settings)
    return Backend(settings=settings, clock=clock, posts=posts, events=events, workflow=workflow,
                   profile_path=profile_path(settings), extras=extras)
