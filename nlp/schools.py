"""The school gazetteer: which of the profile's schools a post is about, and why.

Names and ``aliases`` count on their own, unless another place is named right before them (成都文华小学 is
not ours). ``ambiguous_aliases`` such as 二中 count only when the post shows county context (a county alias,
a context term, a township) and never when another county or city is the nearest place named before them,
nor inside ordinary words (初二中午, 一小时, 第一小学 of another place; 一小贩 and 一小混混, where jieba's
ordinary dictionary reads a word across the alias's edge). A place whose name contains ours (石渠县 holds 渠县)
is another place: it neither names our schools (石渠县二中) nor gives county context.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba

from core.profile import Profile
from nlp.text import clean

PLACES_FILE = Path(__file__).with_name("data") / "places.txt"

# How far before an ambiguous alias (in characters) a named place decides whose school it is.
_PLACE_WINDOW = 14
# Characters that may stand right before a short alias without being part of another name.
_PREV_OK = set("的在到是和与及了从去对向为被把给将让这那该其本我你他她们家里称说来回上进找往据" "，。！？：；、“”‘’（）()《》【】「」 \n#@·-—…,.!?:;\"'")
# Right after an alias these begin an ordinary word, not a school (一小时, 初三中考, 二中午).
_NEXT_BAD = set("时午途间旬期部点些半步批组伙撮群把口片份块段会考全")
# Right before a numbered alias these make it a grade, an ordinal or a quantity (初二中, 第一小, 高三中).
_NUMBER_PREV_BAD = set("初高第周年大小十百千万零两几每个名位一二三四五六七八九0123456789")
_PLACE_SUFFIX = set("省市县区州镇乡")
# Characters either side of a numbered alias that ordinary segmentation looks at (一小贩, 一小混混).
_WORD_WINDOW = 6
_PLAIN_TOKENIZER = jieba.Tokenizer()      # jieba's own dictionary, without the county's school names
_PLAIN_READY = threading.Lock()


def _plain_words(text: str) -> list[tuple[int, int]]:
    """Spans of the words jieba's ordinary dictionary reads in ``text``."""
    with _PLAIN_READY:
        if not _PLAIN_TOKENIZER.initialized:
            _PLAIN_TOKENIZER.initialize()
    spans, at = [], 0
    for word in _PLAIN_TOKENIZER.cut(text, HMM=False):
        spans.append((at, at + len(word)))
        at += len(word)
    return spans


def inside_ordinary_word(body: str, start: int, end: int) -> bool:
    """True when an ordinary word runs across the edge of ``body[start:end]`` (一小贩: 小贩 starts inside 一小
    and ends after it), so the alias there is part of that word, not a school's name."""
    left = max(0, start - _WORD_WINDOW)
    for word_start, word_end in _plain_words(body[left:end + _WORD_WINDOW]):
        word_start, word_end = word_start + left, word_end + left
        if word_end - word_start >= 2 and (word_start < start < word_end or word_start < end < word_end):
            return True
    return False


@dataclass(frozen=True)
class SchoolMatch:
    """One mention of a school in a post."""

    school_id: str
    alias: str
    start: int
    end: int
    reason: str           # why it counts, for a reviewer


@dataclass(frozen=True)
class _Name:
    school_id: str
    text: str
    ambiguous: bool
    own_prefix: bool      # the name itself starts with the county's name (渠县二中): no other place can own it


def _read_places(path: Path) -> tuple[str, ...]:
    names: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        names.extend(part for part in line.split() if part)
    return tuple(names)


