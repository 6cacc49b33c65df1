"""Files that hold what the public must not read: evidence packs, attachments, databases, reports. The
entry points (the CLI, the console, the worker through the CLI) set a umask of 077, and the places that
write such files give the mode explicitly as well (a library caller or a test does not go through an entry
point): files 0600, folders 0700, so only the service account reads them."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def restrict_umask() -> None:
    """Every file and folder this process creates from now on is its owner's only."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only; ``path`` itself is made 0700 if it exists."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)
    return path


def open_private(path: Path, mode: str = "wb"):
    """``path`` opened for writing (truncated), created 0600 (an existing file is made 0600 too)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)
    return os.fdopen(descriptor, mode)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, then a rename), mode 0600."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    with open_private(temporary) as handle:
        handle.write(data)
    os.replace(temporary, path)


def create_private(path: Path) -> None:
    """Create an empty ``path`` with mode 0600 unless it exists (SQLite then keeps the file's mode, and
    gives its -wal and -shm files the same)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
