"""Run the workflow database's Alembic migrations programmatically (on every open: a database at head is
left alone)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.errors import StorageUnavailable, VersionMismatch

MIGRATIONS = Path(__file__).with_name("migrations")
# Alembic announces every check at INFO; a migration on open is routine, so only its warnings show.
logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, where: str) -> None:
    """Bring the database to the newest schema; VersionMismatch if it is newer than this code knows."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    try:
        current = current_revision(engine)
        if current == script.get_current_head():
            return
        if current is not None and not _known(script, current):
            raise VersionMismatch(f"workflow database {where} has schema revision {current}, which this version "
                                  f"of yuqing does not know; upgrade yuqing (newest known: {script.get_current_head()}).")
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except SQLAlchemyError as error:
        raise StorageUnavailable(f"workflow database {where}: migration failed: {error}") from error


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        return False
