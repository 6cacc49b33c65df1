"""The embedded post store: one SQLite file in WAL mode, FTS5 over jieba-segmented text.

It keeps every promise of ``core.storage.PostStore``. One connection serves the process (behind a lock,
so Streamlit's threads may share it); writes run in one ``BEGIN IMMEDIATE`` transaction each, so a failed
batch leaves nothing half-written, and a reader never sees a partial batch. The layout (time-ordered keys,
facets in the full-text table) is explained in ``sqlite_sql``; reads are in ``sqlite_search``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from core.errors import StorageUnavailable, VersionMismatch
from core.files import create_private
from core.post import Enrichment, Post, enrichment_from_mapping
from core.storage import Bucket, GroupBy, PostQuery, Rejected, SearchPage, SortOrder, UpsertReport
from infra.storage import common, sqlite_search
from infra.storage.sqlite_file import retry_when_locked
from infra.storage.sqlite_search import FIELDS
from infra.storage.sqlite_sql import (COLUMNS, KEY_SPREAD, MIGRATIONS, PUBLISHED_MAX_US, PUBLISHED_MIN_US, SCHEMA,
                                      SCHEMA_VERSION, Plan, chunks, facets, key_floor)

_INSERT = f"INSERT OR REPLACE INTO posts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_REINDEX_BATCH = 500     # posts re-segmented per write transaction


@dataclass(frozen=True)
class _Stored:
    rid: int
    title: str
    text: str
    enrichment: str | None      # JSON, parsed only when a merge keeps it
    segmenter: str
    platform: str
    source: str
    facets: str


class SqlitePostStore:
    """Posts in one SQLite file. ``segment`` splits Chinese text into words (jieba's search mode when
    None); pass the NLP segmenter with the county's user dictionary so that school names stay whole, and
    its fingerprint as ``segmenter_version``: every post records the version that cut its index terms.
    Posts must be published between the years 1685 and 2255 (the range of the store's time keys)."""

    def __init__(self, path: str | Path, segment: common.Segmenter | None = None, *, clock=None,
                 segmenter_version: str = ""):
        self.path = Path(path)
        self._terms = common.Terms(segment)
        self.segmenter_version = segmenter_version
        self._clock = clock
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            create_private(self.path)
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

    @contextmanager
    def _reading(self):
        """Reads that see one state of the file (a page and its count agree)."""
        with self._lock:
            try:
                self._con.execute("BEGIN")
                try:
                    yield self._con
                finally:
                    self._con.execute("COMMIT")
            except sqlite3.Error as error:
                raise StorageUnavailable(f"reading the post store {self.path} failed: {error}") from error

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
        report = UpsertReport(rejected=batch.rejected)
        accepted = _keyable(batch, report)
        if accepted:
            # Segmenting is the slow part: done before the write lock, so readers and other writers wait less.
            terms = self._terms_needed(accepted)
            with self._write() as con:
                con.execute("BEGIN IMMEDIATE")
                self._store(con, accepted, terms, batch.positions, report)
                con.execute("COMMIT")
        report.rejected.sort(key=lambda r: r.index)
        return report

    def _store(self, con, accepted: dict[str, Post], terms: dict[str, str], positions, report) -> None:
        stored = self._stored(con, list(accepted))     # again: another writer may have come between
        keys = KeyAllocator(con)
        rows, fts_rows, moved_fts, gone, keyword_rows = [], [], [], [], []
        for post in accepted.values():
            old = stored.get(post.id)
            if old is not None:
                merged = common.merge(post, old.title, old.text, _lazy_enrichment(old, post))
                post = merged.post
            rid = old.rid if old is not None and keys.holds(old.rid, post) else keys.next(post)
            if rid is None:
                report.rejected.append(Rejected(positions[post.id], post.id, "published_at",
                                                f"more than {KEY_SPREAD} posts are published at {post.published_at}"))
                continue
            post_facets = _facets_of(post)
            if old is None:
                report.new.append(post.id)
                segmenter = self.segmenter_version
                fts_rows.append((rid, terms.get(post.id) or self._terms.of(post.title, post.text), post_facets))
            else:
                report.updated.append(post.id)
                gone.append((old.rid,))
                # Same text: the stored terms stay, and so does the record of what cut them.
                segmenter = self.segmenter_version if merged.text_changed else old.segmenter
                if merged.text_changed:
                    moved_fts.append((rid, terms.get(post.id) or self._terms.of(post.title, post.text),
                                      post_facets, old.rid))
                elif rid != old.rid or post_facets != old.facets:
                    moved_fts.append((rid, None, post_facets, old.rid))
            rows.append(_row(rid, post, segmenter))
            keyword_rows.append((rid, post.enrichment))
        con.executemany("DELETE FROM post_schools WHERE rid = ?", gone)
        con.executemany("DELETE FROM post_incidents WHERE rid = ?", gone)
        con.executemany(_INSERT, rows)
        _write_fts(con, fts_rows, moved_fts)
        _insert_keywords(con, keyword_rows)

    def _terms_needed(self, accepted: dict[str, Post]) -> dict[str, str]:
        """Index terms of the posts that are new or whose title or text differs from the stored one."""
        with self._lock:
            try:
                stored = self._stored(self._con, list(accepted))
            except sqlite3.Error as error:
                raise StorageUnavailable(f"reading the post store {self.path} failed: {error}") from error
        return {post.id: self._terms.of(post.title, post.text) for post in accepted.values()
                if post.id not in stored or (stored[post.id].title, stored[post.id].text) != (post.title, post.text)}

    def _stored(self, con: sqlite3.Connection, ids: list[str]) -> dict[str, _Stored]:
        found: dict[str, _Stored] = {}
        for part in chunks(ids, 500):
            sql = ("SELECT p.id, p.rid, p.title, p.text, p.enrichment, p.segmenter, p.platform, p.source, f.facets "
                   f"FROM posts p JOIN posts_fts f ON f.rowid = p.rid WHERE p.id IN ({','.join('?' * len(part))})")
            for post_id, *values in con.execute(sql, part):
                found[post_id] = _Stored(*values)
        return found

    def write_enrichment(self, enrichments: Mapping[str, Enrichment]) -> int:
        if not enrichments:
            return 0
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            stored = self._stored(con, list(enrichments))
            updates, keyword_rows, moved_fts = [], [], []
            for post_id, old in stored.items():
                enrichment = enrichments[post_id]
                values = common.enrichment_fields(enrichment)
                updates.append((json.dumps(common.enrichment_to_dict(enrichment), ensure_ascii=False),
                                values["model_version"], values["sentiment"], values["sentiment_label"],
                                values["rumour_score"], values["event_id"], old.rid))
                keyword_rows.append((old.rid, enrichment))
                new_facets = facets(old.platform, old.source, enrichment.schools if enrichment else (),
                                    enrichment.incident_types if enrichment else ())
                if new_facets != old.facets:
                    moved_fts.append((old.rid, None, new_facets, old.rid))
            con.executemany("UPDATE posts SET enrichment = ?, model_version = ?, sentiment = ?, "
                            "sentiment_label = ?, rumour_score = ?, event_id = ? WHERE rid = ?", updates)
            con.executemany("DELETE FROM post_schools WHERE rid = ?", [(rid,) for rid, _ in keyword_rows])
            con.executemany("DELETE FROM post_incidents WHERE rid = ?", [(rid,) for rid, _ in keyword_rows])
            _insert_keywords(con, keyword_rows)
            _write_fts(con, [], moved_fts)
            con.execute("COMMIT")
        return len(updates)

    def delete_older_than(self, cutoff: datetime) -> int:
        # A post's key orders like its publication time, so "published before" is "key below".
        limit = key_floor(common.micros(cutoff))
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            for table, key in (("posts_fts", "rowid"), ("post_schools", "rid"), ("post_incidents", "rid")):
                con.execute(f"DELETE FROM {table} WHERE {key} < ?", (limit,))
            deleted = con.execute("DELETE FROM posts WHERE rid < ?", (limit,)).rowcount
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
        """Replace the terms of these posts (cut outside the lock) and stamp them with this store's version;
        a post whose title or text a writer changed meanwhile is cut again here."""
        with self._write() as con:
            con.execute("BEGIN IMMEDIATE")
            current = con.execute(f"SELECT rid, title, text FROM posts WHERE rid IN ({','.join('?' * len(cut))})",
                                  list(cut)).fetchall()
            terms = [(cut[rid][2] if cut[rid][:2] == (title, text) else self._terms.of(title, text), rid)
                     for rid, title, text in current]
            facets_of = dict(con.execute("SELECT f.rowid, f.facets FROM posts p JOIN posts_fts f ON f.rowid = p.rid "
                                         f"WHERE p.rid IN ({','.join('?' * len(terms))})", [rid for _, rid in terms]))
            _write_fts(con, [], [(rid, post_terms, facets_of[rid], rid) for post_terms, rid in terms])
            con.executemany("UPDATE posts SET segmenter = ? WHERE rid = ?",
                            [(self.segmenter_version, rid) for _, rid in terms])
            con.execute("COMMIT")
        return len(terms)

    # --- reads

    def get(self, post_id: str) -> Post | None:
        rows = self._read(FIELDS + " FROM posts p WHERE p.id = ?", (post_id,))
        return _post(rows[0]) if rows else None

    def get_many(self, post_ids: Sequence[str]) -> list[Post]:
        found: dict[str, Post] = {}
        for part in chunks(list(dict.fromkeys(post_ids)), 500):
            for row in self._read(FIELDS + f" FROM posts p WHERE p.id IN ({','.join('?' * len(part))})", part):
                found[row[0]] = _post(row)
        return [found[i] for i in post_ids if i in found]

    def search(self, query: PostQuery = PostQuery(), *, sort: SortOrder = "time",
               offset: int = 0, limit: int = 20) -> SearchPage:
        plan = self._plan(query)
        if plan.empty:
            return SearchPage([], 0)
        with self._reading() as con:
            rows, total = sqlite_search.page(con, plan, sort == "relevance", max(int(offset), 0), max(int(limit), 0))
        return SearchPage([_post(row) for row in rows], total)

    def count(self, query: PostQuery = PostQuery()) -> int:
        plan = self._plan(query)
        if plan.empty:
            return 0
        with self._reading() as con:
            return sqlite_search.count(con, plan)

    def aggregate(self, query: PostQuery, by: GroupBy) -> list[Bucket]:
        plan = self._plan(query)
        if plan.empty:
            return []
        with self._reading() as con:
            groups = sqlite_search.aggregate(con, plan, by)
        if by in ("hour", "day"):
            return [Bucket(common.from_micros(key).isoformat(), n) for key, n in groups]
        return [Bucket(str(key), n) for key, n in groups]

    def iter_unenriched(self, model_version: str | None = None, batch_size: int = 500) -> Iterator[list[Post]]:
        # Keyset paging on (fetched_at, id): writing enrichment back between batches moves nothing.
        wanted = "p.model_version IS NULL" if model_version is None else \
            "(p.model_version IS NULL OR p.model_version != ?)"
        params: tuple = () if model_version is None else (model_version,)
        after: tuple[int, str] = (-(2 ** 62), "")
        while True:
            rows = self._read(FIELDS + f" FROM posts p WHERE {wanted} AND (p.fetched_us > ? OR (p.fetched_us = ? "
                              "AND p.id > ?)) ORDER BY p.fetched_us, p.id LIMIT ?",
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

    def _plan(self, query: PostQuery) -> Plan:
        text = query.text.strip() if query.text else ""
        terms = self._terms.query_terms(text) if text else ()
        return Plan.of(query, terms, empty_text=bool(text) and not terms)

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


class KeyAllocator:
    """Keys for posts in one write transaction: publication microsecond times ``KEY_SPREAD``, plus the next
    number free in that microsecond."""

    def __init__(self, con: sqlite3.Connection):
        self._con = con
        self._last: dict[int, int] = {}

    @staticmethod
    def holds(rid: int, post: Post) -> bool:
        """Whether ``rid`` is a key of the post's publication time (a post whose time changed moves)."""
        return 0 <= rid - key_floor(common.micros(post.published_at)) < KEY_SPREAD

    def next(self, post: Post) -> int | None:
        """A fresh key, or None when ``KEY_SPREAD`` posts of that microsecond are stored already."""
        base = key_floor(common.micros(post.published_at))
        if base not in self._last:
            top = self._con.execute("SELECT max(rid) FROM posts WHERE rid >= ? AND rid < ?",
                                    (base, base + KEY_SPREAD)).fetchone()[0]
            self._last[base] = base - 1 if top is None else top
        rid = self._last[base] + 1
        if rid >= base + KEY_SPREAD:
            return None
        self._last[base] = rid
        return rid


def new_post_rows(con: sqlite3.Connection, posts: Sequence[Post], terms: Sequence[str]) -> tuple[list, list, list]:
    """The rows ``upsert_many`` writes for new posts (posts, full-text, schools and incident types), for the
    benchmark's floor: the same rows written without the store's checks."""
    keys = KeyAllocator(con)
    rows, fts_rows, keyword_rows = [], [], []
    for post, post_terms in zip(posts, terms):
        rid = keys.next(post)
        rows.append(_row(rid, post))
        fts_rows.append((rid, post_terms, _facets_of(post)))
        keyword_rows.append((rid, post.enrichment))
    return rows, fts_rows, keyword_rows


def insert_new_rows(con: sqlite3.Connection, rows: list, fts_rows: list, keyword_rows: list) -> None:
    con.executemany(_INSERT, rows)
    _write_fts(con, fts_rows, [])
    _insert_keywords(con, keyword_rows)


def _keyable(batch: common.Batch, report: UpsertReport) -> dict[str, Post]:
    """The accepted posts whose publication time has a key; the others are rejected naming the field."""
    accepted = {}
    for post_id, post in batch.accepted.items():
        if PUBLISHED_MIN_US <= common.micros(post.published_at) <= PUBLISHED_MAX_US:
            accepted[post_id] = post
        else:
            report.rejected.append(Rejected(batch.positions[post_id], post_id, "published_at",
                                            f"published_at {post.published_at} is outside the years 1685-2255"))
    return accepted


def _facets_of(post: Post) -> str:
    enrichment = post.enrichment
    return facets(post.platform, post.source, enrichment.schools if enrichment else (),
                  enrichment.incident_types if enrichment else ())


def _write_fts(con: sqlite3.Connection, new: list[tuple[int, str, str]],
               moves: list[tuple[int, str | None, str, int]]) -> None:
    """Full-text rows: ``new`` (rid, terms, facets), and ``moves`` (new rid, terms, facets, old rid) that replace
    a stored row (terms None: keep the stored terms). FTS5 writes a segment whenever a row's key is not above
    the previous one or it switches between deleting and inserting, so all deletes go first and the inserts
    follow in key order: one segment per batch instead of one per post."""
    if moves:
        stored = {old: con.execute("SELECT terms FROM posts_fts WHERE rowid = ?", (old,)).fetchone()[0]
                  for _, terms, _, old in moves if terms is None}
        con.executemany("DELETE FROM posts_fts WHERE rowid = ?", sorted((old,) for *_, old in moves))
        new = new + [(rid, stored[old] if terms is None else terms, post_facets)
                     for rid, terms, post_facets, old in moves]
    con.executemany("INSERT INTO posts_fts (rowid, terms, facets) VALUES (?, ?, ?)", sorted(new))


def _insert_keywords(con: sqlite3.Connection, rows: list[tuple[int, Enrichment | None]]) -> None:
    """The school and incident-type rows that aggregations use."""
    schools = [(rid, s) for rid, e in rows if e for s in dict.fromkeys(e.schools)]
    incidents = [(rid, t) for rid, e in rows if e for t in dict.fromkeys(e.incident_types)]
    con.executemany("INSERT INTO post_schools (rid, school) VALUES (?, ?)", schools)
    con.executemany("INSERT INTO post_incidents (rid, incident_type) VALUES (?, ?)", incidents)


def _lazy_enrichment(stored: _Stored, incoming: Post) -> Enrichment | None:
    """Parse the stored enrichment only when the merge can keep it."""
    if stored.enrichment is None or incoming.enrichment is not None or \
            (incoming.title, incoming.text) != (stored.title, stored.text):
        return None
    return enrichment_from_mapping(json.loads(stored.enrichment))


def _row(rid: int, post: Post, segmenter: str = "") -> tuple:
    values = common.enrichment_fields(post.enrichment)
    enrichment = common.enrichment_to_dict(post.enrichment)
    return (post.id, rid, post.source, post.platform, post.url, common.micros(post.published_at),
            common.micros(post.fetched_at), post.title, post.text, post.author, post.reposts, post.comments,
            post.likes, common.dumps(post.raw) if post.raw else None, post.page, post.capture_method,
            common.dumps(common.copies_to_list(post.copies)) if post.copies else None,
            common.dumps(enrichment) if enrichment else None, values["model_version"], values["sentiment"],
            values["sentiment_label"], values["rumour_score"], values["event_id"], segmenter, post.parent_id,
            post.relation)


def _post(row: tuple) -> Post:
    (post_id, _rid, source, platform, url, published, fetched, title, text, author, reposts, comments, likes,
     raw, page, capture_method, copies, enrichment, *_denormalised, parent_id, relation) = row
    return Post(id=post_id, source=source, platform=platform, url=url,
                published_at=common.from_micros(published), fetched_at=common.from_micros(fetched),
                text=text, title=title, author=author, reposts=reposts, comments=comments, likes=likes,
                raw=json.loads(raw) if raw else {}, page=page, capture_method=capture_method,
                copies=common.copies_from_list(json.loads(copies)) if copies else (),
                parent_id=parent_id, relation=relation or "",
                enrichment=enrichment_from_mapping(json.loads(enrichment)) if enrichment else None)


def _run_script(con: sqlite3.Connection, script: str) -> None:
    """One schema script in its own transaction; a failed try leaves no transaction open for the next."""
    try:
        con.executescript(script)
    except sqlite3.Error:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
