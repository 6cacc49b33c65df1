"""The ingest spool: a PostStore wrapper that keeps crawled batches on local disk while the store is down.

Promises:
- A batch handed to ``upsert_many`` is either written to the store, or appended to the spool (one JSON line,
  flushed and fsynced before the call returns), or the call raises ``SpoolUnavailable`` — never silently lost.
- While anything is spooled, new batches join the back of the spool, so the store sees every batch in the
  order it was handed over (a newer version of a post is never overwritten by an older spooled one).
- ``replay()`` (and every later ``upsert_many``) hands spooled batches to the store oldest first and deletes a
  segment only after every batch in it was stored. A crash during replay repeats some batches, which is
  harmless because upsert by id is idempotent: nothing is stored twice.
- The spool is append-only and repairs its tail: a torn last line (a crash or a full disk mid-append, whose
  caller got an error) is cut off before the next append, so an acknowledged batch never shares a line with
  torn bytes. A line replay cannot read is moved to ``<spool>/quarantine/`` and replay goes on with the next.
- Posts that fail validation are rejected at once (as the store would), never spooled.

Several processes (one crawl subprocess per source) may share one spool folder: appends and replays hold an
``fcntl`` lock on ``<spool>/.lock``. The spool is given its folder and a store (or a way to open one); it reads
no setting: the runtime builds the spooled store crawls write through (``Runtime.spooled_posts``).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from core.errors import InvalidInput, StorageUnavailable
from core.post import Post, post_from_mapping
from core.storage import PostStore, Rejected, UpsertReport

log = logging.getLogger(__name__)

SEGMENT_MAX_BYTES = 64 * 1024 * 1024
_SEGMENT_GLOB = "segment-*.jsonl"
QUARANTINE = "quarantine"


class SpoolUnavailable(StorageUnavailable):
    """The store is down and the spool cannot take the batch either (disk full, folder not writable)."""


@dataclass
class SpooledReport(UpsertReport):
    """An UpsertReport for a batch that went to the spool: its valid posts are in ``spooled``."""

    spooled: list[str] = field(default_factory=list)


def check_spool_ready(folder: Path, min_free_mb: float) -> None:
    """Raise SpoolUnavailable unless ``folder`` can be created, written, fsynced, and has ``min_free_mb`` free.

    The worker calls this before it starts anything, so a full or read-only disk stops it at the door."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".probe"
        with probe.open("wb") as handle:
            handle.write(b"yuqing spool probe\n")
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
        free_mb = shutil.disk_usage(folder).free / 1024 / 1024
    except OSError as error:
        raise SpoolUnavailable(f"the ingest spool folder {folder} is not writable ({error.strerror}); "
                               "fix its permissions or set `spool_dir` to a writable folder") from None
    if free_mb < min_free_mb:
        raise SpoolUnavailable(f"the disk of the ingest spool {folder} has {free_mb:.0f} MB free, less than "
                               f"`spool_min_free_mb` = {min_free_mb:g} MB; free some space or set `spool_dir` "
                               "to another disk")


