"""Chinese word segmentation: jieba with a user dictionary generated from the county profile.

School names, aliases, townships and local terms are added as whole words so that 渠县二中 or 三汇镇 are
one token for full-text search and for the analysers, not 渠/县/二/中. ``make_segmenter(profile)`` is the
callable the storage backends take as ``segment=``.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterable

import jieba

from core.profile import Profile
from nlp.text import clean

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

# A high frequency makes jieba keep the whole name even next to common characters.
_USER_WORD_FREQ = 200000


def profile_terms(profile: Profile) -> list[str]:
    """Every word the profile makes local: schools, aliases, townships, county names, local terms."""
    terms: list[str] = [profile.county, profile.city, *profile.county_aliases, *profile.context_terms,
                        *profile.local_terms]
    for school in profile.schools:
        terms.extend(school.all_names)
    for township in profile.townships:
        terms.extend((township.name, *township.aliases))
    seen: dict[str, None] = {}
    for term in terms:
        term = term.strip()
        if len(term) >= 2 and " " not in term:
            seen.setdefault(term, None)
    return list(seen)


def user_dictionary(profile: Profile) -> str:
    """The user dictionary in jieba's file format (``word freq``), e.g. to inspect or ship it."""
    return "".join(f"{term} {_USER_WORD_FREQ}\n" for term in profile_terms(profile))


class Segmenter:
    """Splits text into words. Thread-safe; its jieba dictionary is its own, not jieba's global one."""

    def __init__(self, extra_words: Iterable[str] = ()):
        self._tokenizer = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._words = list(dict.fromkeys(w for w in extra_words if w))
        self._ready = False

    def _initialise(self) -> None:
        # jieba loads its dictionary lazily (about a second); do it once, under the lock.
        with self._lock:
            if self._ready:
                return
            self._tokenizer.initialize()
            for word in self._words:
                self._tokenizer.add_word(word, _USER_WORD_FREQ)
            self._ready = True

    def __call__(self, text: str, hmm: bool = True) -> list[str]:
        """The words of ``text`` (whitespace dropped); [] for empty or unreadable input. Never raises.
        ``hmm=False`` skips jieba's guessing of unknown words: faster, enough for comparing posts."""
        if not self._ready:
            self._initialise()
        cleaned = clean(text, keep_emoticons=True)
        if not cleaned.text:
            return []
        return [w for w in self._tokenizer.cut(cleaned.text, HMM=hmm) if w.strip()]

    def joined(self, text: str) -> str:
        """Words separated by single spaces: the form a full-text index stores."""
        return " ".join(self(text))


def make_segmenter(profile: Profile) -> Segmenter:
    """A segmenter that knows the profile's schools, townships and local terms."""
    return Segmenter(profile_terms(profile))
