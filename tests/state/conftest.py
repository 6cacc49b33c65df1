"""Every conformance test runs once per database: a SQLite file and a real PostgreSQL server (each test in a
schema of its own, dropped afterwards). Helpers run real subprocesses against the same database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from infra.state import StateDatabase, open_state_database

ROOT = Path(__file__).resolve().parents[2]
DATABASES = [pytest.param("sqlite", id="sqlite"),
             pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Target:
    """Where one test's state database lives."""

    url: str
    schema: str | None = None

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgres"

    def open(self, **options) -> StateDatabase:
        return open_state_database(self.url, schema=self.schema, **options)

    def spawn(self, body: str, *args: str, legacy_dir: Path | None = None) -> subprocess.Popen:
        """A Python subprocess running ``body`` with ``state`` opened on this database (``args`` in ``argv``);
        stdout is a pipe."""
        folder = str(legacy_dir) if legacy_dir else None
        script = (f"import sys, json, time\nfrom infra.state import open_state_database\n"
                  f"state = open_state_database({self.url!r}, schema={self.schema!r}, legacy_dir={folder!r})\n"
                  + textwrap.dedent(body))
        return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def finish(process: subprocess.Popen, timeout: float = 60) -> list:
    """The JSON lines a helper process printed; fails the test with its stderr if it failed."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@pytest.fixture(params=DATABASES)
def target(request, tmp_path):
    if request.param == "sqlite":
        yield Target(f"sqlite:///{tmp_path / 'data' / 'state.db'}")
        return
    url = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield Target(url, schema)
    drop_schema(url, schema)


@pytest.fixture
def state(target):
    """An empty state database, migrated to head."""
    db = target.open()
    yield db
    db.close()
