"""Real repost cascades (``../shared/data/weibo_events/cascades.tsv.gz``, see its README): one source post
per event with every repost and comment, its time and the event's rumour label, read into ``Cascade``s.

The rows never leave the machine: training and the held-out JSON-lines file (``write_jsonl``, written under
var/ or /tmp) read them from the shared folder. The held-out part is chosen by a hash of the event id, so a
cascade is never on both sides and every run splits alike.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from core.errors import InvalidInput

HELD_OUT_FRACTION = 0.2
BARE_REPOST = "转发微博"
REQUIRED = ("event_id", "event_label", "post_id", "parent_id", "t", "text")


@dataclass
class Cascade:
    event_id: str
    label: int
    source: str = ""
    source_t: float | None = None
    reactions: list[tuple[float, str]] = field(default_factory=list)   # (seconds after the source, text)


def held_out(event_id: str, fraction: float = HELD_OUT_FRACTION) -> bool:
    """Whether an event belongs to the held-out part (stable across runs and machines)."""
    return int(hashlib.md5(event_id.encode("utf-8")).hexdigest()[:8], 16) % 1000 < fraction * 1000


def _rows(path: Path) -> Iterator[dict]:
    csv.field_size_limit(sys.maxsize)
    try:
        raw = gzip.open(path, "rt", encoding="utf-8", newline="") if path.suffix == ".gz" else \
            path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise InvalidInput(f"cannot read cascades file {path}: {error.strerror}", field="data") from None
    with raw as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidInput(f"cascades file {path} lacks the columns {', '.join(missing)}", field="data")
        yield from reader


def read_cascades(path: str | Path, max_reactions: int | None = None) -> list[Cascade]:
    """Every event of the file with its reactions in time order (at most ``max_reactions`` of the earliest)."""
    events: dict[str, Cascade] = {}
    times: dict[str, list[tuple[float, str]]] = {}
    for row in _rows(Path(path)):
        try:
            label, t = int(row["event_label"]), float(row["t"])
        except (TypeError, ValueError):
            continue
        event = events.setdefault(row["event_id"], Cascade(row["event_id"], label))
        text = " ".join((row["text"] or "").split())
        if not row["parent_id"]:
            event.source, event.source_t = text, t
        else:
            times.setdefault(event.event_id, []).append((t, text))
    cascades = []
    for event in events.values():
        start = event.source_t
        reactions = sorted(times.get(event.event_id, ()))
        if start is None:
            start = reactions[0][0] if reactions else 0.0
        event.reactions = [(max(0.0, t - start), text) for t, text in reactions[:max_reactions]]
        cascades.append(event)
    return cascades


def write_jsonl(cascades: list[Cascade], out: str | Path) -> int:
    """The cascades as ``{"label", "text", "reactions": [{"text", "t"}]}`` lines (``yuqing eval rumour``)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for c in cascades:
            line = {"event_id": c.event_id, "label": c.label, "text": c.source,
                    "reactions": [{"text": text, "t": round(t, 1)} for t, text in c.reactions]}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(cascades)


def read_jsonl(path: str | Path, max_reactions: int = 100_000) -> list[Cascade]:
    """Lines of ``{"label": 0|1, "text": …, "reactions": [{"text": …, "t": seconds}, …]}``. Raises
    InvalidInput naming the file and line of a bad one."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read data file {path}: {error.strerror}", field="data") from None
    cascades = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                cascades.append(_cascade_of(json_line(line, path, number), path, number, max_reactions))
    if not cascades:
        raise InvalidInput(f"data file {path} has no lines", field="data")
    return cascades


def json_line(line: str, path: Path, number: int) -> dict:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"data file {path} line {number}: not JSON ({error.msg})", field="data") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"data file {path} line {number}: expected a JSON object", field="data")
    return data


def _cascade_of(data: dict, path: Path, number: int, max_reactions: int) -> Cascade:
    where = f"data file {path} line {number}"
    if data.get("label") not in (0, 1) or not isinstance(data.get("text"), str):
        raise InvalidInput(f"{where}: expected \"label\" 0 or 1 and a \"text\" string", field="data")
    reactions = data.get("reactions", [])
    if not isinstance(reactions, list):
        raise InvalidInput(f"{where}: \"reactions\" must be a list", field="data")
    parsed = []
    for reaction in reactions[:max_reactions]:
        if not isinstance(reaction, dict) or not isinstance(reaction.get("text"), str):
            raise InvalidInput(f"{where}: every reaction needs a \"text\" string", field="data")
        t = reaction.get("t", 0)
        if isinstance(t, bool) or not isinstance(t, (int, float)):
            raise InvalidInput(f"{where}: a reaction's \"t\" must be seconds after the source", field="data")
        parsed.append((max(0.0, float(t)), reaction["text"]))
    parsed.sort(key=lambda r: r[0])
    return Cascade(str(data.get("event_id", number)), int(data["label"]), data["text"], 0.0, parsed)


def sniff_jsonl(path: str | Path) -> bool:
    """Whether a data file is JSON lines (its first non-blank character is ``{``) rather than TSV."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return head.lstrip().startswith("{")