class SchoolMatcher:
    """Finds the profile's schools in text. Built once per profile; ``match`` never raises."""

    def __init__(self, profile: Profile, other_places: tuple[str, ...] | None = None):
        self.profile = profile
        self._county_names = tuple(dict.fromkeys((profile.county, *profile.county_aliases)))
        townships = [t for township in profile.townships for t in (township.name, *township.aliases)]
        self._own_places = tuple(dict.fromkeys((*self._county_names, *townships)))
        self._context = tuple(dict.fromkeys((*self._county_names, *profile.context_terms, *townships)))
        places = other_places if other_places is not None else _read_places(PLACES_FILE)
        city = profile.city.rstrip("市")
        # Our city is context for the county, but 达州二中 is the city's school, not ours.
        self._foreign = tuple(p for p in dict.fromkeys((*places, city, profile.city)) if p and p not in self._own_places)
        # Foreign places that contain one of our names (石渠县 contains 渠县): where they stand, ours is not named.
        shadowing = sorted((p for p in self._foreign if any(own in p for own in self._own_places)), key=len, reverse=True)
        self._shadow_pattern = re.compile("|".join(map(re.escape, shadowing))) if shadowing else None
        self._names = self._collect_names(profile)
        by_length = sorted({n.text for n in self._names}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, by_length))) if by_length else None
        self._by_text: dict[str, list[_Name]] = {}
        for name in self._names:
            self._by_text.setdefault(name.text, []).append(name)
        place_names = sorted({*self._own_places, *self._foreign}, key=len, reverse=True)
        self._place_pattern = re.compile("|".join(map(re.escape, place_names))) if place_names else None

    def _collect_names(self, profile: Profile) -> list[_Name]:
        names = []
        for school in profile.schools:
            for text in (school.name, *school.aliases):
                names.append(_Name(school.id, text, False, text.startswith(self._county_names)))
            for text in school.ambiguous_aliases:
                names.append(_Name(school.id, text, True, False))
        return names

    def match(self, text: str) -> list[SchoolMatch]:
        """Every counted mention, in text order."""
        body = clean(text).text
        if not body or self._pattern is None:
            return []
        shadows = self._shadows(body)
        has_context = any(term in _without(body, shadows) for term in self._context)
        found: list[SchoolMatch] = []
        for hit in self._pattern.finditer(body):
            if _overlaps(hit.start(), hit.end(), shadows):
                continue
            for name in self._by_text[hit.group()]:
                reason = self._judge(body, hit.start(), hit.end(), name, has_context)
                if reason:
                    found.append(SchoolMatch(name.school_id, name.text, hit.start(), hit.end(), reason))
        return found

    def _shadows(self, body: str) -> list[tuple[int, int]]:
        """Spans of foreign places whose names contain ours (石渠县)."""
        return [m.span() for m in self._shadow_pattern.finditer(body)] if self._shadow_pattern else []

    def school_ids(self, text: str) -> tuple[str, ...]:
        """The ids of the schools a post is about, in order of first mention, each once."""
        return tuple(dict.fromkeys(m.school_id for m in self.match(text)))

    def weak_school_ids(self, text: str) -> tuple[str, ...]:
        """Schools named only by an ambiguous alias in a post without county context (二小食堂的事):
        not counted as a match, but a hint that clustering may use to join an event of that school."""
        body = clean(text).text
        if not body or self._pattern is None:
            return ()
        found = []
        shadows = self._shadows(body)
        for hit in self._pattern.finditer(body):
            if _overlaps(hit.start(), hit.end(), shadows):
                continue
            for name in self._by_text[hit.group()]:
                if (name.ambiguous and self._clean_edges(body, hit.start(), hit.end(), name)
                        and not self._foreign_prefix(body[max(0, hit.start() - 8):hit.start()])
                        and not self._nearest_place_is_foreign(body, hit.start())):
                    found.append(name.school_id)
        return tuple(dict.fromkeys(found))

    def _judge(self, body: str, start: int, end: int, name: _Name, has_context: bool) -> str:
        """Why this mention counts, or '' when it does not."""
        if name.own_prefix:
            return f"校名「{name.text}」"
        before = body[max(0, start - 8):start]
        if self._foreign_prefix(before):
            return ""
        if not name.ambiguous:
            if self._nearest_place_is_foreign(body, start) and not has_context:
                return ""
            return f"校名或别称「{name.text}」"
        if not has_context or not self._clean_edges(body, start, end, name):
            return ""
        if self._nearest_place_is_foreign(body, start):
            return ""
        return f"简称「{name.text}」，且文中有本县语境"

    def _foreign_prefix(self, before: str) -> bool:
        """True when the text right before a name is another place (营山, 达州市, 某某县)."""
        if not before:
            return False
        if before.endswith(self._own_places):
            return False
        if before.endswith(self._foreign):
            return True
        return before[-1] in _PLACE_SUFFIX and len(before) >= 2 and "\u4e00" <= before[-2] <= "\u9fff"

    def _clean_edges(self, body: str, start: int, end: int, name: _Name) -> bool:
        """An ambiguous alias must stand as a word of its own, not inside 初二中午 or 一小时."""
        prev = body[start - 1] if start else ""
        nxt = body[end] if end < len(body) else ""
        if prev and prev not in _PREV_OK and not body[:start].endswith(self._own_places):
            return False
        if nxt and nxt in _NEXT_BAD:
            return False
        numbered = name.text[0] in "一二三四五六七八九十"
        if numbered and prev in _NUMBER_PREV_BAD:
            return False
        if numbered and nxt == "学" and not body.startswith("学校", end):
            return False     # 一小学生 is "a pupil"; 二中学校 is the school
        if numbered and inside_ordinary_word(body, start, end):
            return False     # 一小贩, 一小混混: "a" vendor, "a" thug
        return True

    def _nearest_place_is_foreign(self, body: str, start: int) -> bool:
        if self._place_pattern is None:
            return False
        window = body[max(0, start - _PLACE_WINDOW):start]
        last = None
        for hit in self._place_pattern.finditer(window):
            last = hit.group()
        return last is not None and last in self._foreign


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _without(body: str, spans: list[tuple[int, int]]) -> str:
    """The text with these spans blanked out (offsets kept)."""
    for s, e in spans:
        body = body[:s] + " " * (e - s) + body[e:]
    return body
