"""The SQL of the embedded post store: the schema and its migrations, post keys, index facets, and a
``PostQuery`` turned into a plan (an FTS5 match with a key range, and the conditions left for ``posts``).

Why the layout looks as it does (measured at 1,000,000 posts, see README "Storage"):
- A post's key ``rid`` is its publication time in microseconds times ``KEY_SPREAD`` plus a serial number, and the
  full-text row has the same key. So a time window is a key range, which FTS5 reads without touching the rest
  of a word's postings, and FTS5 returns matches newest first without sorting them.
- The full-text table has a second column, ``facets``: one token per platform, source, school and incident type
  of the post. A search with words (or schools, incident types) and such filters is answered inside FTS5; only
  the score filters (sentiment, rumour, event) need the posts' rows.
- Small columns come first in ``posts`` and the payload last, so reading a filter column never follows a row's
  overflow pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from core.storage import PostQuery
from infra.storage.common import micros

SCHEMA_VERSION = 5

# A post's key is published_us * KEY_SPREAD + n (n < KEY_SPREAD counts posts of the same microsecond); it fits
# SQLite's 64-bit rowid for publication times between the years 1685 and 2255.
KEY_SPREAD = 1024
KEY_MIN, KEY_MAX = -(2 ** 63), 2 ** 63 - 1
PUBLISHED_MIN_US, PUBLISHED_MAX_US = KEY_MIN // KEY_SPREAD + 1, KEY_MAX // KEY_SPREAD - 1

# The column order of every row the store writes and reads; id comes first so that rows key themselves.
COLUMNS = ("id", "rid", "source", "platform", "url", "published_us", "fetched_us", "title", "text", "author",
           "reposts", "comments", "likes", "raw", "page", "capture_method", "copies", "enrichment",
           "model_version", "sentiment", "sentiment_label", "rumour_score", "event_id", "segmenter", "parent_id",
           "relation")

_POSTS = """CREATE TABLE {name} (
    rid INTEGER PRIMARY KEY,                 -- published_us * KEY_SPREAD + n; also the FTS rowid
    id TEXT NOT NULL UNIQUE,
    published_us INTEGER NOT NULL,           -- microseconds since the epoch, UTC
    fetched_us INTEGER NOT NULL,
    source TEXT NOT NULL, platform TEXT NOT NULL,
    model_version TEXT, sentiment REAL, sentiment_label TEXT, rumour_score REAL, event_id TEXT,
    segmenter TEXT NOT NULL DEFAULT '',      -- the version of the segmenter that cut the post's FTS terms
    reposts INTEGER NOT NULL, comments INTEGER NOT NULL, likes INTEGER NOT NULL,
    url TEXT NOT NULL, author TEXT NOT NULL, capture_method TEXT NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL,
    enrichment TEXT,                         -- JSON; NULL until the NLP worker has seen the post
    copies TEXT, raw TEXT, page TEXT,
    parent_id TEXT, relation TEXT NOT NULL DEFAULT ''
);
"""
_KEYWORDS = """CREATE TABLE {schools} (rid INTEGER NOT NULL, school TEXT NOT NULL, PRIMARY KEY (school, rid))
    WITHOUT ROWID;
CREATE TABLE {incidents} (rid INTEGER NOT NULL, incident_type TEXT NOT NULL, PRIMARY KEY (incident_type, rid))
    WITHOUT ROWID;
