"""Cascade files: the TSV layout of ``../shared/data/weibo_events/cascades.tsv.gz`` (plain or gzip), optionally
with a ``coordinated`` column (1 = the post belongs to a campaign), read as CascadePost records per event.

A cascade file comes from outside: every row is checked, and a bad one stops the read with its line number.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.errors import InvalidInput
from nlp.coordination.model import CascadePost

COLUMNS = ("event_id", "event_label", "post_id", "parent_id", "t", "user", "followers", "verified",
           "verified_type", "user_created_at", "reposts", "comments", "likes", "text")
REQUIRED = ("event_id", "post_id", "parent_id", "t", "user", "text")
MAX_TEXT = 5000         # characters kept of one post's text (Weibo's long posts stay under this)


@dataclass(frozen=True)
class LabelledPost:
    post: CascadePost
    coordinated: int            # 1 campaign, 0 organic (0 when the file has no such column)
    event_label: int            # the event's rumour label, -1 when absent
    shape: str = ""             # the injected campaign's or hard case's shape (evaluation files only)


def open_text(path: Path) -> io.TextIOBase:
    try:
        raw = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"cannot read cascade file {path}: {error.strerror}", field="data") from None
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", newline="")
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def read_cascades(path: str | Path) -> Iterator[LabelledPost]:
    """The rows of a cascade file in file order. Raises InvalidInput naming the file and line of a bad row."""
    path = Path(path)
    csv.field_size_limit(sys.maxsize)
    with open_text(path) as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None) or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InvalidInput(f"cascade file {path}: the header lacks the columns {', '.join(missing)} "
                               f"(expected the columns of weibo_events/cascades.tsv.gz)", field="data")
        at = {name: i for i, name in enumerate(header)}
        for line, row in enumerate(reader, start=2):
            if row:
                yield _row(row, at, f"cascade file {path} line {line}")


def _row(row: list[str], at: dict[str, int], where: str) -> LabelledPost:
    if len(row) < len(at):
        raise InvalidInput(f"{where}: {len(row)} columns, the header has {len(at)}", field="data")
    value = lambda name: row[at[name]].strip() if name in at else ""  # noqa: E731
    try:
        post = CascadePost(
            post_id=value("post_id"), account=value("user"), at=float(value("t")),
            text=row[at["text"]][:MAX_TEXT], parent_id=value("parent_id") or None,
            platform=value("platform") or "weibo", event_id=value("event_id"),
            followers=_whole(value("followers")), verified=value("verified").lower() == "true",
            verified_type=_whole(value("verified_type"), allow_negative=True),
            account_created=float(value("user_created_at")) if value("user_created_at") else None,
            author_name=value("author") if "author" in at else "")
        coordinated = int(value("coordinated") or 0) if "coordinated" in at else 0
        event_label = int(value("event_label")) if value("event_label") else -1
    except ValueError as error:
        raise InvalidInput(f"{where}: {error}", field="data") from None
    if not post.post_id or not post.account or not post.event_id:
        raise InvalidInput(f"{where}: event_id, post_id and user must not be empty", field="data")
    if coordinated not in (0, 1):
        raise InvalidInput(f"{where}: coordinated must be 0 or 1", field="data")
    return LabelledPost(post, coordinated, event_label, value("shape")[:40] if "shape" in at else "")


def _whole(text: str, allow_negative: bool = False) -> int | None:
    if not text:
        return None
    number = int(float(text))
    if number < 0 and not allow_negative:
        raise ValueError(f"{text!r} is negative")
    return number


def by_event(rows: Iterator[LabelledPost]) -> dict[str, list[LabelledPost]]:
    """Rows grouped by event, in first-appearance order."""
    events: dict[str, list[LabelledPost]] = {}
    for row in rows:
        events.setdefault(row.post.event_id, []).append(row)
    return events


def event_split(event_id: str, held_out_fraction: float = 0.3) -> str:
    """'test' or 'dev' for an event, stable across runs: held-out figures never share an event with tuning."""
    bucket = int(hashlib.sha256(event_id.encode()).hexdigest()[:8], 16) % 1000
    return "test" if bucket < held_out_fraction * 1000 else "dev"
