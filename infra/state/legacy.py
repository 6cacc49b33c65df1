"""An installation from before the state database keeps its data: on first open its SQLite side files under
the data folder move into the state database.

- ``workflow.db`` becomes ``state.db`` (checkpointed, then renamed) when the state database is that folder's
  default ``state.db`` and does not exist yet: revision 0001 is recognised and migrated on.
- Every other old file present (and ``workflow.db`` when the state database is elsewhere, e.g. PostgreSQL)
  is imported in one transaction per file, then renamed ``<name>.imported``. Rows already present are left
  alone, so an import interrupted before the rename repeats safely. The worker's stale heartbeat is not
  imported; its job runs and source health are.
- A file that cannot be read stops the open with ConfigurationError naming it, and is left untouched.

Processes opening the database together take turns through an ``fcntl`` lock in the data folder.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import JSON, Boolean, DateTime, LargeBinary, Table
from sqlalchemy.engine import Connection

from core.crawl_health import CrawlRun
from core.errors import ConfigurationError
from core.event import Event
from infra.state import tables
from infra.state.codec import from_document, to_row, to_utc
from infra.state.engine import Database, insert_new
from infra.state.events import event_row
from infra.state.locks import FileLock

log = logging.getLogger(__name__)

WORKFLOW_FILE = "workflow.db"
_CHUNK = 5000
_WORKFLOW_TABLES = [tables.users, tables.sessions, tables.alerts, tables.clocks, tables.releases,
                    tables.release_versions, tables.publications, tables.escalations, tables.audit_log,
                    tables.audit_head]
# Old file -> (old table, new table) copied column by column (the names did not change).
_COPIES: dict[str, list[tuple[str, Table]]] = {
    WORKFLOW_FILE: [(table.name, table) for table in _WORKFLOW_TABLES],
    "crawl_state.db": [("minhash", tables.crawl_minhash), ("minhash_band", tables.crawl_minhash_bands),
                       ("watermark", tables.crawl_watermarks), ("seen", tables.crawl_seen),
                       ("alias", tables.crawl_aliases)],
    "notify.db": [("triggers", tables.notify_triggers), ("deliveries", tables.notify_deliveries)],
    "worker.db": [("job_runs", tables.worker_jobs), ("source_health", tables.worker_sources)],
    "jobs.db": [("apscheduler_jobs", tables.apscheduler_jobs)],
}
# Old file -> (old table, its JSON column, the record kept in it, record -> row, new table).
_DOCUMENTS: dict[str, tuple[str, str, type, Callable[[Any], dict], Table]] = {
    "events.db": ("events", "doc", Event, event_row, tables.events),
    "crawl_health.db": ("crawl_run", "body", CrawlRun, to_row, tables.crawl_runs),
}
LEGACY_FILES = tuple(_COPIES) + tuple(_DOCUMENTS)


def present(legacy_dir: Path) -> list[Path]:
    """The old files in the data folder that still wait to be imported."""
    return [legacy_dir / name for name in LEGACY_FILES if (legacy_dir / name).is_file()]


@contextmanager
def import_turn(legacy_dir: Path) -> Iterator[None]:
    """One process at a time adopts and imports a folder's old files."""
    lock = FileLock(legacy_dir / ".state-import.lock")
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def adopt_workflow_file(target: Path | None, legacy_dir: Path) -> bool:
    """Rename ``workflow.db`` (with its WAL checkpointed) to the state database file, when the target is the
    folder's default ``state.db`` and does not exist yet; True when renamed."""
    old = legacy_dir / WORKFLOW_FILE
    if target is None or target.exists() or not old.is_file():
        return False
    if target.resolve() != (legacy_dir / "state.db").resolve():
        return False
    try:
        with closing(sqlite3.connect(old)) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.Error as error:
        raise ConfigurationError(f"cannot read the old workflow database {old}: {error}; move it away or "
                                 "restore it from a backup") from None
    for suffix in ("-wal", "-shm"):                     # normally gone after the checkpoint
        if Path(f"{old}{suffix}").exists():
            Path(f"{old}{suffix}").rename(f"{target}{suffix}")
    old.rename(target)
    log.info("state database: %s became %s (the workflow's tables are kept; other files follow)", old, target)
    return True


def import_files(db: Database, legacy_dir: Path) -> None:
    """Import every old file present (see the module doc)."""
    for path in present(legacy_dir):
        rows = _import_file(db, path)
        _retire(path)
        log.info("state database: imported %s (%d rows) and renamed it %s.imported", path, rows, path.name)


def _import_file(db: Database, path: Path) -> int:
    try:
        with closing(sqlite3.connect(path)) as old:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            existing = {name for (name,) in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            with db.write() as conn:
                if path.name in _DOCUMENTS:
                    return _import_documents(old, conn, existing, *_DOCUMENTS[path.name])
                return sum(_copy_table(old, conn, name, table) for name, table in _COPIES[path.name]
                           if name in existing)
    except sqlite3.Error as error:
        raise ConfigurationError(f"cannot import the old state file {path}: {error}; it was left as it is: "
                                 "repair it or move it out of the data folder, then start again") from None


def _import_documents(old: sqlite3.Connection, conn: Connection, existing: set[str], name: str, column: str,
                      kind: type, row_of: Callable[[Any], dict], table: Table) -> int:
    if name not in existing:
        return 0
    cursor = old.execute(f'SELECT "{column}" FROM "{name}"')
    count = 0
    while batch := cursor.fetchmany(_CHUNK):
        insert_new(conn, table, [row_of(from_document(kind, json.loads(document))) for (document,) in batch])
        count += len(batch)
    return count


def _copy_table(old: sqlite3.Connection, conn: Connection, name: str, table: Table) -> int:
    old_columns = {row[1] for row in old.execute(f'PRAGMA table_info("{name}")')}
    columns = [c for c in table.columns if c.name in old_columns]
    cursor = old.execute(f'SELECT {", ".join(chr(34) + c.name + chr(34) for c in columns)} FROM "{name}"')
    count = 0
    while batch := cursor.fetchmany(_CHUNK):
        insert_new(conn, table, [{c.name: _value(c.type, v) for c, v in zip(columns, row)} for row in batch])
        count += len(batch)
    return count


def _value(kind: Any, value: Any) -> Any:
    """An old SQLite value as the new column's type wants it (ISO or SQLAlchemy time text, JSON text, 0/1)."""
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return to_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
    if isinstance(kind, JSON) and isinstance(value, (str, bytes)):
        return json.loads(value)
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, LargeBinary):
        return bytes(value)
    return value


def _retire(path: Path) -> None:
    """Rename the file (and any -wal/-shm beside it, so they still pair up) to ``<name>.imported``."""
    for suffix in ("-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            Path(f"{path}{suffix}").rename(f"{path}.imported{suffix}")
    path.rename(f"{path}.imported")
