"""Locks shared by every process of a deployment: an ``fcntl`` lock on a file beside a SQLite database, or a
PostgreSQL advisory lock. Both die with their holder (the kernel closes the file; the server ends the
session of a closed connection), so a killed process never blocks the next one."""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from core.errors import StorageUnavailable


def holder_info() -> dict:
    """This process as a lock holder: pid, host, since (UTC, ISO)."""
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def describe_holder(info: dict | None) -> str:
    if not info or info.get("pid") is None:
        return "holder unknown"
    return f"pid {info.get('pid')} on host {info.get('host') or '?'}, since {info.get('since') or '?'}"


class FileLock:
    """An exclusive ``flock`` on ``path``. Each acquisition opens the file anew, so two threads of one process
    exclude each other just as two processes do."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._handle: IO[str] | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """Take the lock (waiting for it when ``blocking``); False when not blocking and someone holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("a+")
        except OSError as error:
            raise StorageUnavailable(f"cannot open the lock file {self.path}: {error.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def write_holder(self, info: dict) -> None:
        """Write who holds the lock into the file, for a refused process to name."""
        assert self._handle is not None
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps(info))
        self._handle.flush()

    def read_holder(self) -> dict | None:
        try:
            return json.loads(self.path.read_text() or "null")
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


_APPLICATION_NAME = re.compile(r"^yuqing-worker pid=(\d+) host=(.*)$")


class AdvisorySessionLock:
    """A session-level ``pg_try_advisory_lock`` held on a dedicated connection until ``release`` (or until the
    holder's connection ends). The holder announces itself in ``application_name``, so a refused process can
    name it from ``pg_stat_activity``."""

    def __init__(self, engine: Engine, key: int, where: str):
        self.engine, self.key, self.where = engine, key, where
        self._conn: Connection | None = None

    def acquire(self) -> dict | None:
        """Take the lock; None when taken, else the holder's description (pid, host, since)."""
        info = holder_info()
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SELECT set_config('application_name', :name, false)"),
                         {"name": f"yuqing-worker pid={info['pid']} host={info['host']}"[:63]})
            if conn.execute(select(func.pg_try_advisory_lock(self.key))).scalar():
                self._conn = conn
                return None
            holder = self._holder(conn)
            _discard(conn)
            return holder
        except SQLAlchemyError as error:
            raise StorageUnavailable(f"state database {self.where}: cannot take the worker lock: "
                                     f"{getattr(error, 'orig', None) or error}") from error

    def _holder(self, conn: Connection) -> dict:
        row = conn.execute(text(
            "SELECT a.application_name, a.backend_start, a.client_addr FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"high": (self.key >> 32) & 0xFFFFFFFF, "low": self.key & 0xFFFFFFFF}).first()
        if row is None:
            return {}
        match = _APPLICATION_NAME.match(row[0] or "")
        since = row[1].astimezone(timezone.utc).isoformat(timespec="seconds") if row[1] else None
        if match is None:
            return {"pid": f"? (PostgreSQL session from {row[2] or 'a local socket'})", "host": "", "since": since}
        return {"pid": int(match.group(1)), "host": match.group(2), "since": since}

    def release(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.execute(select(func.pg_advisory_unlock(self.key)))
        except SQLAlchemyError:
            pass                     # a broken connection has lost the lock already
        finally:
            _discard(conn)


def _discard(conn: Connection) -> None:
    """Close the connection for good instead of returning it to the pool with our application_name."""
    conn.invalidate()
    conn.close()
