"""Our incident-type labels of real posts (``nlp/data/incident_labels.tsv``) and the texts they refer to.

The labels are ours; the texts stay in the shared data folder (``../shared/data``). Each label row names its
post as ``<file>#<row>`` (a data row of a label/text TSV, counted from 1 after the header) or
``weibo_events#<post_id>`` (a post of the cascades), with the first 16 hex digits of the SHA-256 of the text
(whitespace collapsed), so that a changed row is found and left out rather than trained on with a wrong label.
The labelling rules are docs/labelling/incident-types.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput
from core.vocabulary import INCIDENT_TYPES
from nlp.training.labelled_refs import checked_text, resolve_texts

LABELS_FILE = Path(__file__).resolve().parent.parent / "data" / "incident_labels.tsv"
NONE = "-"


@dataclass(frozen=True)
class LabelledPost:
    ref: str
    text: str
    types: tuple[str, ...]


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


def load_labelled(data_dir: str | Path, labels: str | Path = LABELS_FILE) -> tuple[list[LabelledPost], list[str]]:
    """The labelled posts whose text is found unchanged, and the refs left out (missing or changed)."""
    rows = read_labels(labels)
    texts = resolve_texts(data_dir, (ref for ref, _, _ in rows))
    posts, left_out = [], []
    for ref, digest, types in rows:
        text = checked_text(texts, ref, digest)
        if text is None:
            left_out.append(ref)
        else:
            posts.append(LabelledPost(ref, text, types))
    return posts, left_out