class SpoolingPostStore:
    """A PostStore that spools ``upsert_many`` batches while ``inner`` raises StorageUnavailable.

    Reads, enrichment writes and deletes go straight to ``inner`` (they are retried by their callers).
    """

    def __init__(self, inner: PostStore | None, folder: str | Path,
                 opener: Callable[[], PostStore] | None = None):
        if inner is None and opener is None:
            raise ValueError("SpoolingPostStore needs a store or a way to open one")
        self._inner = inner
        self._opener = opener
        self.folder = Path(folder)

    @property
    def inner(self) -> PostStore:
        """The wrapped store, opened on first use; StorageUnavailable while it cannot be opened."""
        if self._inner is None:
            self._inner = self._opener()
        return self._inner

    # --- the spool itself

    def pending(self) -> int:
        """How many batches are waiting in the spool."""
        count = 0
        for segment in self._segments():
            with segment.open("rb") as handle:
                count += sum(1 for line in handle if line.strip())
        return count

    def replay(self) -> int:
        """Hand spooled batches to the store, oldest first; return how many were stored.

        Stops quietly at the first batch the store cannot take (it stays spooled for the next try)."""
        if not self._segments():
            return 0
        with self._locked():
            return self._replay_locked()

    def _segments(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob(_SEGMENT_GLOB))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = (self.folder / ".lock").open("a")
        except OSError as error:
            raise SpoolUnavailable(f"cannot open the ingest spool {self.folder}: {error.strerror}; "
                                   "fix its permissions or set `spool_dir`") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def _replay_locked(self) -> int:
        stored = 0
        for segment in self._segments():
            for number, posts in self._read_segment(segment):
                try:
                    self.inner.upsert_many(posts)
                except StorageUnavailable as error:
                    log.info("store still unavailable, %s batches stay spooled: %s", self.pending(), error)
                    return stored
                stored += 1
            segment.unlink()
            _fsync_dir(self.folder)
            log.info("replayed spool segment %s", segment.name)
        return stored

    def _read_segment(self, segment: Path) -> Iterator[tuple[int, list[Post]]]:
        lines = segment.read_bytes().split(b"\n")
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                posts = [post_from_mapping(item) for item in entry["posts"]]
            except (ValueError, KeyError, TypeError, InvalidInput) as error:
                # A torn line (a crash or a full disk mid-append: its caller got an error, not an answer) or a
                # damaged one: kept aside byte for byte, and the batches after it are replayed.
                self._quarantine(f"{segment.stem}-line{index + 1:07d}.bad", line)
                log.warning("spool segment %s line %d is unreadable (%s); moved to %s", segment.name, index + 1,
                            error, self.folder / QUARANTINE)
                continue
            yield index + 1, posts

    def _quarantine(self, name: str, data: bytes) -> None:
        """Keep unreadable spool bytes under ``<spool>/quarantine/`` (one file per line, so a replay that is
        repeated writes the same file again instead of a second copy)."""
        folder = self.folder / QUARANTINE
        folder.mkdir(exist_ok=True)
        with (folder / name).open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(folder)

    def _repair_tail(self, segment: Path) -> None:
        """Cut a torn last line (bytes after the last line break) off ``segment`` before anything is appended,
        so the next batch starts on a line of its own; the torn bytes go to the quarantine."""
        size = segment.stat().st_size
        if size == 0:
            return
        with segment.open("r+b") as handle:
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            keep = _after_last_newline(handle, size)
            handle.seek(keep)
            torn = handle.read()
            self._quarantine(f"{segment.stem}-torn-at{keep:012d}.bad", torn)
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
        log.warning("cut %d torn bytes off the end of spool segment %s (kept in %s)", len(torn), segment.name,
                    self.folder / QUARANTINE)

    def _append(self, posts: list[Post]) -> None:
        line = json.dumps({"posts": [p.to_dict() for p in posts]}, ensure_ascii=False, default=str) + "\n"
        data = line.encode("utf-8")
        segments = self._segments()
        segment = segments[-1] if segments else None
        if segment is None or segment.stat().st_size + len(data) > SEGMENT_MAX_BYTES:
            number = int(segment.stem.split("-")[1]) + 1 if segment else 1
            segment = self.folder / f"segment-{number:012d}.jsonl"
        fresh = not segment.exists()
        try:
            if not fresh:
                self._repair_tail(segment)
            with segment.open("ab") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if fresh:
                _fsync_dir(self.folder)
        except OSError as error:
            hint = "the disk is full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else error.strerror
            raise SpoolUnavailable(f"the store is unavailable and the ingest spool {segment} cannot take the "
                                   f"batch ({hint}); free space or set `spool_dir` to a writable disk — "
                                   "the batch was not stored") from None

    # --- PostStore

    def upsert_many(self, posts: Iterable[Post | Mapping[str, Any]]) -> UpsertReport:
        """Store the batch, or spool it while the store is unavailable (see the module's promises)."""
        valid, positions, rejected = _validate(list(posts))
        if not valid:
            return UpsertReport(rejected=rejected)
        if not self._segments():
            try:
                return _remap(self.inner.upsert_many(valid), positions, rejected)
            except StorageUnavailable as error:
                log.warning("store unavailable, spooling %d posts to %s: %s", len(valid), self.folder, error)
        with self._locked():
            self._append(valid)
            self._replay_locked()
        return SpooledReport(rejected=rejected, spooled=[p.id for p in valid])

    def __getattr__(self, name: str) -> Any:
        # get, get_many, search, count, aggregate, iter_unenriched, write_enrichment, delete_older_than
        # and anything a backend adds go straight to the wrapped store.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


def _validate(items: list[Post | Mapping[str, Any]]) -> tuple[list[Post], list[int], list[Rejected]]:
    valid, positions, rejected = [], [], []
    for index, item in enumerate(items):
        if isinstance(item, Post):
            valid.append(item)
            positions.append(index)
            continue
        try:
            valid.append(post_from_mapping(item))
            positions.append(index)
        except InvalidInput as error:
            post_id = item.get("id") if isinstance(item, Mapping) else None
            rejected.append(Rejected(index=index, post_id=post_id, field=error.field, reason=str(error)))
    return valid, positions, rejected


def _remap(report: UpsertReport, positions: list[int], rejected: list[Rejected]) -> UpsertReport:
    """Turn the store's batch positions (of the valid posts) back into positions in the caller's batch."""
    for item in report.rejected:
        item_index = positions[item.index] if 0 <= item.index < len(positions) else item.index
        rejected.append(Rejected(index=item_index, post_id=item.post_id, field=item.field, reason=item.reason))
    report.rejected = sorted(rejected, key=lambda r: r.index)
    return report


def _after_last_newline(handle, size: int, block: int = 65536) -> int:
    """The offset just after the last b"\\n" in an open file of ``size`` bytes (0 when there is none),
    reading backwards in blocks."""
    end = size
    while end > 0:
        start = max(0, end - block)
        handle.seek(start)
        found = handle.read(end - start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        end = start
    return 0


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
