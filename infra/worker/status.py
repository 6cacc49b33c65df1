"""What the worker is doing, for `yuqing worker-status`, `yuqing status` and the console's dashboard.

A small SQLite file ``<data_dir>/worker.db``: the heartbeat (pid, host, state, last beat), each job's last
run (start, duration, outcome, message, run and failure counts, next run) and each source's health as the
worker saw it (a crawl that crashed or ran past its time limit marks its source unhealthy).
"""

from __future__ import annotations

import os
import socket
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping

from infra.storage.sqlite_file import open_sqlite_file

OUTCOME_NAMES = {"ok": "成功", "error": "出错", "timeout": "超时被终止", "interrupted": "停止时移交",
                 "running": "运行中"}
STATE_NAMES = {"running": "运行中", "stopping": "正在停止", "stopped": "已停止", "never": "从未启动",
               "lost": "失联（心跳超时）"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, host TEXT, state TEXT, started_at TEXT,
    beat_at TEXT, interval_s REAL, drill_time TEXT);
CREATE TABLE IF NOT EXISTS job_runs (
    job_id TEXT PRIMARY KEY, last_start TEXT, last_end TEXT, duration_s REAL, outcome TEXT,
    message TEXT NOT NULL DEFAULT '', runs INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    next_run TEXT);
CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY, healthy INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class JobRun:
    job_id: str
    last_start: datetime | None
    last_end: datetime | None
    duration_s: float | None
    outcome: str | None
    message: str
    runs: int
    failures: int
    next_run: datetime | None

    @property
    def outcome_name(self) -> str:
        return OUTCOME_NAMES.get(self.outcome or "", self.outcome or "")


@dataclass(frozen=True)
class SourceHealth:
    source: str
    healthy: bool
    reason: str
    at: datetime


@dataclass(frozen=True)
class WorkerStatus:
    """``state`` is running / stopping / stopped / never / lost (running but no heartbeat for 3 intervals)."""

    state: str
    pid: int | None = None
    host: str = ""
    started_at: datetime | None = None
    beat_at: datetime | None = None
    drill_time: datetime | None = None
    jobs: list[JobRun] = field(default_factory=list)
    sources: list[SourceHealth] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.state == "running"

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)


def status_path(settings: Mapping) -> Path:
    return Path(settings["data_dir"]) / "worker.db"


class StatusBook:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = open_sqlite_file(self.path, _SCHEMA, "worker status file")

    def beat(self, state: str, interval_s: float, drill_time: datetime | None = None,
             started_at: datetime | None = None) -> None:
        now = _now()
        self._db.execute(
            "INSERT INTO heartbeat (id, pid, host, state, started_at, beat_at, interval_s, drill_time) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, host = excluded.host, "
            "state = excluded.state, started_at = COALESCE(excluded.started_at, heartbeat.started_at), "
            "beat_at = excluded.beat_at, interval_s = excluded.interval_s, drill_time = excluded.drill_time",
            (os.getpid(), socket.gethostname(), state, _iso(started_at), _iso(now), interval_s, _iso(drill_time)))

    def job_started(self, job_id: str) -> datetime:
        now = _now()
        self._db.execute("INSERT INTO job_runs (job_id, last_start, outcome) VALUES (?, ?, 'running') "
                         "ON CONFLICT(job_id) DO UPDATE SET last_start = excluded.last_start, outcome = 'running'",
                         (job_id, _iso(now)))
        return now

    def job_finished(self, job_id: str, started: datetime, outcome: str, message: str = "",
                     next_run: datetime | None = None) -> None:
        now = _now()
        failed = 0 if outcome in ("ok", "interrupted") else 1
        self._db.execute(
            "UPDATE job_runs SET last_end = ?, duration_s = ?, outcome = ?, message = ?, runs = runs + 1, "
            "failures = failures + ?, next_run = COALESCE(?, next_run) WHERE job_id = ?",
            (_iso(now), (now - started).total_seconds(), outcome, message[:1000], failed, _iso(next_run), job_id))

    def recover_stale(self) -> int:
        """At start: runs left 'running' by a worker that died are recorded as interrupted."""
        return self._db.execute("UPDATE job_runs SET outcome = 'interrupted', message = "
                                "'the previous worker stopped during this run; it runs again on schedule' "
                                "WHERE outcome = 'running'").rowcount

    def set_next_runs(self, next_runs: Mapping[str, datetime | None]) -> None:
        self._db.executemany("INSERT INTO job_runs (job_id, next_run) VALUES (?, ?) ON CONFLICT(job_id) "
                             "DO UPDATE SET next_run = excluded.next_run",
                             [(job_id, _iso(at)) for job_id, at in next_runs.items()])

    def forget_jobs(self, keep: set[str]) -> None:
        """Drop the records of jobs that no longer exist (a source removed from the profile)."""
        for (job_id,) in self._db.execute("SELECT job_id FROM job_runs").fetchall():
            if job_id not in keep:
                self._db.execute("DELETE FROM job_runs WHERE job_id = ?", (job_id,))

    def set_source_health(self, source: str, healthy: bool, reason: str) -> None:
        self._db.execute("INSERT INTO source_health VALUES (?, ?, ?, ?) ON CONFLICT(source) DO UPDATE SET "
                         "healthy = excluded.healthy, reason = excluded.reason, at = excluded.at",
                         (source, int(healthy), reason[:1000], _iso(_now())))

    def read(self, now: datetime | None = None) -> WorkerStatus:
        row = self._db.execute("SELECT pid, host, state, started_at, beat_at, interval_s, drill_time "
                               "FROM heartbeat WHERE id = 1").fetchone()
        jobs = [JobRun(r[0], _time(r[1]), _time(r[2]), r[3], r[4], r[5], r[6], r[7], _time(r[8])) for r in
                self._db.execute("SELECT * FROM job_runs ORDER BY job_id").fetchall()]
        sources = [SourceHealth(r[0], bool(r[1]), r[2], _time(r[3])) for r in
                   self._db.execute("SELECT * FROM source_health ORDER BY source").fetchall()]
        if row is None:
            return WorkerStatus("never", jobs=jobs, sources=sources)
        pid, host, state, started, beat, interval, drill = row
        beat_at = _time(beat)
        if state in ("running", "stopping") and beat_at and (now or _now()) - beat_at > timedelta(
                seconds=3 * (interval or 10)):
            state = "lost"
        return WorkerStatus(state, pid, host, _time(started), beat_at, _time(drill), jobs, sources)

    def close(self) -> None:
        self._db.close()


def read_worker_status(settings: Mapping) -> WorkerStatus:
    """For the console and the CLI: the worker's heartbeat, jobs and source health ("never" when it never ran)."""
    path = status_path(settings)
    if not path.exists():
        return WorkerStatus("never")
    with closing(StatusBook(path)) as book:
        return book.read()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
