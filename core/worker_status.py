"""What the worker is doing, as the console and ``yuqing status`` read it: its heartbeat, each job's last run
and each source's health as the worker saw it. The state database keeps it (``infra/state``), so a console on
another host reads the same status.

Book promises: ``beat`` replaces the single heartbeat row; ``job_started``/``job_finished`` update one job's
row; ``read`` turns a running worker whose heartbeat is older than three intervals into ``lost``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping, Protocol


@dataclass(frozen=True)
class JobRun:
    job_id: str
    last_start: datetime | None
    last_end: datetime | None
    duration_s: float | None
    outcome: str | None              # ok / error / timeout / interrupted / running (core.vocabulary.JOB_OUTCOMES)
    message: str
    runs: int
    failures: int
    next_run: datetime | None


@dataclass(frozen=True)
class SourceState:
    """A source as the worker last saw it: a crawl that crashed or ran past its limit marks it unhealthy."""

    source: str
    healthy: bool
    reason: str
    at: datetime


@dataclass(frozen=True)
class WorkerStatus:
    """``state`` is running / stopping / stopped / never / lost (core.vocabulary.WORKER_STATES)."""

    state: str
    pid: int | None = None
    host: str = ""
    started_at: datetime | None = None
    beat_at: datetime | None = None
    drill_time: datetime | None = None
    jobs: list[JobRun] = field(default_factory=list)
    sources: list[SourceState] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.state == "running"


class WorkerStatusBook(Protocol):
    def beat(self, state: str, interval_s: float, drill_time: datetime | None = None,
             started_at: datetime | None = None) -> None:
        """Record the heartbeat (this process's pid and host, the time now)."""
        ...

    def job_started(self, job_id: str) -> datetime:
        ...

    def job_finished(self, job_id: str, started: datetime, outcome: str, message: str = "",
                     next_run: datetime | None = None) -> None:
        ...

    def recover_stale(self) -> int:
        """At start: runs left 'running' by a worker that died are recorded as interrupted."""
        ...

    def set_next_runs(self, next_runs: Mapping[str, datetime | None]) -> None:
        ...

    def forget_jobs(self, keep: set[str]) -> None:
        """Drop the records of jobs that no longer exist (a source removed from the profile)."""
        ...

    def set_source_health(self, source: str, healthy: bool, reason: str) -> None:
        ...

    def read(self, now: datetime | None = None) -> WorkerStatus:
        """The status; ``never`` when no worker ever beat."""
        ...
