"""`yuqing --help` and every subcommand's `--help` work, so an operator can always find out what to type."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from infra.cli import build_parser, main


def command_paths(parser: argparse.ArgumentParser | None = None, prefix: tuple[str, ...] = ()) -> list[tuple]:
    """Every subcommand, nested ones too (``users add``), as a tuple of words."""
    parser = parser or build_parser()
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append((*prefix, name))
                paths.extend(command_paths(sub, (*prefix, name)))
    return sorted(set(paths))


def subcommands() -> list[str]:
    return [path[0] for path in command_paths() if len(path) == 1]


def test_there_are_subcommands_to_list():
    assert {"init", "status", "settings", "search"} <= set(subcommands())


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_subcommand_has_help(path, capsys):
    with pytest.raises(SystemExit) as caught:
        main([*path, "--help"])
    assert caught.value.code == 0
    assert f"yuqing {' '.join(path)}" in capsys.readouterr().out


def test_the_installed_command_prints_help_listing_every_subcommand():
    result = subprocess.run([sys.executable, "-m", "infra.cli", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    for command in subcommands():
        assert command in result.stdout
