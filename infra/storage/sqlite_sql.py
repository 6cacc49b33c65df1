"""The SQL of the embedded post store: the schema, and a ``PostQuery`` turned into a WHERE clause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from core.storage import PostQuery
from infra.storage.common import micros

SCHEMA_VERSION = 3

# The column order of every row the store writes and reads; id comes first so that rows key themselves.
COLUMNS = ("id", "rid", "source", "platform", "url", "published_us", "fetched_us", "title", "text", "author",
           "reposts", "comments", "likes", "raw", "page", "capture_method", "copies", "enrichment",
           "model_version", "sentiment", "sentiment_label", "rumour_score", "event_id", "segmenter")

SCHEMA = """
CREATE TABLE posts (
    rid INTEGER PRIMARY KEY,                 -- the FTS rowid; kept when a post is replaced
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL, platform TEXT NOT NULL, url TEXT NOT NULL,
    published_us INTEGER NOT NULL,           -- microseconds since the epoch, UTC
    fetched_us INTEGER NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, author TEXT NOT NULL,
    reposts INTEGER NOT NULL, comments INTEGER NOT NULL, likes INTEGER NOT NULL,
    raw TEXT, page TEXT, capture_method TEXT NOT NULL, copies TEXT,
    enrichment TEXT,                         -- JSON; NULL until the NLP worker has seen the post
    model_version TEXT, sentiment REAL, sentiment_label TEXT, rumour_score REAL, event_id TEXT,
    segmenter TEXT NOT NULL DEFAULT ''       -- the version of the segmenter that cut the post's FTS terms
);
-- Time order for pages, and (covering platform and source) the scan that beats per-row lookups when a
-- search word occurs in a large share of the posts.
CREATE INDEX posts_scan ON posts (published_us DESC, id, platform, source);
CREATE INDEX posts_by_fetch ON posts (fetched_us, id);
CREATE INDEX posts_by_event ON posts (event_id) WHERE event_id IS NOT NULL;
-- Finds the posts a reindex must re-segment without reading every row.
CREATE INDEX posts_by_segmenter ON posts (segmenter);
CREATE TABLE post_schools (rid INTEGER NOT NULL, school TEXT NOT NULL, PRIMARY KEY (school, rid)) WITHOUT ROWID;
CREATE INDEX post_schools_by_post ON post_schools (rid);
CREATE TABLE post_incidents (rid INTEGER NOT NULL, incident_type TEXT NOT NULL,
                             PRIMARY KEY (incident_type, rid)) WITHOUT ROWID;
CREATE INDEX post_incidents_by_post ON post_incidents (rid);
-- The title and text, segmented by jieba and joined by spaces; unicode61 splits on the spaces.
CREATE VIRTUAL TABLE posts_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 0');
"""

# How a store at schema version N (the key) moves to N + 1.
MIGRATIONS = {
    1: "DROP INDEX posts_by_time; CREATE INDEX posts_scan ON posts (published_us DESC, id, platform, source);",
    # Posts stored before segmenter versions were recorded were cut by plain jieba, the unnamed version ''.
    2: "ALTER TABLE posts ADD COLUMN segmenter TEXT NOT NULL DEFAULT ''; "
       "CREATE INDEX posts_by_segmenter ON posts (segmenter);",
}

# A search word matching at least this share of all posts makes the time-index scan cheaper than looking up
# every matching post (measured at 100,000 posts: ~4x faster for a word in 80% of posts).
SCAN_SHARE = 0.1

_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US


def time_bucket_sql(by: str) -> str:
    """The bucket start of ``p.published_us`` (floor division that also holds before 1970)."""
    size = _HOUR_US if by == "hour" else _DAY_US
    return f"(p.published_us - ((p.published_us % {size}) + {size}) % {size})"


def fts_match(terms: Sequence[str]) -> str | None:
    """An FTS5 query in which every term must occur; each term is quoted, so nothing in it is syntax."""
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Where:
    """The conditions of a query on ``posts p``; the full-text match is kept apart because relevance
    sorting joins the FTS table instead of filtering through it."""

    conditions: list[str]
    params: list[Any]
    match: str | None
    empty_text: bool = False     # the text had no searchable word: nothing can match
    scan: bool = False           # walk the time index and test FTS membership (set by the store's planner)

    @classmethod
    def of(cls, query: PostQuery, match: str | None, empty_text: bool = False) -> "Where":
        where = cls([], [], match, empty_text)
        if query.since is not None:
            where.add("p.published_us >= ?", micros(query.since))
        if query.until is not None:
            where.add("p.published_us < ?", micros(query.until))
        where.any_of("p.platform", query.platforms)
        where.any_of("p.source", query.sources)
        where.linked("post_schools", "school", query.schools)
        where.linked("post_incidents", "incident_type", query.incident_types)
        if query.sentiment_below is not None:
            where.add("p.sentiment < ?", float(query.sentiment_below))
        if query.sentiment_at_least is not None:
            where.add("p.sentiment >= ?", float(query.sentiment_at_least))
        if query.rumour_at_least is not None:
            where.add("p.rumour_score >= ?", float(query.rumour_at_least))
        if query.event_id is not None:
            where.add("p.event_id = ?", query.event_id)
        return where

    @property
    def narrows_by_index(self) -> bool:
        """Whether a condition can be checked inside the ``posts_scan`` index."""
        return any(c.startswith(("p.published_us", "p.platform", "p.source")) for c in self.conditions)

    def from_sql(self) -> str:
        return " FROM posts p INDEXED BY posts_scan" if self.scan else " FROM posts p"

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    def any_of(self, column: str, values: tuple[str, ...]) -> None:
        if values:
            self.add(f"{column} IN ({','.join('?' * len(values))})", *values)

    def linked(self, table: str, column: str, values: tuple[str, ...]) -> None:
        if values:
            self.add(f"EXISTS (SELECT 1 FROM {table} k WHERE k.rid = p.rid AND k.{column} IN "
                     f"({','.join('?' * len(values))}))", *values)

    @property
    def has_conditions(self) -> bool:
        return bool(self.conditions) or self.match is not None

    def sql(self, with_match: bool) -> str:
        conditions = list(self.conditions)
        if with_match and self.match:
            conditions.insert(0, "p.rid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def and_sql(self) -> str:
        return "".join(" AND " + c for c in self.conditions)

    def all_params(self) -> list[Any]:
        return ([self.match] if self.match else []) + self.params
