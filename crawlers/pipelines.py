"""Item pipelines: normalise every item into a ``core.post.Post`` (or drop it, saying why), then write the
posts to the store in batches through the PostStore contract, with duplicates and near-copies folded in.

The post store and the crawl state come from the zero-argument factories in the Scrapy settings
``YUQING_POST_STORE`` and ``YUQING_CRAWL_STATE``, set by the crawl's composition root: the crawlers never
import a backend. They are asked for at the first batch, so a store that cannot be reached is recorded as the
run's failure (``store_failed``) like any failed write.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any, Callable

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from core.crawl_state import CrawlStateStore
from core.errors import InvalidInput, YuqingError
from core.post import Post, canonical_url, post_from_mapping
from core.storage import PostStore
from crawlers.ingest import ingest_batch
from crawlers.items import CopyItem
from crawlers.normalise import cap_text, clean_text, parse_cn_time
from crawlers.wiring import factory

log = logging.getLogger(__name__)

# Clocks of sites and of this machine disagree a little; beyond this a time "in the future" is wrong.
FUTURE_TOLERANCE = timedelta(minutes=10)
CAPTURE = "scrapy crawl {spider} (yuqing 0.1), source {source}"


class NormalisePipeline:
    """HTML stripped, widths unified, times absolute (crawl clock), URL canonical, fields checked."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item, spider):
        now = spider.clock.now()
        if isinstance(item, CopyItem):
            data = dict(item)
            try:
                data["published_at"] = self._time(data.get("published_at"), now, spider, data)
            except InvalidInput:
                data["published_at"] = None      # a copy without a readable time still counts as spread
            data["url"] = canonical_url(data["url"])
            return data
        # A shallow copy: asdict() would rebuild every nested payload (a Weibo mblog) for nothing.
        data = dict(ItemAdapter(item).items())
        try:
            data["published_at"] = self._time(data.get("published_at"), now, spider, data)
            data.update(text=self._capped_text(data, spider), title=clean_text(data.get("title") or ""),
                        author=clean_text(data.get("author") or ""), url=canonical_url(data.get("url") or ""),
                        source=spider.source_name, platform=data.get("platform") or spider.platform,
                        fetched_at=now, capture_method=CAPTURE.format(spider=spider.name, source=spider.source_name))
            if isinstance(data.get("page"), (dict, list)):
                data["page"] = json.dumps(data["page"], ensure_ascii=False)
            post = post_from_mapping({k: v for k, v in data.items() if v is not None})
        except InvalidInput as error:
            self.stats.inc_value("yuqing/items_dropped")
            spider.note_error(f"丢弃条目（{error.field or '?'}）：{error}", data.get("url") or "")
            raise DropItem(f"{data.get('url')}: {error}") from None
        self.stats.max_value("yuqing/newest_ts", post.published_at.timestamp())
        return post

    def _capped_text(self, data: dict, spider) -> str:
        """The post's clean text, cut at ``YUQING_MAX_TEXT_CHARS`` (a 5M-character post took 132 s and 558 MB
        to store); a cut post says so in ``raw["truncated"]`` with its original length."""
        limit = spider.settings.getint("YUQING_MAX_TEXT_CHARS")
        text, cut = cap_text(data.get("text") or "", limit)
        if cut:
            self.stats.inc_value("yuqing/texts_truncated")
            spider.logger.warning("text of %s cut at %s characters (it had %s)", data.get("url"), limit, cut)
            raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
            data["raw"] = {**raw, "truncated": True, "text_chars": cut}
        return text

    def _time(self, value, now, spider, data):
        published = parse_cn_time(value, now)
        if published > now + FUTURE_TOLERANCE:
            # Repaired, not dropped: the post exists, only its printed time is wrong.
            log.warning("time %r of %s is in the future; using the fetch time", value, data.get("url"))
            self.stats.inc_value("yuqing/times_repaired")
            data.setdefault("raw", {})
            if isinstance(data["raw"], dict):
                data["raw"] = {**data["raw"], "printed_time": str(value)}
            return now
        return published


class StorePipeline:
    """Buffers posts and writes them in batches of ``YUQING_BATCH_SIZE``; flushes when the spider closes."""

    def __init__(self, open_store: Callable[[], PostStore], open_state: Callable[[], CrawlStateStore],
                 batch_size: int, stats):
        self.open_store, self.open_state = open_store, open_state
        self.batch_size = max(1, batch_size)
        self.stats = stats
        self.posts: list[Post] = []
        self.copies: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(factory(settings, "YUQING_POST_STORE"), factory(settings, "YUQING_CRAWL_STATE"),
                   settings.getint("YUQING_BATCH_SIZE"), crawler.stats)

    def process_item(self, item, spider):
        if isinstance(item, Post):
            self.posts.append(item)
        else:
            self.copies.append(item)
        if len(self.posts) + len(self.copies) >= self.batch_size:
            self.flush(spider, final=False)
        return item

    def close_spider(self, spider):
        self.flush(spider, final=True)

    def flush(self, spider, final: bool) -> None:
        posts, copies, self.posts, self.copies = self.posts, self.copies, [], []
        if not posts and not copies:
            return
        try:
            state = self.open_state()
            result = ingest_batch(self.open_store(), state, posts, copies)
            state.mark_seen(result.stored_ids)
        except YuqingError as error:
            self.stats.set_value("yuqing/store_failed", True)
            spider.note_error(f"写入存储失败：{error}", "")
            raise
        for name in ("new", "updated", "duplicate", "copies"):
            self.stats.inc_value(f"yuqing/items_{name}", getattr(result, name))
        for reason in result.rejected:
            self.stats.inc_value("yuqing/items_dropped")
            spider.note_error(f"存储拒收：{reason}", "")
        if final:
            for orphan in result.orphans:
                self.stats.inc_value("yuqing/items_dropped")
                spider.note_error(f"转发的原帖未能采集：{orphan['original_id']}", orphan["url"])
        else:
            self.copies.extend(result.orphans)     # the original may arrive in a later batch
