"""``core.crawl_health.CrawlHealthStore`` in the state database: one row per crawl run."""

from __future__ import annotations

from sqlalchemy import select

from core.crawl_health import CrawlRun
from infra.state.codec import from_row, to_row
from infra.state.engine import Database, upsert
from infra.state.tables import crawl_runs as table


class SqlCrawlHealthStore:
    """Crawl runs by run id; ``record`` of a stored run id replaces it. Promises of the Protocol."""

    def __init__(self, db: Database):
        self.db = db

    def record(self, run: CrawlRun) -> None:
        with self.db.write() as conn:
            upsert(conn, table, [to_row(run)], ["run_id"])

    def runs(self, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
        """Recent runs (of one source, or all), newest ``started_at`` first (ties: the larger run id first)."""
        query = select(table)
        if source is not None:
            query = query.where(table.c.source == source)
        query = query.order_by(table.c.started_at.desc(), table.c.run_id.desc()).limit(int(limit))
        with self.db.read() as conn:
            return [from_row(CrawlRun, row) for row in conn.execute(query).mappings()]

    def get(self, run_id: str) -> CrawlRun | None:
        with self.db.read() as conn:
            row = conn.execute(select(table).where(table.c.run_id == run_id)).mappings().first()
        return from_row(CrawlRun, row) if row else None

    def sources(self) -> list[str]:
        with self.db.read() as conn:
            return list(conn.execute(select(table.c.source).distinct().order_by(table.c.source)).scalars())

    def close(self) -> None:
        """Nothing to release (the engine is the state database's)."""
