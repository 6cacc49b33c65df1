"""The crawlers' own memory between runs: the near-duplicate index and each source's watermark.

One SQLite file (``<data_dir>/crawl_state.db``, WAL) shared by every crawl subprocess. The watermark of a
source is the newest publish time seen by its last *complete* run (finished, not blocked, not truncated);
paging stops once a page reaches it. A run that crashed or was blocked leaves the watermark where it was,
so the next run pages back over what was missed: this is how a crawl resumes after a crash.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np

from core.clock import ensure_aware
from core.errors import StorageUnavailable
from crawlers import dedup

_SCHEMA = """
CREATE TABLE IF NOT EXISTS minhash (post_id TEXT PRIMARY KEY, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS minhash_band (band INTEGER NOT NULL, key INTEGER NOT NULL, post_id TEXT NOT NULL,
                                         PRIMARY KEY (band, key, post_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermark (source TEXT PRIMARY KEY, newest TEXT, complete INTEGER NOT NULL,
                                      updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (post_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alias (copy_id TEXT PRIMARY KEY, original_id TEXT NOT NULL) WITHOUT ROWID;
"""


class CrawlState:
    """Near-duplicate index and watermarks in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._set_up()
        except (sqlite3.Error, OSError) as error:
            raise StorageUnavailable(f"cannot open the crawl state file {self.path}: {error}") from error

    def _set_up(self, attempts: int = 60) -> None:
        # Crawls started together open a new file together; SQLite then answers "locked" at once (no busy
        # wait, to avoid a deadlock), and trying again after a pause is how that race is resolved.
        for attempt in range(attempts):
            try:
                self._con.execute("PRAGMA journal_mode=WAL")
                self._con.execute("PRAGMA synchronous=NORMAL")
                self._con.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 + 0.01 * attempt)

    def watermark(self, source: str) -> tuple[datetime | None, bool]:
        """The newest publish time a complete run of ``source`` saw, and whether its last run was complete."""
        row = self._con.execute("SELECT newest, complete FROM watermark WHERE source = ?", (source,)).fetchone()
        if row is None:
            return None, False
        return (ensure_aware(datetime.fromisoformat(row[0])) if row[0] else None), bool(row[1])

    def finish_run(self, source: str, newest: datetime | None, complete: bool, now: datetime) -> None:
        """After a run: a complete run moves the watermark forward (never back); any other run marks the
        source incomplete, so the next run pages back to the old watermark instead of stopping at seen posts."""
        with self._lock:
            current, _ = self.watermark(source)
            if complete and newest is not None and (current is None or newest > current):
                current = newest
            self._con.execute("INSERT OR REPLACE INTO watermark VALUES (?, ?, ?, ?)",
                              (source, current.isoformat() if current else None, int(complete), now.isoformat()))

    def mark_seen(self, post_ids: list[str]) -> None:
        """Remember ids that are safely stored (as posts or as copies)."""
        with self._lock:
            self._con.executemany("INSERT OR IGNORE INTO seen VALUES (?)", [(i,) for i in post_ids])

    def seen(self, post_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._con.execute(f"SELECT post_id FROM seen WHERE post_id IN ({marks})", chunk))
        return found

    def set_aliases(self, aliases: dict[str, str]) -> None:
        """Remember that a post id was folded into another post as a near-copy."""
        with self._lock:
            self._con.executemany("INSERT OR REPLACE INTO alias VALUES (?, ?)", list(aliases.items()))

    def alias_of(self, post_id: str) -> str | None:
        row = self._con.execute("SELECT original_id FROM alias WHERE copy_id = ?", (post_id,)).fetchone()
        return row[0] if row else None

    def find_original(self, sig: np.ndarray, exclude: str) -> tuple[str, float] | None:
        """The indexed post most similar to ``sig`` (at least ``dedup.SIMILAR_AT``), other than ``exclude``."""
        keys = dedup.band_keys(sig)
        clauses = " OR ".join("(band = ? AND key = ?)" for _ in keys)
        params = [value for band, key in enumerate(keys) for value in (band, key)]
        rows = self._con.execute(f"SELECT DISTINCT post_id FROM minhash_band WHERE {clauses}", params).fetchall()
        best: tuple[str, float] | None = None
        for (post_id,) in rows:
            if post_id == exclude:
                continue
            stored = self._con.execute("SELECT signature FROM minhash WHERE post_id = ?", (post_id,)).fetchone()
            if stored is None:
                continue
            score = dedup.similarity(sig, np.frombuffer(stored[0], dtype=np.uint64))
            if score >= dedup.SIMILAR_AT and (best is None or score > best[1] or
                                              (score == best[1] and post_id < best[0])):
                best = (post_id, score)
        return best

    @contextmanager
    def exclusive(self):
        """Hold this file's write lock (every crawl process shares the file) until the block ends; what the
        block writes here commits with it, or not at all. Batches of two crawls that find the same post
        must not read the store at once and then write over each other's copies."""
        with self._lock:
            try:
                self._con.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StorageUnavailable(f"cannot lock the crawl state file {self.path}: {error}") from error
            try:
                yield self
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def index(self, entries: list[tuple[str, np.ndarray]]) -> None:
        """Add stored posts' signatures to the index (idempotent)."""
        if not entries:
            return
        with self._lock:
            outer = self._con.in_transaction       # inside exclusive(): its transaction commits
            if not outer:
                self._con.execute("BEGIN IMMEDIATE")
            try:
                self._con.executemany("INSERT OR REPLACE INTO minhash VALUES (?, ?)",
                                      [(pid, sig.astype(np.uint64).tobytes()) for pid, sig in entries])
                self._con.executemany("INSERT OR IGNORE INTO minhash_band VALUES (?, ?, ?)",
                                      [(band, key, pid) for pid, sig in entries
                                       for band, key in enumerate(dedup.band_keys(sig))])
                if not outer:
                    self._con.execute("COMMIT")
            except sqlite3.Error:
                if not outer:
                    self._con.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._con.close()
