"""Texts of the shared data that our label files refer to, found by reference and checked by hash.

Our label files (``nlp/data/*_labels.tsv``) keep no text: each row names its post as ``<file>#<row>`` (a data
row of a label/text TSV under the shared data folder, counted from 1 after the header) or
``weibo_events#<post_id>`` (a post of the cascades), with the first 16 hex digits of the SHA-256 of the text
(whitespace collapsed), so that a changed row is found and left out rather than trained on with a wrong label.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import sys
from pathlib import Path
from typing import Iterable

from core.errors import InvalidInput

CASCADES = "weibo_events"
CASCADES_FILE = "weibo_events/cascades.tsv.gz"


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def _tsv_texts(path: Path, wanted: set[int]) -> dict[int, str]:
    csv.field_size_limit(sys.maxsize)
    found = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, [])
        at_text = header.index("text") if "text" in header else 1
        for number, row in enumerate(reader, start=1):
            if number in wanted and len(row) > at_text:
                found[number] = row[at_text]
    return found


def _cascade_texts(path: Path, wanted: set[str]) -> dict[str, str]:
    csv.field_size_limit(sys.maxsize)
    found = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["post_id"] in wanted:
                found[row["post_id"]] = row["text"] or ""
    return found


def resolve_texts(data_dir: str | Path, refs: Iterable[str]) -> dict[str, str]:
    """The text of each reference found in the shared data folder (a missing row is simply absent).
    Raises InvalidInput naming a data file the references need that is not there."""
    data_dir = Path(data_dir)
    keys: dict[str, set] = {}
    for ref in refs:
        source, key = ref.rsplit("#", 1)
        keys.setdefault(source, set()).add(key)
    texts: dict[str, str] = {}
    for source, wanted in keys.items():
        path = data_dir / (CASCADES_FILE if source == CASCADES else source)
        if not path.is_file():
            raise InvalidInput(f"data file {path} for the labels is missing (give --data, the shared data "
                               "folder)", field="data")
        if source == CASCADES:
            found = _cascade_texts(path, wanted)
        else:
            found = {str(k): v for k, v in _tsv_texts(path, {int(k) for k in wanted if k.isdigit()}).items()}
        texts.update({f"{source}#{k}": v for k, v in found.items()})
    return texts


def checked_text(texts: dict[str, str], ref: str, digest: str) -> str | None:
    """The referenced text, whitespace collapsed, when it is there and unchanged; None otherwise."""
    text = texts.get(ref)
    if text is None or text_hash(text) != digest:
        return None
    return " ".join(text.split())
