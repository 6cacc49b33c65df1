"""Alembic environment for the workflow database. ``infra.workflow_db.migrate`` runs it programmatically,
passing an open connection in ``config.attributes["connection"]``; ``alembic`` on the command line works
too with ``-x url=<database URL>``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from infra.workflow_db.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
