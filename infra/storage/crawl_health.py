"""Crawl health records in a small SQLite file (``<data_dir>/crawl_health.db``), for the console and
``yuqing crawl-health``. Keeps every promise of ``core.crawl_health.CrawlHealthStore``."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path

from core.clock import ensure_aware
from core.crawl_health import CrawlRun
from core.errors import StorageUnavailable
from core.settings import Settings
from infra.storage.sqlite_file import open_sqlite_file

_TIMES = ("started_at", "finished_at", "newest_published_at")
_TUPLES = ("error_samples", "blocked_reasons")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl_run (
    run_id TEXT PRIMARY KEY, source TEXT NOT NULL, started_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS crawl_run_source ON crawl_run (source, started_at);
"""


def health_path(settings: Settings) -> Path:
    return settings.data_path / "crawl_health.db"


def open_crawl_health_store(settings: Settings) -> "SqliteCrawlHealthStore":
    """The crawl health store of a deployment (used by crawlers through a factory setting)."""
    return SqliteCrawlHealthStore(health_path(settings))


class SqliteCrawlHealthStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = open_sqlite_file(self.path, _SCHEMA, "crawl health file")

    def record(self, run: CrawlRun) -> None:
        body = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(run).items()}
        with self._lock:
            try:
                self._con.execute("INSERT OR REPLACE INTO crawl_run VALUES (?, ?, ?, ?)",
                                  (run.run_id, run.source, ensure_aware(run.started_at).isoformat(),
                                   json.dumps(body, ensure_ascii=False)))
            except sqlite3.Error as error:
                raise StorageUnavailable(f"cannot write the crawl health file {self.path}: {error}") from error

    def runs(self, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
        sql = "SELECT body FROM crawl_run"
        params: tuple = ()
        if source is not None:
            sql += " WHERE source = ?"
            params = (source,)
        sql += " ORDER BY started_at DESC, run_id DESC LIMIT ?"
        with self._lock:
            rows = self._con.execute(sql, params + (limit,)).fetchall()
        return [_run(json.loads(body)) for (body,) in rows]

    def get(self, run_id: str) -> CrawlRun | None:
        with self._lock:
            row = self._con.execute("SELECT body FROM crawl_run WHERE run_id = ?", (run_id,)).fetchone()
        return _run(json.loads(row[0])) if row else None

    def sources(self) -> list[str]:
        with self._lock:
            return [s for (s,) in self._con.execute("SELECT DISTINCT source FROM crawl_run ORDER BY source")]

    def close(self) -> None:
        self._con.close()


def _run(body: dict) -> CrawlRun:
    known = {f.name for f in fields(CrawlRun)}
    values = {k: v for k, v in body.items() if k in known}
    for name in _TIMES:
        if values.get(name):
            values[name] = ensure_aware(datetime.fromisoformat(values[name]))
    for name in _TUPLES:
        values[name] = tuple(values.get(name) or ())
    return CrawlRun(**values)
