"""`yuqing` subcommands of this area (filled in by its issue)."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add this area's subcommands to the `yuqing` parser."""
