"""What every source spider shares: its profile source, the crawl clock, the base-URL rewriter, incremental
paging (stop at what a complete earlier run already saw) and the health notes (errors, blocks, truncation).

A spider is configured from ``crawler.settings`` only (``YUQING_SOURCE``, ``YUQING_CLOCK``, ``YUQING_CRAWL_STATE``
and the values listed in ``crawlers/settings.py``), which the crawl process of ``yuqing crawl SOURCE`` sets.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import scrapy
import scrapy.utils.defer

from core.crawl_health import DRIFT_SAMPLE_CHARS
from core.errors import ConfigurationError
from core.profile import Source
from crawlers.fetch_policy import FetchPolicy
from crawlers.sources import Rewriter
from crawlers.wiring import factory, from_root

_SAMPLES = 20


def page_sample(response, public_url: str) -> str:
    """The start of a page as text (``DRIFT_SAMPLE_CHARS``), headed by its public URL."""
    try:
        text = response.text[:DRIFT_SAMPLE_CHARS]
    except AttributeError:                   # not a text response
        text = f"（非文本内容，{len(response.body)} 字节）"
    return f"{public_url}\n{text}"

# Scrapy before 2.14 waits 100 ms before every callback (``_DEFER_DELAY``) so the reactor can read sockets
# first; a source paged one list page after another then spends most of its time asleep (about 8 pages/s
# at best). Later Scrapy dropped the wait (scrapy/scrapy#8019); a zero delay still yields to the reactor
# once. Politeness (delays, AutoThrottle) is the downloader's business and is unaffected.
if hasattr(scrapy.utils.defer, "_DEFER_DELAY"):
    scrapy.utils.defer._DEFER_DELAY = 0.0


class SourceSpider(scrapy.Spider):
    platform = ""
    # A source whose pages always hold items (a news list, a bar, a forum): pages that came back but yielded
    # none are format drift. A spider whose answers are often legitimately empty says False.
    expects_items = True

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        return spider

    def configure(self, settings) -> None:
        """Take the source, clock, crawl state and paging limits from the crawl's Scrapy settings."""
        source: Source = from_root(settings, "YUQING_SOURCE")
        if source.spider != self.name:
            raise ConfigurationError(f"source '{source.name}' is crawled by spider '{source.spider}', not '{self.name}'")
        self.source, self.source_name = source, source.name
        self.options = dict(source.options)
        self.clock = from_root(settings, "YUQING_CLOCK")
        self.rewriter = Rewriter(settings.get("YUQING_BASE_URL") or "")
        self.max_pages = int(self.options.get("max_pages") or settings.getint("YUQING_MAX_PAGES"))
        self.overlap = timedelta(seconds=settings.getfloat("YUQING_OVERLAP_S"))
        self.state = factory(settings, "YUQING_CRAWL_STATE")()
        self.watermark, self.last_complete = self.state.watermark(self.source_name)
        self.fetch_policy = FetchPolicy.from_options(self.source_name, self.options)

    async def start(self):
        # Scrapy 2.13 starts spiders with start(); the spiders keep start_requests() for older Scrapy.
        for request in self.start_requests():
            # The source's own hosts are those of its start URLs (and the profile's allowed_hosts).
            self.fetch_policy.admit_start(self.rewriter.to_public(request.url))
            yield request

    # --- requests ---------------------------------------------------------------------------------------
    def fetch(self, public_url: str, callback: Callable, **cb_kwargs: Any) -> scrapy.Request:
        return scrapy.Request(self.rewriter.to_fetch(public_url), callback=callback, cb_kwargs=cb_kwargs)

    def followable(self, public_url: str) -> bool:
        """Whether a link found on a page may be followed: the source's own host, an allowed scheme, no
        internal address written into it (the downloader checks again, with the name resolved). A refusal is
        recorded with its reason."""
        reason = self.fetch_policy.refusal(public_url, resolve=False)
        if reason:
            self.crawler.stats.inc_value("yuqing/refused")
            self.note_error(reason, public_url)
        return not reason

    def option_list(self, name: str) -> list:
        value = self.options.get(name, [])
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list):
            raise ConfigurationError(f"source '{self.source_name}': option '{name}' must be a list")
        return value

    # --- incremental paging -----------------------------------------------------------------------------
    def keep_paging(self, response, page: int, ids: list[str], times: list[datetime], has_more: bool) -> bool:
        """Whether to read the next list page; notes an empty page mid-paging and truncation."""
        if not ids:
            if page > 1:
                self.note_blocked(f"翻页中途出现空页（第 {page} 页）", response.url)
            return False
        if self.reached_known(ids, times):
            self.logger.info("page %s reaches posts a complete earlier run saw; stopping", page)
            return False
        if not has_more:
            return False
        if page >= self.max_pages:
            if self.watermark is None:
                self.logger.info("first run of %s: history limited to %s pages", self.source_name, self.max_pages)
            else:
                self.note_truncated(f"达到页数上限 {self.max_pages} 页，仍未读到上次完整采集的位置，可能漏采")
            return False
        return True

    def reached_known(self, ids: list[str], times: list[datetime]) -> bool:
        """True once a page is older than the last complete run's watermark (less the overlap), or, when the
        page shows no times, when every post on it is already stored. After an incomplete run nothing counts
        as reached, so a crashed or blocked run's gap is filled."""
        if not self.last_complete or self.watermark is None:
            return False
        if times:
            return min(times) < self.watermark - self.overlap
        return set(ids) <= self.state.seen(ids)

    # --- health notes -----------------------------------------------------------------------------------
    def note_items(self, count: int) -> None:
        self.crawler.stats.inc_value("yuqing/items_parsed", count)

    def note_error(self, reason: str, url: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("yuqing/errors")
        samples = stats.get_value("yuqing/error_samples") or []
        if len(samples) < _SAMPLES:
            stats.set_value("yuqing/error_samples", samples + [f"{reason} @ {self.rewriter.to_public(url)}".strip()])
        self.logger.warning("%s (%s)", reason, self.rewriter.to_public(url))

    def note_blocked(self, reason: str, url: str) -> None:
        stats = self.crawler.stats
        reasons = stats.get_value("yuqing/blocked_reasons") or []
        if reason not in reasons:
            stats.set_value("yuqing/blocked_reasons", reasons + [reason])
        self.logger.warning("blocked: %s (%s)", reason, self.rewriter.to_public(url))

    def note_empty(self) -> None:
        """A page said, in the structure this spider knows, that there is nothing (an empty feed, an empty
        list answer): zero items from this run are then not format drift."""
        self.crawler.stats.set_value("yuqing/said_empty", True)

    def note_drift(self, reason: str, response) -> None:
        """A page came back (HTTP 200) in a structure this spider does not know: recorded as format drift
        (格式异常) with a bounded sample of that page, so a person can see what the site sends now."""
        stats = self.crawler.stats
        if not stats.get_value("yuqing/drift_reason"):
            stats.set_value("yuqing/drift_reason", reason)
            stats.set_value("yuqing/drift_sample", page_sample(response, self.rewriter.to_public(response.url)))
        self.logger.warning("format drift: %s (%s)", reason, self.rewriter.to_public(response.url))

    def note_truncated(self, reason: str) -> None:
        self.crawler.stats.set_value("yuqing/truncated_reason", reason)
        self.logger.warning("truncated: %s", reason)

