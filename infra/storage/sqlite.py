"""The embedded post store: one SQLite file in WAL mode, FTS5 over jieba-segmented text.

It keeps every promise of ``core.storage.PostStore``. One connection serves the process (behind a lock,
so Streamlit's threads may share it); writes run in one ``BEGIN IMMEDIATE`` transaction each, so a failed
batch leaves nothing half-written, and a reader never sees a partial batch.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from core.errors import StorageUnavailable, VersionMismatch
from core.post import Enrichment, Post
from core.storage import Bucket, GroupBy, PostQuery, SearchPage, SortOrder, UpsertReport
from infra.storage import common
from infra.storage.sqlite_file import retry_when_locked
from infra.storage.sqlite_sql import (COLUMNS, MIGRATIONS, SCAN_SHARE, SCHEMA, SCHEMA_VERSION, Where, chunks,
                                      fts_match, time_bucket_sql)

_INSERT = f"INSERT OR REPLACE INTO posts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_FIELDS = "SELECT " + ", ".join(f"p.{c}" for c in COLUMNS)
_SELECT = _FIELDS + " FROM posts p"
_REINDEX_BATCH = 500     # posts re-segmented per write transaction
_GROUP_COLUMNS = {"platform": "platform", "source": "source", "sentiment_label": "sentiment_label",
                  "event": "event_id"}


class SqlitePostStore:
    """Posts in one SQLite file. ``segment`` splits Chinese text into words (jieba's search mode when
    None); pass the NLP segmenter with the county's user dictionary so that school names stay whole, and
    its fingerprint as ``segmenter_version``: every post records the version that cut its index terms."""

    def __init__(self, path: str | Path, segment: common.Segmenter | None = None, *, clock=None,
                 segmenter_version: str = ""):
        self.path = Path(path)
        self._terms = common.Terms(segment)
        self.segmenter_version = segmenter_version
        self._clock = clock
        self._lock = threading.RLock()
        # When a search word is common enough to scan the time index instead (see sqlite_sql.SCAN_SHARE).
        self.scan_share, self.scan_min_matches = SCAN_SHARE, 1_000
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            retry_when_locked(lambda: self._con.execute("PRAGMA journal_mode=WAL"))
            # NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
            # last commits, which a re-crawl brings back.
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._con.execute("PRAGMA temp_store=MEMORY")
            self._con.execute("PRAGMA cache_size=-65536")
            self._migrate()
        except (sqlite3.Error, OSError) as error:
            raise StorageUnavailable(f"cannot open the post store {self.path}: {error}") from error

    def _migrate(self) -> None:
        version = self._user_version()
        while version == 0 or (version in MIGRATIONS and version < SCHEMA_VERSION):
            script, target = (SCHEMA, SCHEMA_VERSION) if version == 0 else (MIGRATIONS[version], version + 1)
            try:
                with self._write() as con:
                    retry_when_locked(lambda: _run_script(con, "BEGIN IMMEDIATE;" + script +
                                                          f"PRAGMA user_version = {target};COMMIT;"))
            except StorageUnavailable:
                # Several processes (crawls started together) may open a new file at once: the one that
                # lost the race finds the schema already written by the winner and goes on from there.
                if self._user_version() == version:
                    raise
            version = self._user_version()
        if version != SCHEMA_VERSION:
            raise VersionMismatch(f"the post store {self.path} has schema version {version}; this yuqing needs "
                                  f"version {SCHEMA_VERSION} (use a new sqlite_path or the matching yuqing)")

    def _user_version(self) -> int:
        return retry_when_locked(lambda: self._con.execute("PRAGMA user_version").fetchone()[0])

    # --- plumbing

    @contextmanager
    def _write(self):
        """One write transaction; rolled back whole on any error."""
        with self._lock:
            try:
                yield self._con
            except sqlite3.Error as error:
                if self._con.in_transaction:
                    self._con.execute("ROLLBACK")
                raise StorageUnavailable(f"writing to the post store {self.path} failed: {error}") from error
            except BaseException:
                if self._con.in_transaction:
                    self._con.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise StorageUnavailable(f"reading the post store {self.path} failed: {error}") from error

    def _now(self) -> datetime:
        return self._clock.now() if self._clock else datetime.now(timezone.utc)

    # --- writes

    def upsert_many(self, posts: Iterable[Post | Mapping[str, Any]]) -> UpsertReport:
        batch = common.validate_batch(posts, self._now())
        accepted, report = batch.accepted, UpsertReport(rejected=batch.rejected)
        if not accepted:
            return report
        # Segmenting is the slow part: done before the write lock, so readers and other writers wait less.
        terms = self._terms_needed(accepted)
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            stored = self._stored(con, list(accepted))   # again: another writer may have come between
            next_rid = con.execute("SELECT coalesce(max(rid), 0) + 1 FROM posts").fetchone()[0]
            rows, fts_rows, stale_fts, rids = [], [], [], []
            for post in accepted.values():
                segmenter = self.segmenter_version
                if post.id in stored:
                    rid, title, text, enrichment, stored_segmenter = stored[post.id]
                    merged = common.merge(post, title, text, _lazy_enrichment(enrichment, post, title, text))
                    post, reindex = merged.post, merged.text_changed
                    report.updated.append(post.id)
                    if reindex:
                        stale_fts.append((rid,))
                    else:   # the stored terms stay, and so does the record of what cut them
                        segmenter = stored_segmenter
                else:
                    rid, next_rid, reindex = next_rid, next_rid + 1, True
                    report.new.append(post.id)
                rows.append(_row(rid, post, segmenter))
                rids.append((rid, post.enrichment))
                if reindex:
                    fts_rows.append((rid, terms.get(post.id) or self._terms.of(post.title, post.text)))
            con.executemany("DELETE FROM posts_fts WHERE rowid = ?", stale_fts)
            con.executemany(_INSERT, rows)
            con.executemany("INSERT INTO posts_fts (rowid, terms) VALUES (?, ?)", fts_rows)
            self._write_keywords(con, rids, replace=bool(stored))
            con.execute("COMMIT")
        return report

    def _terms_needed(self, accepted: dict[str, Post]) -> dict[str, str]:
        """Index terms of the posts that are new or whose title or text differs from the stored one."""
        with self._lock:
            try:
                stored = self._stored(self._con, list(accepted))
            except sqlite3.Error as error:
                raise StorageUnavailable(f"reading the post store {self.path} failed: {error}") from error
        return {post.id: self._terms.of(post.title, post.text) for post in accepted.values()
                if post.id not in stored or stored[post.id][1:3] != (post.title, post.text)}

    def _stored(self, con: sqlite3.Connection, ids: list[str]) -> dict[str, tuple]:
        found: dict[str, tuple] = {}
        for part in chunks(ids, 500):
            sql = (f"SELECT id, rid, title, text, enrichment, segmenter FROM posts "
                   f"WHERE id IN ({','.join('?' * len(part))})")
            for post_id, *stored in con.execute(sql, part):
                found[post_id] = tuple(stored)
        return found

    def _write_keywords(self, con: sqlite3.Connection, rids: list[tuple[int, Enrichment | None]],
                        replace: bool) -> None:
        """The school and incident-type rows that filters and aggregations use."""
        if replace:
            con.executemany("DELETE FROM post_schools WHERE rid = ?", [(rid,) for rid, _ in rids])
            con.executemany("DELETE FROM post_incidents WHERE rid = ?", [(rid,) for rid, _ in rids])
        schools = [(rid, s) for rid, e in rids if e for s in dict.fromkeys(e.schools)]
        incidents = [(rid, t) for rid, e in rids if e for t in dict.fromkeys(e.incident_types)]
        con.executemany("INSERT INTO post_schools (rid, school) VALUES (?, ?)", schools)
        con.executemany("INSERT INTO post_incidents (rid, incident_type) VALUES (?, ?)", incidents)

    def write_enrichment(self, enrichments: Mapping[str, Enrichment]) -> int:
        if not enrichments:
            return 0
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            rid_of = {i: s[0] for i, s in self._stored(con, list(enrichments)).items()}
            updates, rids = [], []
            for post_id, rid in rid_of.items():
                enrichment = enrichments[post_id]
                values = common.enrichment_fields(enrichment)
                updates.append((json.dumps(common.enrichment_to_dict(enrichment), ensure_ascii=False),
                                values["model_version"], values["sentiment"], values["sentiment_label"],
                                values["rumour_score"], values["event_id"], rid))
                rids.append((rid, enrichment))
            con.executemany("UPDATE posts SET enrichment = ?, model_version = ?, sentiment = ?, "
                            "sentiment_label = ?, rumour_score = ?, event_id = ? WHERE rid = ?", updates)
            self._write_keywords(con, rids, replace=True)
            con.execute("COMMIT")
        return len(rids)

    def delete_older_than(self, cutoff: datetime) -> int:
        limit = common.micros(cutoff)
        old = "SELECT rid FROM posts WHERE published_us < ?"
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            for table, key in (("posts_fts", "rowid"), ("post_schools", "rid"), ("post_incidents", "rid")):
                con.execute(f"DELETE FROM {table} WHERE {key} IN ({old})", (limit,))
            deleted = con.execute("DELETE FROM posts WHERE published_us < ?", (limit,)).rowcount
            con.execute("COMMIT")
        return deleted

    # --- segmenter versions

    @property
    def needs_reindex(self) -> bool:
        # Two range probes of posts_by_segmenter: any version below or above ours.
        version = self.segmenter_version
        return bool(self._read("SELECT EXISTS (SELECT 1 FROM posts WHERE segmenter < ?) "
                               "OR EXISTS (SELECT 1 FROM posts WHERE segmenter > ?)", (version, version))[0][0])

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        version = self.segmenter_version
        # Posts stored after the start were cut by their writers; leaving them out is what lets the loop end.
        last_rid = self._read("SELECT coalesce(max(rid), 0) FROM posts")[0][0]
        stale = [f"segmenter {op} ? AND rid <= ?" for op in ("<", ">")]
        total = sum(self._read(f"SELECT count(*) FROM posts WHERE {c}", (version, last_rid))[0][0] for c in stale)
        done = 0
        for condition in stale:
            while True:
                # Re-segmented posts leave the range, so each query finds the next batch without a cursor.
                rows = self._read(f"SELECT rid, title, text FROM posts WHERE {condition} LIMIT ?",
                                  (version, last_rid, _REINDEX_BATCH))
                if not rows:
                    break
                done += self._rewrite_terms({rid: (title, text, self._terms.of(title, text))
                                             for rid, title, text in rows})
                if progress:
                    progress(done, total)
        return done

    def _rewrite_terms(self, cut: dict[int, tuple[str, str, str]]) -> int:
        """Replace the FTS rows of these posts (cut outside the lock) and stamp them with this store's version;
        a post whose title or text a writer changed meanwhile is cut again here."""
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            current = con.execute(f"SELECT rid, title, text FROM posts WHERE rid IN ({','.join('?' * len(cut))})",
                                  list(cut)).fetchall()
            fts_rows = [(rid, cut[rid][2] if cut[rid][:2] == (title, text) else self._terms.of(title, text))
                        for rid, title, text in current]
            con.executemany("DELETE FROM posts_fts WHERE rowid = ?", [(rid,) for rid, _ in fts_rows])
            con.executemany("INSERT INTO posts_fts (rowid, terms) VALUES (?, ?)", fts_rows)
            con.executemany("UPDATE posts SET segmenter = ? WHERE rid = ?",
                            [(self.segmenter_version, rid) for rid, _ in fts_rows])
            con.execute("COMMIT")
        return len(fts_rows)

    # --- reads

    def get(self, post_id: str) -> Post | None:
        rows = self._read(_SELECT + " WHERE p.id = ?", (post_id,))
        return _post(rows[0]) if rows else None

    def get_many(self, post_ids: Sequence[str]) -> list[Post]:
        found: dict[str, Post] = {}
        for part in chunks(list(dict.fromkeys(post_ids)), 500):
            for row in self._read(_SELECT + f" WHERE p.id IN ({','.join('?' * len(part))})", part):
                found[row[0]] = _post(row)
        return [found[i] for i in post_ids if i in found]

    def search(self, query: PostQuery = PostQuery(), *, sort: SortOrder = "time",
               offset: int = 0, limit: int = 20) -> SearchPage:
        where = self._where(query)
        if where.empty_text:
            return SearchPage([], 0)
        page = (max(int(limit), 0), max(int(offset), 0))
        if sort == "relevance" and where.match:
            sql = (_SELECT + " JOIN posts_fts f ON f.rowid = p.rid WHERE f.posts_fts MATCH ?" + where.and_sql() +
                   " ORDER BY f.rank, p.published_us DESC, p.id LIMIT ? OFFSET ?")
            rows = self._read(sql, (where.match, *where.params, *page))
        else:
            sql = (_FIELDS + where.from_sql() + where.sql(with_match=True) +
                   " ORDER BY p.published_us DESC, p.id LIMIT ? OFFSET ?")
            rows = self._read(sql, (*where.all_params(), *page))
        return SearchPage([_post(row) for row in rows], self._count(where))

    def count(self, query: PostQuery = PostQuery()) -> int:
        where = self._where(query)
        return 0 if where.empty_text else self._count(where)

    def _count(self, where: Where) -> int:
        if where.match and not where.conditions:   # every post has exactly one FTS row
            return self._read("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?", (where.match,))[0][0]
        return self._read("SELECT count(*)" + where.from_sql() + where.sql(with_match=True), where.all_params())[0][0]

    def aggregate(self, query: PostQuery, by: GroupBy) -> list[Bucket]:
        where = self._where(query)
        if where.empty_text:
            return []
        if by in ("hour", "day"):
            bucket = time_bucket_sql(by)
            sql = f"SELECT {bucket} AS b, count(*) FROM posts p{where.sql(True)} GROUP BY b ORDER BY b"
            return [Bucket(common.from_micros(b).isoformat(), n) for b, n in self._read(sql, where.all_params())]
        if by in ("school", "incident_type"):
            table, column = ("post_schools", "school") if by == "school" else ("post_incidents", "incident_type")
            sql = (f"SELECT k.{column}, count(*) AS n FROM {table} k JOIN posts p ON p.rid = k.rid"
                   f"{where.sql(True)} GROUP BY k.{column} ORDER BY n DESC, k.{column}")
        elif by in _GROUP_COLUMNS:
            column = _GROUP_COLUMNS[by]
            sql = (f"SELECT p.{column}, count(*) AS n FROM posts p{where.sql(True)}"
                   f"{' AND' if where.has_conditions else ' WHERE'} p.{column} IS NOT NULL"
                   f" GROUP BY p.{column} ORDER BY n DESC, p.{column}")
        else:
            raise ValueError(f"cannot group posts by {by!r}")
        return [Bucket(str(key), n) for key, n in self._read(sql, where.all_params())]

    def iter_unenriched(self, model_version: str | None = None, batch_size: int = 500) -> Iterator[list[Post]]:
        # Keyset paging on (fetched_at, id): writing enrichment back between batches moves nothing.
        wanted = "p.model_version IS NULL" if model_version is None else \
            "(p.model_version IS NULL OR p.model_version != ?)"
        params: tuple = () if model_version is None else (model_version,)
        after: tuple[int, str] = (-(2 ** 62), "")
        while True:
            rows = self._read(_SELECT + f" WHERE {wanted} AND (p.fetched_us > ? OR (p.fetched_us = ? AND p.id > ?))"
                              " ORDER BY p.fetched_us, p.id LIMIT ?",
                              (*params, after[0], after[0], after[1], max(int(batch_size), 1)))
            if not rows:
                return
            posts = [_post(row) for row in rows]
            after = (rows[-1][COLUMNS.index("fetched_us")], rows[-1][0])
            yield posts

    def count_unenriched(self, model_version: str | None = None) -> int:
        """How many posts ``iter_unenriched`` would yield, without reading them."""
        if model_version is None:
            return self._read("SELECT count(*) FROM posts WHERE model_version IS NULL")[0][0]
        return self._read("SELECT count(*) FROM posts WHERE model_version IS NULL OR model_version != ?",
                          (model_version,))[0][0]

    def _where(self, query: PostQuery) -> Where:
        terms = self._terms.query_terms(query.text.strip()) if query.text and query.text.strip() else ()
        where = Where.of(query, fts_match(terms), empty_text=bool(query.text and query.text.strip()) and not terms)
        if where.match and where.narrows_by_index:
            # A common word: checking the filters in the index beats fetching every matching post.
            posts = self._read("SELECT coalesce(max(rid), 0) FROM posts")[0][0]
            enough = max(math.ceil(self.scan_share * posts), self.scan_min_matches)
            # Only "at least `enough`" matters, so counting stops there instead of walking every match.
            matches = self._read("SELECT count(*) FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? LIMIT ?)",
                                 (where.match, enough))[0][0]
            where.scan = matches >= enough
        return where

    def drop(self) -> None:
        """Close the store and delete its file (a drill's posts, afterwards); unusable after it."""
        self.close()
        for path in (self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")):
            path.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> "SqlitePostStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _lazy_enrichment(stored_json: str | None, incoming: Post, title: str, text: str) -> Enrichment | None:
    """Parse the stored enrichment only when the merge can keep it."""
    if stored_json is None or incoming.enrichment is not None or incoming.title != title or incoming.text != text:
        return None
    return common.enrichment_from_mapping(json.loads(stored_json))


def _row(rid: int, post: Post, segmenter: str = "") -> tuple:
    values = common.enrichment_fields(post.enrichment)
    enrichment = common.enrichment_to_dict(post.enrichment)
    return (post.id, rid, post.source, post.platform, post.url, common.micros(post.published_at),
            common.micros(post.fetched_at), post.title, post.text, post.author, post.reposts, post.comments,
            post.likes, common.dumps(post.raw) if post.raw else None, post.page, post.capture_method,
            common.dumps(common.copies_to_list(post.copies)) if post.copies else None,
            common.dumps(enrichment) if enrichment else None, values["model_version"], values["sentiment"],
            values["sentiment_label"], values["rumour_score"], values["event_id"], segmenter)


def _post(row: tuple) -> Post:
    (post_id, _rid, source, platform, url, published, fetched, title, text, author, reposts, comments, likes,
     raw, page, capture_method, copies, enrichment, *_denormalised) = row
    return Post(id=post_id, source=source, platform=platform, url=url,
                published_at=common.from_micros(published), fetched_at=common.from_micros(fetched),
                text=text, title=title, author=author, reposts=reposts, comments=comments, likes=likes,
                raw=json.loads(raw) if raw else {}, page=page, capture_method=capture_method,
                copies=common.copies_from_list(json.loads(copies)) if copies else (),
                enrichment=common.enrichment_from_mapping(json.loads(enrichment)) if enrichment else None)


def _run_script(con: sqlite3.Connection, script: str) -> None:
    """One schema script in its own transaction; a failed try leaves no transaction open for the next."""
    try:
        con.executescript(script)
    except sqlite3.Error:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