"""
# terms: the title and text as the segmenter cut them, joined by spaces (unicode61 splits on the spaces);
# facets: the post's filter values as single tokens. Relevance (bm25) weighs the terms only.
_FTS = """CREATE VIRTUAL TABLE {name} USING fts5 (terms, facets, tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO {name} ({name}, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
"""
_INDEXES = """
CREATE INDEX posts_scan ON posts (published_us DESC, id, platform, source);    -- pages of posts without words
CREATE INDEX posts_by_fetch ON posts (fetched_us, id);
CREATE INDEX posts_by_event ON posts (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX posts_by_segmenter ON posts (segmenter);   -- finds what a reindex must cut again
CREATE INDEX posts_by_parent ON posts (parent_id) WHERE parent_id IS NOT NULL;    -- a source's reactions
CREATE INDEX post_schools_by_post ON post_schools (rid);
CREATE INDEX post_incidents_by_post ON post_incidents (rid);
"""

SCHEMA = (_POSTS.format(name="posts") + _KEYWORDS.format(schools="post_schools", incidents="post_incidents")
          + _FTS.format(name="posts_fts") + _INDEXES)

# The facets of a stored post, as SQL over a version-3 store (the same tokens as ``facets()``).
_OLD_FACETS = ("'pl' || lower(hex(p.platform)) || ' so' || lower(hex(p.source))"
               " || coalesce((SELECT ' ' || group_concat('sc' || lower(hex(s.school)), ' ')"
               " FROM post_schools s WHERE s.rid = p.rid), '')"
               " || coalesce((SELECT ' ' || group_concat('in' || lower(hex(i.incident_type)), ' ')"
               " FROM post_incidents i WHERE i.rid = p.rid), '')")

# The columns of a version-4 store (the version 3 to 4 migration copies these).
_V4_COLUMNS = COLUMNS[:COLUMNS.index("parent_id")]
_V4_INDEXES = "\n".join(line for line in _INDEXES.splitlines() if "posts_by_parent" not in line)
_V4_POSTS = _POSTS.replace("copies TEXT, raw TEXT, page TEXT,", "copies TEXT, raw TEXT, page TEXT").split(
    "    parent_id TEXT,")[0] + ");\n"     # parent_id: the post a reaction reacts to (Post.parent_id)

# Version 3 to 4: every post gets its time key and its full-text row gains the facets; terms are copied, not
# cut again. Posts of one microsecond are numbered by id.
_TO_TIME_KEYS = ("CREATE TEMP TABLE rekey (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
                 f"INSERT INTO rekey SELECT rid, published_us * {KEY_SPREAD} + "
                 "row_number() OVER (PARTITION BY published_us ORDER BY id) - 1 FROM posts;"
                 + _V4_POSTS.format(name="posts_v4") +
                 f"INSERT INTO posts_v4 ({', '.join(_V4_COLUMNS)}) SELECT "
                 + ", ".join("k.new" if c == "rid" else f"p.{c}" for c in _V4_COLUMNS) +
                 " FROM posts p JOIN rekey k ON k.old = p.rid;"
                 + _KEYWORDS.format(schools="post_schools_v4", incidents="post_incidents_v4") +
                 "INSERT INTO post_schools_v4 SELECT k.new, s.school FROM post_schools s JOIN rekey k ON k.old = s.rid;"
                 "INSERT INTO post_incidents_v4 SELECT k.new, i.incident_type FROM post_incidents i "
                 "JOIN rekey k ON k.old = i.rid;"
                 + _FTS.format(name="posts_fts_v4") +
                 f"INSERT INTO posts_fts_v4 (rowid, terms, facets) SELECT k.new, f.terms, {_OLD_FACETS} "
                 "FROM posts p JOIN rekey k ON k.old = p.rid JOIN posts_fts f ON f.rowid = p.rid;"
                 "DROP TABLE posts_fts; DROP TABLE post_schools; DROP TABLE post_incidents; DROP TABLE posts;"
                 "DROP TABLE rekey;"
                 "ALTER TABLE posts_v4 RENAME TO posts; ALTER TABLE post_schools_v4 RENAME TO post_schools;"
                 "ALTER TABLE post_incidents_v4 RENAME TO post_incidents; ALTER TABLE posts_fts_v4 RENAME TO posts_fts;"
                 + _V4_INDEXES)

# How a store at schema version N (the key) moves to N + 1.
MIGRATIONS = {
    1: "DROP INDEX posts_by_time; CREATE INDEX posts_scan ON posts (published_us DESC, id, platform, source);",
    # Posts stored before segmenter versions were recorded were cut by plain jieba, the unnamed version ''.
    2: "ALTER TABLE posts ADD COLUMN segmenter TEXT NOT NULL DEFAULT ''; "
       "CREATE INDEX posts_by_segmenter ON posts (segmenter);",
    3: _TO_TIME_KEYS,
    # Reactions name their parent (Post.parent_id, Post.relation); posts stored before are posts of their own.
    4: "ALTER TABLE posts ADD COLUMN parent_id TEXT; ALTER TABLE posts ADD COLUMN relation TEXT NOT NULL DEFAULT ''; "
       "CREATE INDEX IF NOT EXISTS posts_by_parent ON posts (parent_id) WHERE parent_id IS NOT NULL;",
}

_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US


def time_bucket_sql(by: str) -> str:
    """The bucket start of ``p.published_us`` (floor division that also holds before 1970)."""
    size = _HOUR_US if by == "hour" else _DAY_US
    return f"(p.published_us - ((p.published_us % {size}) + {size}) % {size})"


def key_floor(published_us: int) -> int:
    """The smallest key of a post published at ``published_us`` (clamped to the key range)."""
    return max(KEY_MIN, min(KEY_MAX, published_us * KEY_SPREAD))


def published_of_key(rid: int) -> int:
    return rid // KEY_SPREAD


def facets(platform: str, source: str, schools: Iterable[str] = (), incident_types: Iterable[str] = ()) -> str:
    """The facet tokens of a post: a kind prefix and the value's UTF-8 bytes in hex, so that every value is
    exactly one token whatever characters it has."""
    return " ".join([_facet("pl", platform), _facet("so", source),
                     *(_facet("sc", s) for s in dict.fromkeys(schools)),
                     *(_facet("in", t) for t in dict.fromkeys(incident_types))])


def _facet(kind: str, value: str) -> str:
    return kind + value.encode("utf-8").hex()


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Plan:
    """How one query runs. With ``match`` (words, schools or incident types asked for) it is answered from
    the full-text table within the key range ``keys``, joined to ``posts p`` only for ``conditions``; without,
    ``conditions`` select from ``posts p`` alone."""

    match: str | None
    keys: tuple[int, int] = (KEY_MIN, KEY_MAX)     # FTS rowids from (inclusive) to (exclusive)
    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    has_text: bool = False
    empty: bool = False          # the text had no searchable word: nothing can match

    @classmethod
    def of(cls, query: PostQuery, terms: Sequence[str], empty_text: bool = False) -> "Plan":
        facet_groups = [[_facet("sc", s) for s in query.schools], [_facet("in", t) for t in query.incident_types]]
        if not terms and not any(facet_groups):
            return cls._posts_only(query, empty_text)
        facet_groups += [[_facet("pl", p) for p in query.platforms], [_facet("so", s) for s in query.sources]]
        parts = [f'terms : "{_quoted(term)}"' for term in terms]
        parts += ["(" + " OR ".join(f"facets : {token}" for token in group) + ")" for group in facet_groups if group]
        since = key_floor(micros(query.since)) if query.since is not None else KEY_MIN
        until = key_floor(micros(query.until)) if query.until is not None else KEY_MAX
        plan = cls(" AND ".join(parts), (since, until), has_text=bool(terms), empty=empty_text)
        plan._scores(query)
        return plan

    @classmethod
    def _posts_only(cls, query: PostQuery, empty_text: bool) -> "Plan":
        plan = cls(None, empty=empty_text)
        if query.since is not None:
            plan.add("p.published_us >= ?", micros(query.since))
        if query.until is not None:
            plan.add("p.published_us < ?", micros(query.until))
        for column, values in (("p.platform", query.platforms), ("p.source", query.sources)):
            if values:
                plan.add(f"{column} IN ({','.join('?' * len(values))})", *values)
        plan._scores(query)
        return plan

    def _scores(self, query: PostQuery) -> None:
        if query.sentiment_below is not None:
            self.add("p.sentiment < ?", float(query.sentiment_below))
        if query.sentiment_at_least is not None:
            self.add("p.sentiment >= ?", float(query.sentiment_at_least))
        if query.rumour_at_least is not None:
            self.add("p.rumour_score >= ?", float(query.rumour_at_least))
        if query.event_id is not None:
            self.add("p.event_id = ?", query.event_id)
        if query.parent_ids:
            self.add(f"p.parent_id IN ({','.join('?' * len(query.parent_ids))})", *query.parent_ids)

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    def source_sql(self, join: str = "", extra: Sequence[str] = ()) -> str:
        """FROM and WHERE over ``posts p`` (joined to its full-text row ``f`` when there is a match), with
        ``join`` after the posts and ``extra`` conditions (without parameters) after the plan's."""
        conditions = [*self.conditions, *extra]
        if self.match is None:
            return f" FROM posts p{join}" + (" WHERE " + " AND ".join(conditions) if conditions else "")
        return (f" FROM posts_fts f JOIN posts p ON p.rid = f.rowid{join} WHERE f.posts_fts MATCH ? AND f.rowid >= ?"
                " AND f.rowid < ?" + "".join(" AND " + c for c in conditions))

    def source_params(self) -> list[Any]:
        return ([self.match, *self.keys] if self.match is not None else []) + self.params

    def fts_sql(self, columns: str) -> str:
        """SELECT ``columns`` of the matches; with nothing to check in ``posts`` it never leaves the full-text
        table (then ``columns`` may name only ``f``). Parameters: ``source_params``."""
        if self.conditions:
            return f"SELECT {columns}" + self.source_sql()
        return f"SELECT {columns} FROM posts_fts f WHERE f.posts_fts MATCH ? AND f.rowid >= ? AND f.rowid < ?"

    def count_sql(self) -> tuple[str, list[Any]]:
        if self.match is not None:
            return self.fts_sql("count(*)"), self.source_params()
        return "SELECT count(*)" + self.source_sql(), self.source_params()


def _quoted(term: str) -> str:
    return term.replace('"', '""')
