"""`yuqing console`: the command it runs and the settings it hands to the console process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.settings import load_settings
from infra.cli import main
from infra.cli.console import console_env

ROOT = Path(__file__).resolve().parents[2]


def test_dry_run_prints_the_streamlit_command_on_the_chosen_port(capsys):
    assert main(["console", "--port", "8765", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "streamlit run" in printed and str(ROOT / "console" / "server.py") in printed and "8765" in printed


def test_a_port_out_of_range_is_refused_with_a_sentence(capsys):
    assert main(["console", "--port", "70000", "--dry-run"]) == 2
    assert "not a port number" in capsys.readouterr().err


def test_settings_from_the_command_line_reach_the_console_process():
    settings = load_settings(environ={}, overrides={"console_page_size": "50", "data_dir": "/srv/yuqing"})
    env = console_env(settings, base={})
    assert env["YUQING_CONSOLE_PAGE_SIZE"] == "50" and env["YUQING_DATA_DIR"] == "/srv/yuqing"
    # The console process resolves exactly these settings, whatever config file it might find itself.
    assert load_settings(environ=env) == settings


def test_help_lists_the_console_command():
    done = subprocess.run([sys.executable, "-m", "infra.cli", "console", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "--port" in done.stdout
