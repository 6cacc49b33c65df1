"""The pre-training corpus: distinct cleaned texts from the shared Weibo cascades and the labelled TSV files.

Any TSV (plain or gzip) with a header that has a ``text`` column is read. Each text is cleaned the way the
classifiers read it (``nlp.text.clean``: simplified characters, emoticons and URLs stripped), the quoted repost
chain after ``//@`` is cut (it repeats other posts), and bare reposts (转发微博 and the like) are dropped.
Texts that fall in the dev split of ``nlp.training.data.in_dev`` never enter the training lines: the
classifiers fine-tuned from the encoder are measured on that split, so the encoder has never read those texts.
A sample of them is kept apart to measure the masked-language loss on text the model has not seen.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from core.errors import InvalidInput
from nlp.text import clean
from nlp.training.data import in_dev

# What a repost says when its author wrote nothing (转发微博, Repost, 轉發微博 once simplified), with punctuation.
_BARE_REPOST = re.compile(r"^\s*(转发微博|转发|repost|轉發微博)?[\s。.!！~～]*$", re.IGNORECASE)
_QUOTED_CHAIN = re.compile(r"//\s*@.*$")
MIN_CHARS = 4             # shorter texts (哈哈, 顶) teach the encoder little
HELDOUT_SIZE = 2000       # dev-split texts kept to measure the loss on unseen text


@dataclass
class CorpusStats:
    rows_read: int = 0
    bare_reposts: int = 0
    too_short: int = 0
    duplicates: int = 0
    dev_texts: int = 0
    kept: int = 0
    characters: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def read_texts(path: str | Path) -> Iterator[str]:
    """The ``text`` column of a TSV file (``.gz`` is read compressed). Raises InvalidInput naming the file."""
    path = Path(path)
    try:
        raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")
    except OSError as error:
        raise InvalidInput(f"cannot read corpus file {path}: {error.strerror}", field="data") from None
    csv.field_size_limit(sys.maxsize)
    with raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header or "text" not in header:
            raise InvalidInput(f"corpus file {path}: the first line must be a header with a 'text' column",
                               field="data")
        at_text = header.index("text")
        for row in reader:
            if len(row) > at_text:
                yield row[at_text]


def pretraining_text(raw: str) -> str:
    """The text an encoder should read from one post, or "" when it says nothing of its own."""
    text = _QUOTED_CHAIN.sub("", raw)
    if _BARE_REPOST.match(text):
        return ""
    cleaned = clean(text)
    return cleaned.text if cleaned.readable else ""


def build_corpus(sources: Sequence[str | Path], train_file: Path, heldout_file: Path) -> CorpusStats:
    """Write the distinct training texts (one per line) and a held-out sample; returns what was kept and why
    the rest was not."""
    stats, seen, heldout = CorpusStats(), set(), []
    train_file.parent.mkdir(parents=True, exist_ok=True)
    with train_file.open("w", encoding="utf-8") as out:
        for source in sources:
            for raw in read_texts(source):
                stats.rows_read += 1
                text = pretraining_text(raw)
                if not text:
                    stats.bare_reposts += 1
                    continue
                if len(text) < MIN_CHARS:
                    stats.too_short += 1
                    continue
                key = hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()
                if key in seen:
                    stats.duplicates += 1
                    continue
                seen.add(key)
                if in_dev(text):
                    stats.dev_texts += 1
                    if len(heldout) < HELDOUT_SIZE:
                        heldout.append(text)
                    continue
                out.write(text.replace("\n", " ") + "\n")
                stats.kept += 1
                stats.characters += len(text)
    heldout_file.write_text("".join(t.replace("\n", " ") + "\n" for t in heldout), encoding="utf-8")
    return stats


def read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]
