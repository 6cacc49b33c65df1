"""The state database's engine and units of work, shared by every store.

SQLite: one file in WAL mode with a busy timeout; a unit of work that writes starts with ``BEGIN IMMEDIATE``
(it takes the write lock at once, so concurrent writers queue instead of failing half-way); reads start a
plain ``BEGIN``. PostgreSQL: a pre-pinged pool; with a ``schema`` every connection's ``search_path`` is that
schema, so our tables, Alembic's version table and APScheduler's table all live there.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from core.errors import ConfigurationError, Conflict, StorageUnavailable
from core.secrets import mask_url
from infra.storage.sqlite_file import retry_when_locked

SQLITE_BUSY_TIMEOUT_S = 30
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


# The database drivers yuqing ships with: the embedded SQLite and psycopg 3 for PostgreSQL.
SUPPORTED = {"sqlite": ("", "pysqlite"), "postgresql": ("psycopg",)}


def supported_url(url: str | URL) -> URL:
    """The state database URL as SQLAlchemy should open it: ``postgresql://`` and ``postgres://`` (no
    driver named) use psycopg 3; a driver yuqing does not ship, another database or a malformed URL is a
    ConfigurationError that says what to write instead (never a traceback about a missing module)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        raise ConfigurationError(f"setting 'state_db_url' {mask_url(str(url))!r} is not a database URL; write "
                                 "sqlite:////path/state.db or postgresql+psycopg://user:password@host/db") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name() if "+" in parsed.drivername else ""
    if backend == "postgres":
        parsed, backend = parsed.set(drivername="postgresql"), "postgresql"
    if backend == "postgresql" and driver == "":
        return parsed.set(drivername="postgresql+psycopg")
    if backend not in SUPPORTED or driver not in SUPPORTED[backend]:
        raise ConfigurationError(
            f"setting 'state_db_url' {describe(parsed)!r}: the database driver {parsed.drivername!r} is not "
            "supported; use postgresql+psycopg://user:password@host/db (psycopg 3, installed with yuqing) or "
            "sqlite:////path/state.db")
    return parsed


def describe(url: str | URL) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for another database. An in-memory SQLite URL is refused: the state
    database is shared by processes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:"):
        raise ConfigurationError(f"state database {describe(url)}: an in-memory SQLite database cannot be shared "
                                 "between processes; name a file (sqlite:////path/state.db) or leave state_db_url empty")
    return Path(parsed.database)


def check_schema(url: str | URL, schema: str | None) -> None:
    if schema is None:
        return
    if make_url(url).get_backend_name() != "postgresql":
        raise ConfigurationError(f"state database {describe(url)}: a schema ({schema!r}) is only possible on "
                                 "PostgreSQL; leave it out for SQLite")
    if not _SCHEMA_NAME.match(schema):
        raise ConfigurationError(f"state database schema {schema!r}: use lower-case letters, digits and _ "
                                 "(at most 63, not starting with a digit)")


def make_engine(url: str | URL, schema: str | None = None) -> Engine:
    """An engine for the URL (see the module doc). ``schema`` only for PostgreSQL."""
    url = supported_url(url)
    check_schema(url, schema)
    path = sqlite_path(url)
    if path is None:
        args = {"options": f"-csearch_path={schema}"} if schema else {}
        return create_engine(url, pool_pre_ping=True, connect_args=args)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None          # let SQLAlchemy's BEGIN below drive transactions
        # Processes opening a new file together: SQLite answers "locked" at once to the second one switching
        # it to WAL (waiting could deadlock); trying again after a pause resolves that race.
        retry_when_locked(lambda: dbapi_connection.execute("PRAGMA journal_mode=WAL"))
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("yuqing_write") else "BEGIN")

    return engine


class Database:
    """The shared engine plus units of work and driver-error translation for the stores."""

    def __init__(self, engine: Engine, where: str):
        self.engine = engine
        self.where = where                         # the URL without its password (and the schema)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A unit of work that writes: commits at the end, or rolls back if the block raises."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(yuqing_write=True)
                with conn.begin():
                    yield conn
        except SQLAlchemyError as error:
            raise self.unavailable(error) from error

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A unit of work that only reads. SQLite: one transaction (one snapshot). PostgreSQL: autocommit, which
        under its default READ COMMITTED isolation sees what a transaction would, and saves the BEGIN and COMMIT
        round trips (a crawl asks the crawl state once per post)."""
        try:
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":
                    conn.execution_options(isolation_level="AUTOCOMMIT")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as error:
            raise self.unavailable(error) from error

    def unavailable(self, error: SQLAlchemyError) -> Exception:
        if isinstance(error, IntegrityError):
            return Conflict(f"状态数据库拒绝了重复或无效的记录：{error.orig}")
        return StorageUnavailable(f"state database {self.where} failed: {error.__class__.__name__}: "
                                  f"{getattr(error, 'orig', None) or error}")


def insert_for(conn: Connection, table: Table):
    """The dialect's INSERT, which offers ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str],
           update: Iterable[str] | None = None) -> None:
    """Insert ``rows``; a row whose ``keys`` exist replaces the stored ``update`` columns (default: all the
    others). Rows repeating a key keep the last one (PostgreSQL refuses to touch a row twice in one statement)."""
    if not rows:
        return
    rows = list({tuple(row[k] for k in keys): row for row in rows}.values())
    statement = insert_for(conn, table)
    columns = [c for c in (update if update is not None else rows[0]) if c not in keys]
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: statement.excluded[c] for c in columns})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, rows)


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (one executemany), leaving rows whose primary key is already stored alone."""
    if rows:
        conn.execute(insert_for(conn, table).on_conflict_do_nothing(), list(rows))
