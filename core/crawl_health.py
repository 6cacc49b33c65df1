"""Crawl health: what each crawl run of each source did, and whether a source can be trusted right now.

A source is judged by its recent runs, never by how many new posts it brought: a quiet feed that answers
with its usual, already-seen items is healthy ("ok"), while a source that answers with nothing at all, or a
login page, or 403s, is not. The verdicts:

- ``blocked``: the latest run saw signs of blocking (HTTP 403/418/432/461, a captcha or login page, an empty
  page in the middle of paging).
- ``drift`` (格式异常): the latest run got its pages (HTTP 200) but read no items from them, or far fewer
  than the source usually yields: the site changed its layout or API, and the crawler is blind until a
  person looks at the saved sample of the page.
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

VERDICTS = ("ok", "blocked", "drift", "silent", "failing", "unknown")
# Finish reasons of a run that did not do its job, whatever it parsed.
FAILED_RUNS = ("crashed", "timeout", "killed", "store_failed")
BLOCK_STATUSES = (403, 418, 432, 461)
# A run that reads fewer than this share of the source's usual items (the median of its recent runs, when
# that is at least DRIFT_MIN_USUAL) has lost its way on the page.
DRIFT_SHARE = 0.2
DRIFT_MIN_USUAL = 10
DRIFT_SAMPLE_CHARS = 4000               # the saved sample of the page that yielded nothing


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
    format_drift: bool = False              # 格式异常: pages came back, items did not
    drift_reason: str = ""
    drift_sample: str = ""                  # the start of the page that yielded nothing (DRIFT_SAMPLE_CHARS)

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
    if last.format_drift:
        return SourceHealth(verdict="drift", reason="格式异常：" + (last.drift_reason or "页面结构与预期不符"), **base)
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


def usual_yield(history: Sequence[CrawlRun]) -> int:
    """The items a source usually yields per run: the median of its recent finished, unblocked runs that
    read items (0 when it has none)."""
    counts = sorted(r.items_parsed for r in history
                    if r.finish_reason == "finished" and not r.blocked and not r.format_drift and r.items_parsed)
    return counts[len(counts) // 2] if counts else 0


def drift_reason(run: CrawlRun, history: Sequence[CrawlRun], said_empty: bool = False) -> str:
    """Why a run looks like format drift (Chinese), or '' when it does not: its pages came back but it read
    no items, or far fewer than the source's usual yield. Blocked and failed runs are judged as such; a run
    whose pages said in a known form that there is nothing (``said_empty``: 这里还没有内容, an empty feed
    or list in the known structure) read what there was."""
    if run.blocked or run.finish_reason in FAILED_RUNS or run.pages == 0 or (run.errors and not run.items_parsed):
        return ""                           # judged as blocked or failing, with their own reasons
    if run.items_parsed == 0 and said_empty:
        return ""
    if run.items_parsed == 0:
        return f"{run.pages} 个页面正常返回，却没有读出任何条目（网站可能改版或接口变化）"
    usual = usual_yield([r for r in history if r.run_id != run.run_id])
    if usual >= DRIFT_MIN_USUAL and run.items_parsed < usual * DRIFT_SHARE:
        return f"只读出 {run.items_parsed} 条，远少于该来源通常的 {usual} 条（网站可能改版）"
    return ""


def judge_all(store: CrawlHealthStore, sources: Iterable[str], now: datetime, silent_after_s: float,
              history: int = 20) -> list[SourceHealth]:
    """Verdicts for the named sources plus any other source with recorded runs, sorted by name."""
    names = sorted(set(sources) | set(store.sources()))
    return [judge(name, store.runs(name, limit=history), now, silent_after_s) for name in names]
