"""``python -m bench [--only NAME] [--posts N]``: run every benchmark module in bench/ (storage first)
and print its figures. Options a module does not know are passed on to it as ``args.rest``."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import time
from pathlib import Path

FIRST = ("storage",)


def module_names() -> list[str]:
    """Every module in bench/ that has a ``run(args)``; storage first, the rest by name."""
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")]
    return [n for n in FIRST if n in names] + sorted(n for n in names if n not in FIRST)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run yuqing's benchmarks.")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this benchmark module (repeatable); names: " + ", ".join(module_names()))
    parser.add_argument("--posts", type=int, default=1_000_000,
                        help="posts in the storage benchmark (default 1000000)")
    args, args.rest = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.WARNING)
    unknown = [n for n in args.only if n not in module_names()]
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; choose from {', '.join(module_names())}")
    for name in args.only or module_names():
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        module.run(args)
        print(f"=== bench.{name}: {time.perf_counter() - started:.0f} s ===", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
