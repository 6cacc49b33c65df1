"""Labelled data: TSV files with a header and the columns ``label`` (1 = positive / rumour, 0 otherwise) and
``text``, and the held-out dev split.

The dev split is chosen by a hash of each text, so it is the same on every run and a text never lands on
both sides; the figures written into a manifest are measured on it, never on training rows.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from core.errors import InvalidInput
from nlp.text import strip_emoticons

DEV_FRACTION = 0.2


@dataclass(frozen=True)
class Example:
    label: int
    text: str


def read_tsv(path: str | Path) -> list[Example]:
    """Rows of a ``label``/``text`` TSV. Raises InvalidInput naming the file and line of a bad row."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise InvalidInput(f"cannot read data file {path}: {error.strerror}", field="data") from None
    csv.field_size_limit(sys.maxsize)
    with handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header or "label" not in header or "text" not in header:
            raise InvalidInput(f"data file {path}: the first line must be a header with columns 'label' and 'text'",
                               field="data")
        at_label, at_text = header.index("label"), header.index("text")
        rows = []
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) <= max(at_label, at_text) or row[at_label].strip() not in ("0", "1"):
                raise InvalidInput(f"data file {path} line {line}: expected label 0 or 1 and a text", field="data")
            rows.append(Example(int(row[at_label]), row[at_text]))
    if not rows:
        raise InvalidInput(f"data file {path} has no rows", field="data")
    return rows


def in_dev(text: str, fraction: float = DEV_FRACTION) -> bool:
    """Whether a text belongs to the held-out dev split (stable across runs and machines)."""
    key = strip_emoticons(text).strip().encode("utf-8")
    return int(hashlib.md5(key).hexdigest()[:8], 16) % 1000 < fraction * 1000


def split(rows: Sequence[Example], fraction: float = DEV_FRACTION) -> tuple[list[Example], list[Example]]:
    """(train, dev) by text hash."""
    train, dev = [], []
    for row in rows:
        (dev if in_dev(row.text, fraction) else train).append(row)
    return train, dev
