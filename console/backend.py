"""The console's composition root, beside ``app.py``: the runtime that the settings describe, opened once per
distinct settings and shared by every browser session of the process. Only ``console/data.py`` calls
``open_backend`` (cached); pages reach the runtime through ``data``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.clock import Clock
from core.crawl_health import SourceHealth, judge_all
from core.event import EventStore
from core.notifications import Delivery
from core.profile import Profile, load_profile
from core.settings import Settings
from core.storage import PostStore
from core.workflow import Workflow
from core.worker_status import WorkerStatus
from infra.runtime import Runtime, open_runtime


@dataclass
class Backend:
    """What the pages read from or act through, for one set of settings: the process's runtime, seen from
    the console (the profile is re-read from disk, so an administrator's edit shows at once)."""

    runtime: Runtime

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def posts(self) -> PostStore:
        return self.runtime.posts

    @property
    def events(self) -> EventStore:
        return self.runtime.events

    @property
    def workflow(self) -> Workflow:
        return self.runtime.workflow

    @property
    def profile_path(self) -> Path:
        return self.runtime.settings.profile_file

    def profile(self) -> Profile:
        """The county profile as it is on disk now."""
        return load_profile(self.profile_path)

    def worker_status(self) -> WorkerStatus:
        """The worker's heartbeat, jobs and sources, from the state database (wherever the worker runs)."""
        return self.runtime.state.worker_status.read()

    def deliveries(self, statuses: tuple[str, ...] = (), limit: int = 500) -> list[Delivery]:
        """The notifications sent or planned (what, to whom, on which channel, delivered or not), newest first."""
        return self.runtime.state.notifications.deliveries(statuses=statuses, limit=limit)

    def format_drift(self) -> list[SourceHealth]:
        """The sources whose latest crawl came back in a structure the crawler could not read (格式异常)."""
        runtime = self.runtime
        report = judge_all(runtime.state.crawl_health, [s.name for s in runtime.profile.sources if s.enabled],
                           runtime.clock.now(), float(runtime.settings.crawl_silent_after_s))
        return [health for health in report if health.verdict == "drift"]

    def close(self) -> None:
        self.runtime.close()


def open_backend(settings: Settings) -> Backend:
    """The backend for these settings. The state database is opened (and migrated) at once, so a broken
    database URL shows on the first page; errors are ``core.errors`` exceptions naming what to fix."""
    runtime = open_runtime(settings)
    try:
        runtime.workflow
    except Exception:
        runtime.close()
        raise
    return Backend(runtime)
