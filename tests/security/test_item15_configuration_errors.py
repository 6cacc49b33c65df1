"""Item 15: configuration mistakes are configuration errors, never tracebacks: a PostgreSQL URL without a
driver opens with psycopg 3, an unsupported driver is named with what to write instead, and TOML nested
deeper than the parser's recursion limit is refused as a configuration error."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.profile import parse_profile
from core.settings import load_settings
from infra.state import open_state_database

ROOT = Path(__file__).resolve().parents[2]
DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n"


def test_a_postgresql_url_without_a_driver_opens_with_psycopg3(pg_url):
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    state = open_state_database(plain, schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        assert state.engine.dialect.driver == "psycopg" and state.events.list_events() == []
    finally:
        state.drop()


@pytest.mark.parametrize("url", ["postgresql+psycopg2://yuqing:Pg-Pass-4242@127.0.0.1/yuqing",
                                 "mysql://yuqing:Pg-Pass-4242@127.0.0.1/yuqing", "not a url at all"])
def test_an_unsupported_database_url_is_a_configuration_error(url):
    with pytest.raises(ConfigurationError, match="postgresql\\+psycopg://") as error:
        open_state_database(url)
    assert "Pg-Pass-4242" not in str(error.value)


def run_cli(tmp_path, *arguments):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "YUQING_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "infra.cli", *arguments], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_says_which_driver_to_use_without_a_traceback(tmp_path):
    done = run_cli(tmp_path, "--set", "state_db_url=postgresql+psycopg2://yuqing@127.0.0.1:1/yuqing", "init")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not supported" in done.stderr and "postgresql+psycopg://" in done.stderr


def test_deeply_nested_toml_is_a_configuration_error(tmp_path):
    config = tmp_path / "yuqing.toml"
    config.write_text(DEEP, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="nested too deeply"):
        load_settings(config, environ={})
    with pytest.raises(ConfigurationError, match="county profile .*nested too deeply"):
        parse_profile(DEEP)
    done = run_cli(tmp_path, "--config", str(config), "settings")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "nested too deeply" in done.stderr


def test_nesting_under_the_recursion_limit_is_still_bounded(tmp_path):
    with pytest.raises(ConfigurationError, match="levels"):
        parse_profile("x = " + "[" * 40 + "]" * 40 + "\n")
