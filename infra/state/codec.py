"""Records <-> rows, for every table of the state database: dataclass fields become columns; nested
dataclasses (an event's timeline points), tuples and mappings become JSON; times are stored in UTC and come
back timezone-aware; enums come back as their enum type. A row may carry more columns than the record has
fields (e.g. an event's ``grade_rank``) and fewer (a record's defaults fill in): only shared names count."""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from datetime import datetime, timezone
from typing import Any


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def to_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:           # databases without time zones hand back UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _dump(value: Any) -> Any:
    """A JSON-ready form of a nested value."""
    if dataclasses.is_dataclass(value):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return to_utc(value).isoformat()
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    return value


def _load(hint: Any, value: Any) -> Any:
    """Rebuild a nested value of type ``hint`` from its JSON form."""
    hint = _unwrap_optional(hint)
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0] if typing.get_args(hint) else Any
        return tuple(_load(item, v) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{k: _load(hints[k], v) for k, v in value.items() if k in hints})
    if hint is datetime:
        return to_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value


def to_row(record: Any) -> dict[str, Any]:
    """The column values of a record."""
    row = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            row[f.name] = to_utc(value)
        elif isinstance(value, enum.Enum):
            row[f.name] = value.value
        elif isinstance(value, (tuple, list, dict)) or dataclasses.is_dataclass(value):
            row[f.name] = _dump(value)
        else:
            row[f.name] = value
    if "token" in row:                  # a session's token is never stored, only its hash (the id)
        row["token"] = ""
    return row


def from_row(cls: type, row: typing.Mapping[str, Any]) -> Any:
    """The record of type ``cls`` stored in a row."""
    hints = _hints(cls)
    return cls(**{name: _load(hints[name], row[name]) for name in hints if name in row})


def from_document(cls: type, document: typing.Mapping[str, Any]) -> Any:
    """The record of type ``cls`` from its JSON form (times as ISO strings, tuples as lists), e.g. a document
    kept by an older yuqing; keys that are not fields are ignored."""
    return _load(cls, dict(document))
