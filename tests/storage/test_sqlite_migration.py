"""An embedded store written by an earlier yuqing opens in this one: its posts are moved to the current
layout in place (time keys, facets in the full-text table) without cutting their text again, and every
query answers as on a new store."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from infra.storage.common import Terms
from infra.storage.sqlite import SqlitePostStore, _row
from infra.storage.sqlite_sql import SCHEMA_VERSION
from tests.storage.posts import POSTS
from tests.storage.test_queries import assert_answers_every_query

# The schema of version 2, as yuqing wrote it; version 1 had another time index, version 3 added a column.
V2_SCHEMA = """
CREATE TABLE posts (
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL, platform TEXT NOT NULL, url TEXT NOT NULL,
    published_us INTEGER NOT NULL, fetched_us INTEGER NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, author TEXT NOT NULL,
    reposts INTEGER NOT NULL, comments INTEGER NOT NULL, likes INTEGER NOT NULL,
    raw TEXT, page TEXT, capture_method TEXT NOT NULL, copies TEXT, enrichment TEXT,
    model_version TEXT, sentiment REAL, sentiment_label TEXT, rumour_score REAL, event_id TEXT
);
CREATE INDEX posts_scan ON posts (published_us DESC, id, platform, source);
CREATE INDEX posts_by_fetch ON posts (fetched_us, id);
CREATE INDEX posts_by_event ON posts (event_id) WHERE event_id IS NOT NULL;
CREATE TABLE post_schools (rid INTEGER NOT NULL, school TEXT NOT NULL, PRIMARY KEY (school, rid)) WITHOUT ROWID;
CREATE INDEX post_schools_by_post ON post_schools (rid);
CREATE TABLE post_incidents (rid INTEGER NOT NULL, incident_type TEXT NOT NULL,
                             PRIMARY KEY (incident_type, rid)) WITHOUT ROWID;
CREATE INDEX post_incidents_by_post ON post_incidents (rid);
CREATE VIRTUAL TABLE posts_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 0');
"""


def old_store(path, version: int, segmenter) -> None:
    """A store file of ``version`` holding every fixture post, rows numbered in arrival order as before."""
    schema = V2_SCHEMA
    if version == 1:
        schema = schema.replace("CREATE INDEX posts_scan ON posts (published_us DESC, id, platform, source)",
                                "CREATE INDEX posts_by_time ON posts (published_us DESC, id)")
    if version == 3:
        schema += ("ALTER TABLE posts ADD COLUMN segmenter TEXT NOT NULL DEFAULT '';"
                   "CREATE INDEX posts_by_segmenter ON posts (segmenter);")
    terms = Terms(segmenter)
    with sqlite3.connect(path) as con:
        con.executescript(schema)
        columns = 24 if version == 3 else 23
        for rid, post in enumerate(POSTS, start=1):
            con.execute(f"INSERT INTO posts VALUES ({','.join('?' * columns)})",
                        _reordered(_row(rid, post))[:columns])
            con.execute("INSERT INTO posts_fts (rowid, terms) VALUES (?, ?)", (rid, terms.of(post.title, post.text)))
            for school in post.enrichment.schools if post.enrichment else ():
                con.execute("INSERT INTO post_schools VALUES (?, ?)", (rid, school))
            for kind in post.enrichment.incident_types if post.enrichment else ():
                con.execute("INSERT INTO post_incidents VALUES (?, ?)", (rid, kind))
        con.execute(f"PRAGMA user_version = {version}")


def _reordered(row: tuple) -> tuple:
    """A row of the store's COLUMNS in the old tables' column order (rid first, then id)."""
    return (row[1], row[0], *row[2:])


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_old_store_is_migrated_in_place_and_answers_like_a_new_one(tmp_path, version, segmenter):
    path = tmp_path / f"v{version}.db"
    old_store(path, version, segmenter)
    with SqlitePostStore(path, segment=segmenter) as store:
        assert_answers_every_query(store)
        assert not store.needs_reindex
        store.upsert_many(POSTS[:1])
        assert store.count() == len(POSTS)
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    assert {"posts_scan", "posts_by_segmenter", "posts_fts"} <= names and "posts_by_time" not in names
    with SqlitePostStore(path, segment=segmenter, segmenter_version="county-1") as store:
        assert store.needs_reindex       # the old posts were cut by plain jieba, the unnamed version


def test_a_version_4_store_gains_the_reaction_columns_and_keeps_its_posts(tmp_path, segmenter):
    path = tmp_path / "v4.db"
    with SqlitePostStore(path, segment=segmenter) as store:
        store.upsert_many(POSTS)
    with sqlite3.connect(path) as con:
        con.executescript("DROP INDEX posts_by_parent; ALTER TABLE posts DROP COLUMN relation;"
                          "ALTER TABLE posts DROP COLUMN parent_id; PRAGMA user_version = 4;")
    with SqlitePostStore(path, segment=segmenter) as store:
        assert_answers_every_query(store)
        assert store.get(POSTS[0].id).parent_id is None
        reaction = replace(POSTS[1], id="weibo:7001", parent_id=POSTS[0].id, relation="comment")
        store.upsert_many([reaction])
        assert store.get("weibo:7001").relation == "comment"
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
