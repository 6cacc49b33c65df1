"""The two test-server scripts (infra/elasticsearch.sh, infra/postgres.sh) as an operator meets them: the same
commands and options, and usage errors that say what to fix."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parents[1] / "infra"
SCRIPTS = ["elasticsearch.sh", "postgres.sh"]


def script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(INFRA / name), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", SCRIPTS)
def test_an_unknown_command_prints_the_usage(name):
    result = script(name, "restart")
    assert result.returncode == 2 and "usage:" in result.stderr and "start [--port N]" in result.stderr


@pytest.mark.parametrize("name", SCRIPTS)
@pytest.mark.parametrize("args,words", [(("start", "--port", "high"), "--port needs a number"),
                                        (("start", "--verbose"), "unknown option --verbose")])
def test_bad_start_options_are_named(name, args, words):
    result = script(name, *args)
    assert result.returncode == 1 and words in result.stderr
