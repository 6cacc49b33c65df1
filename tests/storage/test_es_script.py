"""infra/elasticsearch.sh: the node `make test` started reports itself running (usage errors:
tests/test_service_scripts.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "elasticsearch.sh"


def script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.elasticsearch
def test_the_test_node_reports_itself_running_and_healthy(es_url):
    result = script("status")
    assert result.returncode == 0, result.stdout + result.stderr
    port = es_url.rsplit(":", 1)[1]
    assert f"http://127.0.0.1:{port}" in result.stdout
    assert "health green" in result.stdout or "health yellow" in result.stdout
