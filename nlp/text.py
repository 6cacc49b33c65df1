"""Text clean-up shared by every analyser: HTML remnants, emoticons, length, and "is there anything to read".

Every analyser reads ``clean(text)`` so that bad input (empty, 100k characters, emoji only, HTML) yields
a neutral result with a reason instead of an exception.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

from core.text import strip_html

# Weibo emoticons such as [哈哈] or [怒]; the sentiment data was labelled from them, so models read text
# without them (the data README's regex).
EMOTICON = re.compile(r"\[[^\[\]]{1,6}\]")
_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")
_WORDISH = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

# One converter for the process: building it reads OpenCC's dictionaries (milliseconds); converting is
# thread-safe.
_TO_SIMPLIFIED = opencc.OpenCC("t2s")

# Beyond this many characters a post is cut before analysis: the head of a long page says what it is
# about, and the cost of every analyser stays bounded.
MAX_CHARS = 5000


@dataclass(frozen=True)
class CleanText:
    """Text ready for analysis, and why it may not be worth analysing."""

    text: str
    truncated: bool = False
    reason: str = ""          # non-empty when there is nothing to analyse (empty, emoji only, ...)

    @property
    def readable(self) -> bool:
        return not self.reason


def strip_emoticons(text: str) -> str:
    return EMOTICON.sub("", text)


def clean(text: object, *, keep_emoticons: bool = False, max_chars: int = MAX_CHARS) -> CleanText:
    """Normalise any input to analysable text. Never raises; ``reason`` says when nothing is readable."""
    if text is None:
        return CleanText("", reason="空文本")
    if not isinstance(text, str):
        text = str(text)
    # Every analyser cleans the same post once more; the cache makes the repeats free.
    return _clean(text, keep_emoticons, max_chars)


@lru_cache(maxsize=4096)
def _clean(text: str, keep_emoticons: bool, max_chars: int) -> CleanText:
    text = to_simplified(unicodedata.normalize("NFKC", text))
    if "<" in text or "&" in text:
        text = strip_html(text)
    if not keep_emoticons:
        text = strip_emoticons(text)
    text = _URL.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    if not text:
        return CleanText("", truncated, reason="空文本")
    if not _WORDISH.search(text):
        return CleanText(text, truncated, reason="无可分析的文字（仅表情或符号）")
    return CleanText(text, truncated)


def to_simplified(text: str) -> str:
    """Traditional Chinese converted to simplified (OpenCC's t2s, phrase by phrase: 乾隆 stays, 頭髮很乾 becomes
    头发很干), so that 渠縣二中 matches 渠县二中 and the models see the characters they were trained on."""
    try:
        return _TO_SIMPLIFIED.convert(text)
    except UnicodeEncodeError:
        # A lone surrogate (half an emoji from a broken JSON feed) has no UTF-8 form: it becomes "?".
        return _TO_SIMPLIFIED.convert(text.encode("utf-8", "replace").decode("utf-8"))
