"""The crawl health extension: when a spider closes, one ``core.crawl_health.CrawlRun`` is recorded for its
source (pages, items new/updated/duplicate/copies/dropped, errors, signs of blocking, truncation), and the
source's watermark moves forward only if the run was complete. A run whose pages came back but read no items (or
far fewer than the source's usual yield) is marked as format drift (``core.crawl_health.drift_reason``). Both stores come from the zero-argument
factories ``YUQING_CRAWL_HEALTH`` and ``YUQING_CRAWL_STATE`` in the Scrapy settings."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from typing import Callable

from scrapy import signals

from core.crawl_health import DRIFT_SAMPLE_CHARS, CrawlHealthStore, CrawlRun, drift_reason
from core.crawl_state import CrawlStateStore
from crawlers.wiring import factory

log = logging.getLogger(__name__)


class CrawlHealthExtension:
    def __init__(self, crawler, open_health: Callable[[], CrawlHealthStore],
                 open_state: Callable[[], CrawlStateStore], run_id: str):
        self.crawler = crawler
        self.open_health, self.open_state = open_health, open_state
        self.run_id = run_id or uuid.uuid4().hex
        self.started_at: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        ext = cls(crawler, factory(settings, "YUQING_CRAWL_HEALTH"), factory(settings, "YUQING_CRAWL_STATE"),
                  settings.get("YUQING_RUN_ID"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def spider_opened(self, spider):
        self.started_at = spider.clock.now()

    def spider_error(self, failure, response, spider):
        spider.note_error(f"解析出错：{failure.getErrorMessage()}", response.url)

    def spider_closed(self, spider, reason):
        run = self.with_drift(spider, self.build_run(spider, reason))
        self.open_health().record(run)
        self.open_state().finish_run(run.source, run.newest_published_at, run.complete, spider.clock.now())
        log.info("crawl run %s of %s: %s pages, %s items (%s new, %s updated, %s duplicate, %s copies, %s dropped), "
                 "%s errors%s%s", run.run_id, run.source, run.pages, run.items_parsed, run.items_new,
                 run.items_updated, run.items_duplicate, run.items_copies, run.items_dropped, run.errors,
                 ", BLOCKED: " + "; ".join(run.blocked_reasons) if run.blocked else "",
                 ", truncated: " + run.truncated_reason if run.truncated else "")
        if run.format_drift:
            log.warning("crawl run %s of %s: FORMAT DRIFT: %s", run.run_id, run.source, run.drift_reason)

    def with_drift(self, spider, run: CrawlRun) -> CrawlRun:
        """The run marked as format drift when the spider said so or its yield says so, with a page sample."""
        stats = self.crawler.stats
        said = str(stats.get_value("yuqing/drift_reason", "") or "")
        reason = said or (drift_reason(run, self.open_health().runs(run.source, limit=10),
                                       said_empty=bool(stats.get_value("yuqing/said_empty")))
                          if getattr(spider, "expects_items", True) else "")
        if not reason:
            return run
        sample = stats.get_value("yuqing/drift_sample") if said else stats.get_value("yuqing/page_sample")
        return replace(run, format_drift=True, drift_reason=reason, drift_sample=str(sample or "")[:DRIFT_SAMPLE_CHARS])

    def build_run(self, spider, reason: str) -> CrawlRun:
        stats = self.crawler.stats
        value = lambda name: int(stats.get_value(f"yuqing/{name}", 0) or 0)  # noqa: E731
        newest = stats.get_value("yuqing/newest_ts")
        failed = bool(stats.get_value("yuqing/store_failed"))
        return CrawlRun(
            run_id=self.run_id, source=spider.source_name, spider=spider.name,
            started_at=self.started_at or spider.clock.now(), finished_at=spider.clock.now(),
            finish_reason="store_failed" if failed else reason, pages=value("pages"),
            items_parsed=value("items_parsed"), items_new=value("items_new"), items_updated=value("items_updated"),
            items_duplicate=value("items_duplicate"), items_copies=value("items_copies"),
            items_dropped=value("items_dropped"), errors=value("errors"),
            error_samples=tuple(stats.get_value("yuqing/error_samples", []) or [])[:10],
            blocked=bool(stats.get_value("yuqing/blocked_reasons")),
            blocked_reasons=tuple(stats.get_value("yuqing/blocked_reasons", []) or []),
            truncated=bool(stats.get_value("yuqing/truncated_reason")),
            truncated_reason=str(stats.get_value("yuqing/truncated_reason", "") or ""),
            newest_published_at=datetime.fromtimestamp(newest, timezone.utc) if newest else None)
