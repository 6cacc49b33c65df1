"""Alembic environment for the state database. ``infra.state.migrate`` runs it programmatically, passing an
open connection in ``config.attributes["connection"]``; ``alembic`` on the command line works too with
``-x url=<database URL>`` (and ``-x schema=<name>`` for a PostgreSQL schema)."""

from __future__ import annotations

from alembic import context

from infra.state.engine import make_engine
from infra.state.tables import metadata

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
    arguments = context.get_x_argument(as_dictionary=True)
    url = arguments.get("url") or config.get_main_option("sqlalchemy.url")
    with make_engine(url, arguments.get("schema")).connect() as conn:
        _run(conn)
