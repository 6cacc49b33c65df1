"""The state database: everything yuqing keeps except posts, in one SQLAlchemy database with one Alembic
history — the workflow's records, events, crawl state and health, the notifications ledger, the worker's
status and lock, and APScheduler's job table. A SQLite file by default (``<data_dir>/state.db``), PostgreSQL
in production (optionally in a schema of its own, as drills use).

``open_state_database(url)`` opens it (migrated to the newest schema, an older installation's files
imported) and hands out the stores, all over one engine.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.errors import StorageUnavailable
from core.files import create_private
from infra.state import legacy, migrate
from infra.state.crawl_health import SqlCrawlHealthStore
from infra.state.crawl_state import SqlCrawlStateStore
from infra.state.engine import Database, check_schema, describe, make_engine, sqlite_path, supported_url
from infra.state.events import SqlEventStore
from infra.state.notifications import SqlDeliveryLedger
from infra.state.tables import metadata
from infra.state.worker import SqlWorkerStatusBook, WorkerAlreadyRunning, WorkerLock
from infra.state.workflow import SqlWorkflowRepository

JOB_TABLE = "apscheduler_jobs"

__all__ = ["StateDatabase", "open_state_database", "WorkerAlreadyRunning", "WorkerLock"]


class StateDatabase:
    """One opened state database: the stores below share its engine. ``close`` releases the engine;
    the stores' own ``close`` methods release nothing."""

    def __init__(self, url: str, engine: Engine, schema: str | None = None):
        self.url = url
        self.engine = engine
        self.schema = schema
        self.file = sqlite_path(url)                           # None on PostgreSQL
        self.db = Database(engine, self.describe())
        self.events = SqlEventStore(self.db)
        self.crawl_health = SqlCrawlHealthStore(self.db)
        self.crawl_state = SqlCrawlStateStore(self.db, lock_file=self._beside(".crawl-lock"),
                                              lock_key=migrate.advisory_key(schema, "crawl"))
        self.notifications = SqlDeliveryLedger(self.db)
        self.worker_status = SqlWorkerStatusBook(self.db)
        self._workflow = SqlWorkflowRepository(self.db)
        self._locks: list[WorkerLock] = []

    def describe(self) -> str:
        """The URL without its password (and the schema, if any), for messages."""
        return describe(self.url) + (f" (schema {self.schema})" if self.schema else "")

    def _beside(self, suffix: str) -> Path | None:
        return Path(f"{self.file}{suffix}") if self.file is not None else None

    def workflow_repository(self) -> SqlWorkflowRepository:
        """The ``core.workflow.repository.WorkflowRepository`` over this database."""
        return self._workflow

    def job_store(self):
        """APScheduler's job store on this database's engine (its table is created by our migrations)."""
        # Imported here: only the worker schedules jobs, and every other process would pay for the import.
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        return SQLAlchemyJobStore(engine=self.engine, tablename=JOB_TABLE)

    def worker_lock(self) -> WorkerLock:
        """The one-worker-per-deployment lock (``acquire``/``release`` or ``with``; released by ``close`` at the
        latest); see ``WorkerLock``."""
        lock = WorkerLock(self.db, lock_file=self._beside(".worker-lock"),
                          lock_key=migrate.advisory_key(self.schema, "worker"))
        self._locks.append(lock)
        return lock

    def drop(self) -> None:
        """Remove everything this database holds (a drill's database after the drill): the SQLite file with
        its -wal, -shm and lock files; the PostgreSQL schema; or, without a schema, our tables. The object
        is closed afterwards."""
        try:
            if self.file is not None:
                self.engine.dispose()
                for suffix in ("", "-wal", "-shm", ".crawl-lock", ".worker-lock"):
                    Path(f"{self.file}{suffix}").unlink(missing_ok=True)
            elif self.schema is not None:
                with self.engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            else:
                with self.engine.begin() as conn:
                    metadata.drop_all(conn)
                    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        except SQLAlchemyError as error:
            raise StorageUnavailable(f"state database {self.describe()}: cannot drop it: "
                                     f"{getattr(error, 'orig', None) or error}") from error
        finally:
            self.close()

    def close(self) -> None:
        """Release the worker locks handed out and the engine's connections."""
        for lock in self._locks:
            lock.release()
        self._locks.clear()
        self.engine.dispose()


def open_state_database(url: str, *, schema: str | None = None, legacy_dir: Path | None = None) -> StateDatabase:
    """Open the state database at ``url``: the SQLite folder is created if needed, the schema migrated to
    the newest revision (VersionMismatch when the database is newer than this code; StorageUnavailable naming
    the URL without its password when it cannot be reached), and, with ``legacy_dir`` (the data folder), an
    older installation's files there adopted or imported (see ``infra.state.legacy``). ``schema`` (PostgreSQL
    only) keeps every table in that schema, created if missing. ``postgresql://`` means psycopg 3; an
    unsupported driver or database is a ConfigurationError (``engine.supported_url``)."""
    url = supported_url(url).render_as_string(hide_password=False)
    check_schema(url, schema)
    file = sqlite_path(url)
    where = describe(url) + (f" (schema {schema})" if schema else "")
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"state database {file}: cannot create its folder ({error.strerror}); set "
                                     "state_db_url or data_dir to a writable place") from None
    old_files = legacy.present(Path(legacy_dir)) if legacy_dir is not None else []
    with legacy.import_turn(Path(legacy_dir)) if old_files else nullcontext():
        if old_files:
            legacy.adopt_workflow_file(file, Path(legacy_dir))
        if file is not None:
            create_private(file)               # a new database is the service account's only (0600)
        engine = make_engine(url, schema)
        try:
            migrate.upgrade(engine, where, schema)
            state = StateDatabase(url, engine, schema)
            if old_files:
                legacy.import_files(state.db, Path(legacy_dir))
        except BaseException:
            engine.dispose()
            raise
    return state
