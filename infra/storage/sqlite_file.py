"""Opening yuqing's small SQLite side files (crawl health, events, notification ledger, worker status)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Callable, TypeVar

from core.errors import StorageUnavailable


T = TypeVar("T")


def retry_when_locked(action: Callable[[], T], seconds: float = 30.0) -> T:
    """Run ``action``, again while SQLite answers "database is locked" at once. SQLite skips its busy
    timeout when waiting could deadlock (two processes switching a new file to WAL or writing its schema
    together); retrying after a short pause is how such a start-up race is meant to be resolved."""
    deadline = time.monotonic() + seconds
    pause = 0.01
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def open_sqlite_file(path: Path, schema: str, what: str, autocommit: bool = True) -> sqlite3.Connection:
    """A connection to ``path`` (its folder created) in WAL mode with ``schema`` applied, shareable across
    threads (callers hold their own lock). Any failure becomes StorageUnavailable naming ``what`` and the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        options = {"isolation_level": None} if autocommit else {}
        connection = sqlite3.connect(str(path), timeout=30, check_same_thread=False, **options)
        retry_when_locked(lambda: connection.execute("PRAGMA journal_mode=WAL"))
        retry_when_locked(lambda: connection.executescript(schema))
        return connection
    except (OSError, sqlite3.Error) as error:
        raise StorageUnavailable(f"cannot open the {what} {path}: {error}") from None
