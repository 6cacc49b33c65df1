"""infra/postgres.sh: the server `make test` started reports itself with its URL, and a server that cannot
start says why with its log (usage errors: tests/test_service_scripts.py)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "postgres.sh"


def script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


@pytest.mark.postgres
def test_the_test_server_reports_itself_running_with_its_url(pg_url):
    result = script("status")
    assert result.returncode == 0, result.stdout + result.stderr
    assert pg_url in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"), reason="PostgreSQL is not installed")
def test_a_server_that_cannot_start_shows_its_log():
    home = Path(tempfile.mkdtemp(prefix="yuqing-pg-broken-"))
    home.chmod(0o777)                     # the server's system user must reach it
    try:
        assert script("start", "--port", "5499", YUQING_PG_HOME=str(home)).returncode == 0
        assert script("stop", YUQING_PG_HOME=str(home)).returncode == 0
        with open(home / "data" / "postgresql.conf", "a") as conf:
            conf.write("\nshared_buffers = 'plenty'\n")
        result = script("start", "--port", "5499", YUQING_PG_HOME=str(home))
        assert result.returncode == 1 and "failed to start (log tail above)" in result.stderr
        assert "shared_buffers" in result.stderr and "server.log" in result.stderr
    finally:
        script("stop", YUQING_PG_HOME=str(home))
        shutil.rmtree(home, ignore_errors=True)
