"""One worker per deployment: an ``fcntl`` lock on ``<data_dir>/worker.lock`` plus the holder's pid and host.

The kernel drops the lock when the holder dies (even by SIGKILL), so a crashed worker never blocks the next
one; the pid/host written inside only serve to tell a person which process holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from core.errors import YuqingError


class WorkerAlreadyRunning(YuqingError):
    """Another worker holds the deployment's lock; the message names its pid, host and start time."""


class WorkerLock:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._handle = None

    def acquire(self) -> None:
        """Take the lock or raise WorkerAlreadyRunning naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(self.path)
            handle.close()
            raise WorkerAlreadyRunning(
                f"another worker is already running for this deployment ({holder}; lock {self.path}); "
                "stop it first (systemctl stop / kill -TERM its pid) — only one worker may run per data folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}))
        handle.flush()
        os.fsync(handle.fileno())
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None

    def __enter__(self) -> "WorkerLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _describe(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "holder unknown"
    if not info:
        return "holder unknown"
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("started", 0)))
    return f"pid {info.get('pid')} on host {info.get('host')}, since {started}"
