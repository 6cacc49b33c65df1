"""``core.crawl_state.CrawlStateStore`` in the state database: watermarks, seen ids, aliases and the MinHash
index (signatures, and one row per band key for lookup).

``exclusive()`` — the deployment-wide ingest lock — and what it holds:
- PostgreSQL: one transaction opens with ``pg_advisory_xact_lock`` (a key per schema) and carries the block's
  writes at its end; the server releases the lock at commit or rollback, or when a killed crawl's session ends.
  PostgreSQL locks rows, never the whole database, so the open transaction keeps nobody else waiting.
- SQLite: an ``fcntl`` lock on ``<database file>.crawl-lock`` (the kernel drops it when the holder dies). SQLite
  has a single write lock for the whole file, shared with the console's logins and the worker's heartbeat, so
  the block does not hold it while the caller reads and writes the post store: the block's own writes wait in
  memory and commit in one short ``BEGIN IMMEDIATE`` transaction when the block ends.
On both, the block's writes are kept in memory until the end and reads inside the block see them (reads add
what the block wrote to what is committed), so the promise "commit at the end, or not at all" holds alike.
Outside a block each write method commits alone.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from core.clock import ensure_aware
from infra.state.codec import to_utc
from infra.state.engine import Database, insert_for, insert_new, upsert
from infra.state.locks import FileLock
from infra.state.tables import crawl_aliases, crawl_minhash, crawl_minhash_bands, crawl_seen, crawl_watermarks

_CHUNK = 500          # ids per IN query (SQLite's parameter limit is far above; PostgreSQL plans it well)


@dataclass
class _Pending:
    """Writes of one exclusive block (or of one call outside a block), applied in one transaction."""

    watermarks: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)
    index: dict[str, tuple[bytes, tuple[int, ...]]] = field(default_factory=dict)

    def shares_band(self, pairs: Sequence[tuple[int, int]]) -> dict[str, bytes]:
        return {post_id: signature for post_id, (signature, keys) in self.index.items()
                if any(band < len(keys) and keys[band] == key for band, key in pairs)}


class SqlCrawlStateStore:
    """The crawlers' memory between runs (see the module doc for ``exclusive()``)."""

    def __init__(self, db: Database, *, lock_file: Path | None, lock_key: int):
        self.db = db
        self._lock_file, self._lock_key = lock_file, lock_key
        self._local = threading.local()

    # --- the ingest lock

    @contextmanager
    def exclusive(self) -> Iterator["SqlCrawlStateStore"]:
        """Hold the deployment-wide lock until the block ends; a nested call joins the outer block."""
        if self._block() is not None:
            yield self
            return
        pending = _Pending()
        if self.db.dialect == "postgresql":
            with self.db.write() as conn:
                conn.execute(select(func.pg_advisory_xact_lock(self._lock_key)))
                with self._holding(pending):
                    yield self
                _flush(conn, pending)
            return
        lock = FileLock(self._lock_file)
        lock.acquire()
        try:
            with self._holding(pending):
                yield self
            with self.db.write() as conn:
                _flush(conn, pending)
        finally:
            lock.release()

    @contextmanager
    def _holding(self, pending: _Pending) -> Iterator[None]:
        self._local.pending = pending
        try:
            yield
        finally:
            self._local.pending = None

    def _block(self) -> _Pending | None:
        return getattr(self._local, "pending", None)

    @contextmanager
    def _change(self) -> Iterator[_Pending]:
        """Where a write goes: the open block's pending writes, or a transaction of its own right now."""
        block = self._block()
        if block is not None:
            yield block
            return
        pending = _Pending()
        yield pending
        with self.db.write() as conn:
            _flush(conn, pending)

    # --- watermarks

    def watermark(self, source: str) -> tuple[datetime | None, bool]:
        block = self._block()
        if block is not None and source in block.watermarks:
            row = block.watermarks[source]
        else:
            with self.db.read() as conn:
                row = conn.execute(select(crawl_watermarks).where(crawl_watermarks.c.source == source)).mappings().first()
        if row is None:
            return None, False
        return to_utc(row["newest"]), bool(row["complete"])

    def finish_run(self, source: str, newest: datetime | None, complete: bool, now: datetime) -> None:
        """A complete run moves the watermark forward (never back, even against a concurrent run); any other
        run keeps it and marks the source incomplete. Naive times are China time."""
        current, _ = self.watermark(source)
        if complete and newest is not None and (current is None or ensure_aware(newest) > current):
            current = ensure_aware(newest)
        with self._change() as pending:
            pending.watermarks[source] = {"source": source, "newest": current, "complete": bool(complete),
                                          "updated_at": ensure_aware(now)}

    # --- seen ids and aliases

    def mark_seen(self, post_ids: Iterable[str]) -> None:
        with self._change() as pending:
            pending.seen.update(post_ids)

    def seen(self, post_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(post_ids))
        found: set[str] = set()
        if wanted:
            with self.db.read() as conn:
                for start in range(0, len(wanted), _CHUNK):
                    chunk = wanted[start:start + _CHUNK]
                    found.update(conn.execute(select(crawl_seen.c.post_id)
                                              .where(crawl_seen.c.post_id.in_(chunk))).scalars())
        block = self._block()
        return found | (block.seen.intersection(wanted) if block else set())

    def set_aliases(self, aliases: Mapping[str, str]) -> None:
        with self._change() as pending:
            pending.aliases.update(aliases)

    def alias_of(self, post_id: str) -> str | None:
        block = self._block()
        if block is not None and post_id in block.aliases:
            return block.aliases[post_id]
        with self.db.read() as conn:
            return conn.execute(select(crawl_aliases.c.original_id)
                                .where(crawl_aliases.c.copy_id == post_id)).scalar()

    # --- the near-duplicate index

    def index(self, entries: Sequence[tuple[str, bytes, Sequence[int]]]) -> None:
        """Add (post id, signature, band keys); a post id already indexed keeps its first signature and keys."""
        with self._change() as pending:
            for post_id, signature, keys in entries:
                pending.index.setdefault(post_id, (bytes(signature), tuple(int(k) for k in keys)))

    def candidates(self, band_keys: Sequence[int]) -> dict[str, bytes]:
        return self.candidates_many([band_keys])[0]

    def candidates_many(self, queries: Sequence[Sequence[int]]) -> list[dict[str, bytes]]:
        """``candidates`` of several posts at once, in their order: one query per 2,000 band keys, so a crawl's
        batch of 200 posts costs one round trip instead of 200."""
        wanted: dict[tuple[int, int], list[int]] = {}
        for number, keys in enumerate(queries):
            for band, key in enumerate(keys):
                wanted.setdefault((band, int(key)), []).append(number)
        found: list[dict[str, bytes]] = [{} for _ in queries]
        pairs = list(wanted)
        if pairs:
            with self.db.read() as conn:
                for start in range(0, len(pairs), _PAIRS):
                    for band, key, post_id, signature in _sharing(conn, pairs[start:start + _PAIRS]):
                        for number in wanted[(band, key)]:
                            found[number][post_id] = bytes(signature)
        block = self._block()
        if block is not None:
            for number, keys in enumerate(queries):
                found[number].update(block.shares_band(list(enumerate(keys))))
        return found

    def close(self) -> None:
        """Nothing to release (the engine is the state database's)."""


