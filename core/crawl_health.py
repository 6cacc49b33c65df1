"""Crawl health: what each crawl run of each source did, and whether a source can be trusted right now.

A source is judged by its recent runs, never by how many new posts it brought: a quiet feed that answers
with its usual, already-seen items is healthy ("ok"), while a source that answers with nothing at all, or a
login page, or 403s, is not. The verdicts:

- ``blocked``: the latest run saw signs of blocking (HTTP 403/418/432/461, a captcha or login page, an empty
  page in the middle of paging).
- ``failing``: the latest run crashed, ran past its time limit, could not store what it parsed, or had errors
  and parsed no items.
- ``silent``: no run has parsed a single item (new or already seen) for longer than the silence limit, or
  no run at all has finished for that long. Silence is suspicious; it is not "no news".
- ``ok``: the latest run fetched pages and parsed items without signs of blocking.
- ``unknown``: the source has never been crawled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Protocol, Sequence

VERDICTS = ("ok", "blocked", "silent", "failing", "unknown")
# Finish reasons of a run that did not do its job, whatever it parsed.
FAILED_RUNS = ("crashed", "timeout", "killed", "store_failed")
BLOCK_STATUSES = (403, 418, 432, 461)


@dataclass(frozen=True)
class CrawlRun:
    """One crawl of one source. Counts are of items (posts), pages are HTTP responses parsed."""

    run_id: str
    source: str
    spider: str
    started_at: datetime
    finished_at: datetime | None = None
    finish_reason: str = ""                 # finished / closespider_timeout / shutdown / crashed / timeout ...
    pages: int = 0
    items_parsed: int = 0                   # items read from the pages, new or already seen
    items_new: int = 0
    items_updated: int = 0                  # stored before, changed since (text or counts)
    items_duplicate: int = 0                # seen before unchanged, or twice in this run
    items_copies: int = 0                   # near-copies and reposts attached to their original
    items_dropped: int = 0                  # invalid items, logged with the reason and skipped
    errors: int = 0
    error_samples: tuple[str, ...] = ()
    blocked: bool = False
    blocked_reasons: tuple[str, ...] = ()
    truncated: bool = False                 # paging stopped at the page limit before reaching seen posts
    truncated_reason: str = ""
    newest_published_at: datetime | None = None

    @property
    def complete(self) -> bool:
        """Finished normally, not blocked, not truncated: everything up to its newest post was seen."""
        return self.finish_reason == "finished" and not self.blocked and not self.truncated


@dataclass(frozen=True)
class SourceHealth:
    source: str
    verdict: str                            # one of VERDICTS
    reason: str                             # a sentence for the console and `yuqing crawl-health` (Chinese)
    last_run: CrawlRun | None = None
    last_items_at: datetime | None = None   # when a run last parsed any item
    runs: tuple[CrawlRun, ...] = field(default=(), repr=False)


class CrawlHealthStore(Protocol):
    """Where crawl runs are recorded. ``record`` of a run id already stored replaces it."""

    def record(self, run: CrawlRun) -> None:
        """Store a run; visible to every read that starts after it returns."""
        ...

    def runs(self, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
        """Recent runs (of one source, or all), newest ``started_at`` first."""
        ...

    def get(self, run_id: str) -> CrawlRun | None:
        """The run with this id, or None."""
        ...

    def sources(self) -> list[str]:
        """Every source that has a recorded run, sorted."""
        ...

    def close(self) -> None:
        ...


def judge(source: str, runs: Sequence[CrawlRun], now: datetime, silent_after_s: float) -> SourceHealth:
    """The verdict for one source from its runs (any order)."""
    ordered = sorted(runs, key=lambda r: r.started_at, reverse=True)
    if not ordered:
        return SourceHealth(source, "unknown", "从未采集", None, None, ())
    last = ordered[0]
    with_items = [r for r in ordered if r.items_parsed > 0]
    last_items_at = (with_items[0].finished_at or with_items[0].started_at) if with_items else None
    base = dict(source=source, last_run=last, last_items_at=last_items_at, runs=tuple(ordered))
    silent_for = timedelta(seconds=silent_after_s)
    if last.blocked:
        return SourceHealth(verdict="blocked", reason="被封禁迹象：" + "；".join(last.blocked_reasons or ("未知",)),
                            **base)
    if last.finish_reason in FAILED_RUNS or (last.errors and not last.items_parsed):
        sample = last.error_samples[0] if last.error_samples else last.finish_reason
        return SourceHealth(verdict="failing", reason=f"最近一次采集失败：{sample}", **base)
    finished = [r for r in ordered if r.finished_at is not None]
    if not finished or now - finished[0].finished_at > silent_for:
        return SourceHealth(verdict="silent", reason=f"超过 {silent_after_s / 3600:g} 小时没有完成的采集", **base)
    if last_items_at is None or now - last_items_at > silent_for:
        return SourceHealth(verdict="silent", reason=(
            f"超过 {silent_after_s / 3600:g} 小时页面里没有任何条目（不等于没有舆情：请检查来源是否改版或被封）"), **base)
    if last.items_parsed == 0:
        return SourceHealth(verdict="ok", reason="最近一次没有读到条目，但仍在静默时限内", **base)
    quiet = "，无新增（来源正常，只是暂无新内容）" if last.items_new == 0 else f"，新增 {last.items_new} 条"
    note = "；页数上限截断" if last.truncated else ""
    return SourceHealth(verdict="ok", reason=f"正常：读到 {last.items_parsed} 条{quiet}{note}", **base)


def judge_all(store: CrawlHealthStore, sources: Iterable[str], now: datetime, silent_after_s: float,
              history: int = 20) -> list[SourceHealth]:
    """Verdicts for the named sources plus any other source with recorded runs, sorted by name."""
    names = sorted(set(sources) | set(store.sources()))
    return [judge(name, store.runs(name, limit=history), now, silent_after_s) for name in names]
