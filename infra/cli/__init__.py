"""The ``yuqing`` command. Each area registers its subcommands from its own module here, so that
``yuqing --help`` lists them all and every subcommand has ``--help``.

This is a composition root: settings are resolved once (defaults < config file < ``YUQING_*`` < ``--set``)
and the runtime built from them is handed to the subcommand, which opens only what it uses."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from core.errors import YuqingError
from core.files import restrict_umask
from core.settings import Settings, load_settings, parse_overrides
from infra.drill.pointer import follow_running_drill
from infra.runtime import open_runtime

# Modules under infra.cli, each with ``register(subparsers)`` adding its subcommands; each subcommand
# sets ``func(args, runtime) -> int``.
COMMAND_MODULES = ("store", "crawl", "nlp", "hype", "pretrain", "workflow", "worker", "console")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yuqing", description="School-safety public-opinion monitoring and press-response console.")
    parser.add_argument("--config", help="TOML config file (default: $YUQING_CONFIG or ./yuqing.toml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting; repeatable (see `yuqing settings`)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"infra.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    restrict_umask()          # databases, packs, attachments and reports are the service account's only
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config, overrides=parse_overrides(args.overrides))
        if getattr(args, "reads_only", False):
            settings = _follow_drill(settings)
            missing = missing_stores(settings, posts=args.reads_only != "state")
            if missing:
                print(f"yuqing: 尚无数据：{'、'.join(missing)} 不存在（未创建）。请先运行 `yuqing init` 或 `yuqing worker`，"
                      f"或在演练/部署所用的同一数据目录下（--set data_dir=...）运行本命令。", file=sys.stderr)
                return 1
        with open_runtime(settings) as runtime:
            return int(args.func(args, runtime) or 0)
    except YuqingError as error:
        print(f"yuqing: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _follow_drill(settings: Settings) -> Settings:
    """Settings pointed at the drill running on this data folder, saying so (see infra/drill/pointer.py)."""
    followed, drill = follow_running_drill(settings)
    if drill is not None:
        print(f"正在读取运行中的演练（{drill.scenario}，{drill.speed:g} 倍速）的数据：{drill.folder}", file=sys.stderr)
    return followed


def missing_stores(settings: Settings, posts: bool = True) -> list[str]:
    """The embedded (SQLite) stores a read-only command would find missing: opening them would create
    empty databases, so such a command stops and says so instead. ``posts=False`` for a command that reads
    the state database only (crawl health: crawls that stored nothing still recorded their runs)."""
    missing = []
    if posts and settings.store == "sqlite" and not settings.sqlite_file.exists():
        missing.append(str(settings.sqlite_file))
    if settings.state_url.startswith("sqlite:///"):
        state_file = Path(settings.state_url.removeprefix("sqlite:///"))
        if not state_file.exists():
            missing.append(str(state_file))
    return missing


if __name__ == "__main__":
    sys.exit(main())
