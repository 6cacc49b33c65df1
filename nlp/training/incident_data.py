"""Our incident-type labels of real posts (``nlp/data/incident_labels.tsv``) and the texts they refer to.

The labels are ours; the texts stay in the shared data folder (``../shared/data``). Each label row names its
post as ``<file>#<row>`` (a data row of a label/text TSV, counted from 1 after the header) or
``weibo_events#<post_id>`` (a post of the cascades), with the first 16 hex digits of the SHA-256 of the text
(whitespace collapsed), so that a changed row is found and left out rather than trained on with a wrong label.
The labelling rules are docs/labelling/incident-types.md.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput
from core.vocabulary import INCIDENT_TYPES

LABELS_FILE = Path(__file__).resolve().parent.parent / "data" / "incident_labels.tsv"
CASCADES = "weibo_events"
CASCADES_FILE = "weibo_events/cascades.tsv.gz"
NONE = "-"


@dataclass(frozen=True)
class LabelledPost:
    ref: str
    text: str
    types: tuple[str, ...]


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def read_labels(path: str | Path = LABELS_FILE) -> list[tuple[str, str, tuple[str, ...]]]:
    """(ref, text hash, types) per row. Raises InvalidInput naming the line of a bad row or unknown type."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidInput(f"cannot read labels file {path}: {error.strerror}", field="labels") from None
    if not lines or lines[0].split("\t") != ["ref", "text_sha256", "types"]:
        raise InvalidInput(f"labels file {path}: the first line must be 'ref<TAB>text_sha256<TAB>types'",
                           field="labels")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        types = tuple(t for t in parts[2].split(",") if t and t != NONE) if len(parts) == 3 else ("?",)
        if len(parts) != 3 or "#" not in parts[0] or not set(types) <= set(INCIDENT_TYPES):
            raise InvalidInput(f"labels file {path} line {number}: expected ref#key, hash and types from "
                               f"{', '.join(INCIDENT_TYPES)} (or '-')", field="labels")
        rows.append((parts[0], parts[1], types))
    return rows


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


def load_labelled(data_dir: str | Path, labels: str | Path = LABELS_FILE) -> tuple[list[LabelledPost], list[str]]:
    """The labelled posts whose text is found unchanged, and the refs left out (missing or changed)."""
    data_dir = Path(data_dir)
    rows = read_labels(labels)
    keys: dict[str, set] = {}
    for ref, _, _ in rows:
        source, key = ref.rsplit("#", 1)
        keys.setdefault(source, set()).add(key)
    texts: dict[str, str] = {}
    for source, wanted in keys.items():
        path = data_dir / (CASCADES_FILE if source == CASCADES else source)
        if not path.is_file():
            raise InvalidInput(f"data file {path} for the labels is missing (give --data-dir, the shared data "
                               "folder)", field="data")
        if source == CASCADES:
            found = _cascade_texts(path, wanted)
        else:
            found = {str(k): v for k, v in _tsv_texts(path, {int(k) for k in wanted if k.isdigit()}).items()}
        texts.update({f"{source}#{k}": v for k, v in found.items()})
    posts, left_out = [], []
    for ref, digest, types in rows:
        text = texts.get(ref)
        if text is None or text_hash(text) != digest:
            left_out.append(ref)
        else:
            posts.append(LabelledPost(ref, " ".join(text.split()), types))
    return posts, left_out
