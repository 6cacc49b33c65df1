"""Run the state database's Alembic migrations programmatically (on every open: a database at head is left
alone). Processes opening a new database together queue: SQLite's ``BEGIN IMMEDIATE`` and PostgreSQL's
transaction-level advisory lock make the second one find the first one's schema instead of racing it."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from core.errors import StorageUnavailable, VersionMismatch

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision under migrations/versions (a test checks it against Alembic's own answer). Every process
# opens the state database, most of them find it at this revision, and then Alembic is not even imported (it
# costs a crawl process a third of a second to start).
HEAD_REVISION = "0007"
# Alembic announces every check at INFO; a migration on open is routine, so only its warnings show.
logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config():
    from alembic.config import Config      # only when migrating (see HEAD_REVISION)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database records (None for an empty database)."""
    with engine.connect() as conn:
        return _recorded_revision(conn)


def _recorded_revision(conn: Connection) -> str | None:
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def advisory_key(schema: str | None, purpose: str) -> int:
    """A PostgreSQL advisory lock key (signed 64-bit) for one purpose in one schema: a drill's schema has
    its own worker and crawl locks, apart from production's in the same database."""
    digest = hashlib.blake2b(f"yuqing:{schema or ''}:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def upgrade(engine: Engine, where: str, schema: str | None = None) -> None:
    """Bring the database to the newest schema (creating ``schema`` first when given; the engine's search path
    names it); VersionMismatch if it is newer than this code knows; StorageUnavailable naming ``where`` if it
    cannot be reached."""
    try:
        if current_revision(engine) == HEAD_REVISION:
            return
        _migrate(engine, where, schema)
    except SQLAlchemyError as error:
        raise StorageUnavailable(f"state database {where}: cannot open or migrate it: "
                                 f"{getattr(error, 'orig', None) or error}") from error


def _migrate(engine: Engine, where: str, schema: str | None) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    with engine.connect() as conn:
        conn.execution_options(yuqing_write=True)           # SQLite: BEGIN IMMEDIATE
        with conn.begin():
            _queue_behind_other_openers(conn, schema)
            current = _recorded_revision(conn)
            if current == head:
                return
            if current is not None and not _known(script, current):
                raise VersionMismatch(
                    f"state database {where} has schema revision {current}, which this version of yuqing "
                    f"does not know; upgrade yuqing (newest known: {head}).")
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def _queue_behind_other_openers(conn: Connection, schema: str | None) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.execute(select(func.pg_advisory_xact_lock(advisory_key(schema, "migrate"))))
    if schema is not None:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def _known(script, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        return False
