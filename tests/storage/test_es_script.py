"""infra/elasticsearch.sh as an operator meets it: usage errors are plain, and the node `make test` started
reports itself running."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "elasticsearch.sh"


def script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_an_unknown_command_prints_the_usage():
    result = script("restart")
    assert result.returncode == 2 and "usage:" in result.stderr and "start [--port N]" in result.stderr


@pytest.mark.parametrize("args,words", [(("start", "--port", "high"), "--port needs a number"),
                                        (("start", "--verbose"), "unknown option --verbose")])
def test_bad_start_options_are_named(args, words):
    result = script(*args)
    assert result.returncode == 1 and words in result.stderr


@pytest.mark.elasticsearch
def test_the_test_node_reports_itself_running_and_healthy(es_url):
    result = script("status")
    assert result.returncode == 0, result.stdout + result.stderr
    port = es_url.rsplit(":", 1)[1]
    assert f"http://127.0.0.1:{port}" in result.stdout
    assert "health green" in result.stdout or "health yellow" in result.stdout
