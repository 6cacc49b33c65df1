"""The worker's records in the state database: ``core.worker_status.WorkerStatusBook`` (heartbeat, job runs,
source health as the worker saw it) and the one-worker-per-deployment lock."""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping

from sqlalchemy import delete, func, select, update

from core.errors import YuqingError
from core.worker_status import JobRun, SourceState, WorkerStatus
from infra.state.codec import from_row, to_row, to_utc
from infra.state.engine import Database, insert_for, upsert
from infra.state.locks import AdvisorySessionLock, FileLock, describe_holder, holder_info
from infra.state.tables import worker_heartbeat, worker_jobs, worker_sources

STALE_RUN = "the previous worker stopped during this run; it runs again on schedule"
_LOST_AFTER_BEATS = 3


class WorkerAlreadyRunning(YuqingError):
    """Another worker holds the deployment's lock; the message names its pid, host and start time."""


class SqlWorkerStatusBook:
    """Promises of ``core.worker_status.WorkerStatusBook``; times are the wall clock's (UTC)."""

    def __init__(self, db: Database):
        self.db = db

    def beat(self, state: str, interval_s: float, drill_time: datetime | None = None,
             started_at: datetime | None = None) -> None:
        """Replace the heartbeat row with this process's pid and host, the time now; a beat without
        ``started_at`` keeps the one recorded before."""
        row = dict(id=1, pid=os.getpid(), host=socket.gethostname(), state=state, started_at=to_utc(started_at),
                   beat_at=_now(), interval_s=interval_s, drill_time=to_utc(drill_time))
        table = worker_heartbeat
        with self.db.write() as conn:
            statement = insert_for(conn, table)
            conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_={
                **{c: statement.excluded[c] for c in row if c not in ("id", "started_at")},
                "started_at": func.coalesce(statement.excluded.started_at, table.c.started_at)}), row)

    def job_started(self, job_id: str) -> datetime:
        now = _now()
        table = worker_jobs
        with self.db.write() as conn:
            statement = insert_for(conn, table)
            conn.execute(statement.on_conflict_do_update(
                index_elements=["job_id"], set_={"last_start": statement.excluded.last_start, "outcome": "running"}),
                _new_job(job_id, last_start=now, outcome="running"))
        return now

    def job_finished(self, job_id: str, started: datetime, outcome: str, message: str = "",
                     next_run: datetime | None = None) -> None:
        """Count one run (a failure unless ``ok`` or ``interrupted``); ``next_run`` None keeps the known one."""
        now = _now()
        table = worker_jobs
        failed = 0 if outcome in ("ok", "interrupted") else 1
        with self.db.write() as conn:
            conn.execute(update(table).where(table.c.job_id == job_id).values(
                last_end=now, duration_s=(now - to_utc(started)).total_seconds(), outcome=outcome,
                message=message[:1000], runs=table.c.runs + 1, failures=table.c.failures + failed,
                next_run=func.coalesce(to_utc(next_run), table.c.next_run)))

    def recover_stale(self) -> int:
        table = worker_jobs
        with self.db.write() as conn:
            return conn.execute(update(table).where(table.c.outcome == "running")
                                .values(outcome="interrupted", message=STALE_RUN)).rowcount

    def set_next_runs(self, next_runs: Mapping[str, datetime | None]) -> None:
        rows = [_new_job(job_id, next_run=to_utc(at)) for job_id, at in next_runs.items()]
        with self.db.write() as conn:
            upsert(conn, worker_jobs, rows, ["job_id"], update=["next_run"])

    def forget_jobs(self, keep: set[str]) -> None:
        with self.db.write() as conn:
            conn.execute(delete(worker_jobs).where(worker_jobs.c.job_id.not_in(sorted(keep))))

    def set_source_health(self, source: str, healthy: bool, reason: str) -> None:
        row = to_row(SourceState(source=source, healthy=healthy, reason=reason[:1000], at=_now()))
        with self.db.write() as conn:
            upsert(conn, worker_sources, [row], ["source"])

    def read(self, now: datetime | None = None) -> WorkerStatus:
        """The status; ``never`` when no worker ever beat; a running or stopping worker whose last beat is
        older than three intervals (10 s when unknown) is ``lost``."""
        with self.db.read() as conn:
            beat = conn.execute(select(worker_heartbeat).where(worker_heartbeat.c.id == 1)).mappings().first()
            jobs = [from_row(JobRun, r) for r in conn.execute(select(worker_jobs).order_by(worker_jobs.c.job_id)).mappings()]
            sources = [from_row(SourceState, r) for r in
                       conn.execute(select(worker_sources).order_by(worker_sources.c.source)).mappings()]
        if beat is None:
            return WorkerStatus("never", jobs=jobs, sources=sources)
        status = replace(from_row(WorkerStatus, beat), jobs=jobs, sources=sources)
        silent_for = (to_utc(now) or _now()) - status.beat_at if status.beat_at else timedelta(0)
        if status.state in ("running", "stopping") and silent_for > timedelta(
                seconds=_LOST_AFTER_BEATS * (beat["interval_s"] or 10)):
            status = replace(status, state="lost")
        return status

    def close(self) -> None:
        """Nothing to release (the engine is the state database's)."""


def _new_job(job_id: str, **values) -> dict:
    return {"job_id": job_id, "last_start": None, "last_end": None, "duration_s": None, "outcome": None,
            "message": "", "runs": 0, "failures": 0, "next_run": None, **values}


def _now() -> datetime:
    return datetime.now(timezone.utc)


class WorkerLock:
    """One worker per deployment. ``acquire`` takes the lock or raises WorkerAlreadyRunning naming the holder
    (pid, host, since); the lock dies with its holder, even on SIGKILL. PostgreSQL: a session-level advisory
    lock on a dedicated connection (so workers on two hosts sharing the database exclude each other); SQLite:
    an ``fcntl`` lock on a file beside the database file."""

    def __init__(self, db: Database, *, lock_file: Path | None, lock_key: int):
        self.db = db
        self._file = FileLock(lock_file) if lock_file is not None else None
        self._advisory = None if lock_file is not None else AdvisorySessionLock(db.engine, lock_key, db.where)
        self.held = False

    def acquire(self) -> None:
        if self.held:
            return
        if self._file is not None:
            if not self._file.acquire(blocking=False):
                self._refuse(describe_holder(self._file.read_holder()), f"lock {self._file.path}")
            self._file.write_holder(holder_info())
        else:
            holder = self._advisory.acquire()
            if holder is not None:
                self._refuse(describe_holder(holder), f"PostgreSQL advisory lock in {self.db.where}")
        self.held = True

    def _refuse(self, holder: str, where: str) -> None:
        raise WorkerAlreadyRunning(
            f"another worker is already running for this deployment ({holder}; {where}); stop it first "
            "(systemctl stop / kill -TERM its pid) — only one worker may run per deployment")

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if self._file is not None:
            self._file.write_holder({})
            self._file.release()
        else:
            self._advisory.release()

    def __enter__(self) -> "WorkerLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
