"""What every process opening a SQLite file must know (the post store and the state database use it)."""

from __future__ import annotations

import sqlite3
import time
from typing import Callable, TypeVar

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
