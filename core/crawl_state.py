"""The crawlers' memory between runs, as a contract: each source's watermark, the ids already stored, which
crawled ids were folded into another post as near-copies, and the near-duplicate index (MinHash signatures
with their LSH band keys). ``crawlers/`` computes signatures and keys; a store only keeps and looks them up.

The state database (``infra/state``) keeps these promises on SQLite and PostgreSQL; ``tests/state`` checks them.
Promises:
- Every write is visible to every read that starts after the write method returned.
- ``exclusive()`` holds one lock shared by every process of the deployment until the block ends (parallel
  crawls take turns ingesting a batch, so each reads what the previous one wrote); writes made inside the
  block through this store commit when it ends, or not at all if it raises. Outside it each call commits alone.
- Driver errors surface as ``core.errors.StorageUnavailable`` naming the database.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Iterable, Mapping, Protocol, Sequence


class CrawlStateStore(Protocol):
    def watermark(self, source: str) -> tuple[datetime | None, bool]:
        """The newest publish time a complete run of ``source`` saw (None if none yet), and whether the
        source's last run was complete."""
        ...

    def finish_run(self, source: str, newest: datetime | None, complete: bool, now: datetime) -> None:
        """After a run: a complete run moves the watermark forward (never back); any other run keeps it and
        marks the source incomplete, so the next run pages back over what was missed."""
        ...

    def mark_seen(self, post_ids: Iterable[str]) -> None:
        """Remember ids that are safely stored (as posts or as copies); idempotent."""
        ...

    def seen(self, post_ids: Sequence[str]) -> set[str]:
        """The ids among ``post_ids`` marked seen."""
        ...

    def set_aliases(self, aliases: Mapping[str, str]) -> None:
        """Remember copy id -> original id for posts folded into another as near-copies (a later alias of the
        same copy id replaces the earlier one)."""
        ...

    def alias_of(self, post_id: str) -> str | None:
        """The original a copy id was folded into, or None."""
        ...

    def index(self, entries: Sequence[tuple[str, bytes, Sequence[int]]]) -> None:
        """Add (post id, signature bytes, band keys) to the near-duplicate index; idempotent per post id."""
        ...

    def candidates(self, band_keys: Sequence[int]) -> dict[str, bytes]:
        """Every indexed post sharing at least one band key with ``band_keys`` (band i of the query matches band
        i of a stored post), as post id -> signature bytes."""
        ...

    def candidates_many(self, queries: Sequence[Sequence[int]]) -> list[dict[str, bytes]]:
        """``candidates`` of several posts (each a sequence of band keys) in one round trip, in their order; a
        crawl batch asks for all its posts at once."""
        ...

    def exclusive(self) -> AbstractContextManager["CrawlStateStore"]:
        """The deployment-wide crawl ingest lock (see the module promises)."""
        ...

    def close(self) -> None:
        ...
