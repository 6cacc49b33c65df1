"""Distant sentiment labels: posts of the Weibo cascades labelled by their own emoticons, the way weibo_senti_100k
was made, and written with the emoticons removed (the classifiers must read the words, not the emoticons).

A post whose own text (the quoted repost chain after ``//@`` cut) carries only positive emoticons is label 1,
only negative ones label 0; mixed or none: not labelled. Texts are cleaned as the classifiers read them,
deduplicated, and every text of the dev split (``nlp.training.data.in_dev``, and any text given in ``exclude``:
the dev split of another labelled file) is left out, so the figures measured there stay held out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from nlp.text import EMOTICON
from nlp.training.corpus import MIN_CHARS, pretraining_text, read_texts
from nlp.training.data import in_dev

# Weibo's emoticons whose meaning is plain; ambiguous ones ([微笑] is often sarcastic, [doge], [汗]) are not used.
POSITIVE = frozenset("[哈哈] [嘻嘻] [爱你] [心] [鼓掌] [赞] [good] [太开心] [偷笑] [可爱] [亲亲] [耶] [给力] [威武] "
                     "[笑哈哈] [花心] [挤眼] [酷] [礼物] [蛋糕] [愛你] [好爱哦] [开心] [羞嗒嗒] [憧憬]".split())
NEGATIVE = frozenset("[怒] [泪] [衰] [抓狂] [哼] [鄙视] [伤心] [悲伤] [失望] [怒骂] [吐] [委屈] [可怜] [弱] "
                     "[左哼哼] [右哼哼] [生病] [晕] [崩溃] [泪流满面] [愤怒] [淚] [鄙視] [傷心]".split())
_QUOTED_CHAIN = re.compile(r"//\s*@.*$")


@dataclass
class DistantStats:
    posts: int = 0
    positive: int = 0
    negative: int = 0
    mixed: int = 0
    held_out: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def emoticon_label(raw: str) -> int | None:
    """1 when the post's own text has only positive emoticons, 0 only negative, None otherwise."""
    found = set(EMOTICON.findall(_QUOTED_CHAIN.sub("", raw)))
    positive, negative = bool(found & POSITIVE), bool(found & NEGATIVE)
    if positive == negative:
        return None if not positive else -1
    return 1 if positive else 0


def write_distant_labels(sources: Sequence[str | Path], out: Path, exclude: Iterable[str] = ()) -> DistantStats:
    """A label/text TSV of the emoticon-labelled posts of ``sources`` (TSV with a ``text`` column)."""
    stats, seen = DistantStats(), {_key(pretraining_text(t)) for t in exclude}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        handle.write("label\ttext\n")
        for source in sources:
            for raw in read_texts(source):
                label = emoticon_label(raw)
                if label is None:
                    continue
                stats.posts += 1
                if label == -1:
                    stats.mixed += 1
                    continue
                text = pretraining_text(raw)
                if len(text) < MIN_CHARS or in_dev(text):
                    stats.held_out += 1
                    continue
                key = _key(text)
                if key in seen:
                    stats.duplicates += 1
                    continue
                seen.add(key)
                handle.write(f"{label}\t{text.replace(chr(9), ' ')}\n")
                stats.positive += label
                stats.negative += 1 - label
    return stats


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()