def _sharing(conn: Connection, pairs: Sequence[tuple[int, int]]):
    """(band, key, post id, signature) of every indexed post with one of the (band, key) pairs. The pairs are
    joined as a list of values, so both databases probe the primary key once per pair (a row-value IN list
    makes SQLite scan the whole table); this hot path is written as SQL to skip building a statement per call."""
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql(_SHARING.format(
            pairs="SELECT * FROM unnest(CAST(%(bands)s AS integer[]), CAST(%(keys)s AS bigint[]))"),
            {"bands": [band for band, _ in pairs], "keys": [key for _, key in pairs]})
    return conn.exec_driver_sql(_SHARING.format(pairs="VALUES " + ", ".join(["(?, ?)"] * len(pairs))),
                                tuple(value for pair in pairs for value in pair))


_SHARING = (f"WITH q(band, key) AS ({{pairs}}) SELECT b.band, b.key, m.post_id, m.signature FROM q "
            f"JOIN {crawl_minhash_bands.name} b ON b.band = q.band AND b.key = q.key "
            f"JOIN {crawl_minhash.name} m ON m.post_id = b.post_id")
_PAIRS = 2000         # (band, key) pairs per query: 4,000 SQLite parameters, far below its limit


def _flush(conn: Connection, pending: _Pending) -> None:
    """Apply pending writes in the caller's transaction, each kind with one statement (executemany)."""
    _write_watermarks(conn, list(pending.watermarks.values()))
    insert_new(conn, crawl_seen, [{"post_id": post_id} for post_id in sorted(pending.seen)])
    upsert(conn, crawl_aliases, [{"copy_id": c, "original_id": o} for c, o in pending.aliases.items()], ["copy_id"])
    _write_index(conn, pending.index)


def _write_watermarks(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = crawl_watermarks
    statement = insert_for(conn, table)
    moved = statement.excluded.complete & statement.excluded.newest.is_not(None) & (
        table.c.newest.is_(None) | (statement.excluded.newest > table.c.newest))
    conn.execute(statement.on_conflict_do_update(index_elements=["source"], set_={
        "newest": case((moved, statement.excluded.newest), else_=table.c.newest),
        "complete": statement.excluded.complete, "updated_at": statement.excluded.updated_at}), rows)


def _write_index(conn: Connection, entries: Mapping[str, tuple[bytes, tuple[int, ...]]]) -> None:
    ids = sorted(entries)
    if not ids:
        return
    stored: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        stored.update(conn.execute(select(crawl_minhash.c.post_id).where(crawl_minhash.c.post_id.in_(chunk))).scalars())
    new = [post_id for post_id in ids if post_id not in stored]
    insert_new(conn, crawl_minhash, [{"post_id": p, "signature": entries[p][0]} for p in new])
    insert_new(conn, crawl_minhash_bands, [{"band": band, "key": key, "post_id": p}
                                           for p in new for band, key in enumerate(entries[p][1])])
