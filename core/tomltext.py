"""TOML read from files a person (or an upload) supplies: the config file, the county profile, the press
template catalog. ``tomllib`` recurses once per level of nesting, so a few thousand brackets raise
RecursionError instead of a decoding error; here every failure is a ConfigurationError that names the
file, and values nested deeper than any of our formats needs are refused."""

from __future__ import annotations

import tomllib
from typing import Any

from core.errors import ConfigurationError

MAX_DEPTH = 16          # our deepest format (a profile's source with a table of lists) needs 4


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """The TOML document ``text``; ConfigurationError starting with ``where`` when it is invalid or too deep."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{where} is not valid TOML: {error}") from None
    except RecursionError:
        raise ConfigurationError(f"{where} is nested too deeply to be read (at most {MAX_DEPTH} levels of "
                                 "tables and arrays); check its brackets") from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigurationError(f"{where} is nested {MAX_DEPTH}+ levels deep; at most {MAX_DEPTH} levels of "
                                 "tables and arrays are allowed")
    return data


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest (iteratively: the value may be deeper than the recursion limit)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        todo.extend((child, level + 1) for child in children)
    return deepest
