"""`yuqing console`: serve the Streamlit console (控制台) on the embedded or configured stores."""

from __future__ import annotations

import os
import subprocess
import sys

from core.settings import Settings
from infra.console_process import APP, console_command  # noqa: F401 (APP, console_command: used by tests)
from infra.runtime import Runtime


def register(subparsers) -> None:
    """Add ``console`` to the `yuqing` parser."""
    parser = subparsers.add_parser("console", help="serve the Streamlit console (控制台) in the browser")
    parser.add_argument("--port", type=int, default=None, help="port to serve on (default: setting console_port)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves the whole network)")
    parser.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    parser.set_defaults(func=run_console)


def console_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that gives the console process these settings (the console is its own entry point
    and resolves them from the environment)."""
    return {**(os.environ if base is None else base), **settings.environment()}


def run_console(args, runtime: Runtime) -> int:
    settings = runtime.settings
    port = args.port if args.port is not None else settings.console_port
    if not 0 < port < 65536:
        print(f"yuqing console: --port {port} is not a port number (1-65535)", file=sys.stderr)
        return 2
    command = console_command(port, args.address)
    if args.dry_run:
        print(" ".join(command))
        return 0
    print(f"控制台地址 / console: http://{args.address}:{port}/  (Ctrl+C 退出)")
    try:
        return subprocess.call(command, env=console_env(settings))
    except KeyboardInterrupt:
        return 130
