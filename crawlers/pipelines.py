"""Item pipelines: normalise every item into a ``core.post.Post`` (or drop it, saying why), then write the
posts to the store in batches through the PostStore contract, with duplicates and near-copies folded in.

The store is opened by a factory named in the Scrapy setting ``YUQING_STORE_FACTORY`` (by default
``infra.storage:open_post_store``), loaded at run time: the crawlers never import a backend.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from core.errors import InvalidInput, YuqingError
from core.post import Post, canonical_url, post_from_mapping
from core.settings import load_settings
from crawlers.ingest import ingest_batch
from crawlers.items import CopyItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.sources import load_factory, state_path
from crawlers.state import CrawlState

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
            data.update(text=clean_text(data.get("text") or ""), title=clean_text(data.get("title") or ""),
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

    def __init__(self, factory: str, batch_size: int, stats):
        self.factory = factory
        self.batch_size = max(1, batch_size)
        self.stats = stats
        self.posts: list[Post] = []
        self.copies: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("YUQING_STORE_FACTORY"), settings.getint("YUQING_BATCH_SIZE", 200), crawler.stats)

    def open_spider(self, spider):
        yuqing = load_settings()
        self.store = load_factory(self.factory)(yuqing)
        self.state = CrawlState(state_path(yuqing))

    def process_item(self, item, spider):
        if isinstance(item, Post):
            self.posts.append(item)
        else:
            self.copies.append(item)
        if len(self.posts) + len(self.copies) >= self.batch_size:
            self.flush(spider, final=False)
        return item

    def close_spider(self, spider):
        try:
            self.flush(spider, final=True)
        finally:
            self.store.close()
            self.state.close()

    def flush(self, spider, final: bool) -> None:
        posts, copies, self.posts, self.copies = self.posts, self.copies, [], []
        if not posts and not copies:
            return
        try:
            result = ingest_batch(self.store, self.state, posts, copies)
        except YuqingError as error:
            self.stats.set_value("yuqing/store_failed", True)
            spider.note_error(f"写入存储失败：{error}", "")
            raise
        for name in ("new", "updated", "duplicate", "copies"):
            self.stats.inc_value(f"yuqing/items_{name}", getattr(result, name))
        for reason in result.rejected:
            self.stats.inc_value("yuqing/items_dropped")
            spider.note_error(f"存储拒收：{reason}", "")
        self.state.mark_seen(result.stored_ids)
        if final:
            for orphan in result.orphans:
                self.stats.inc_value("yuqing/items_dropped")
                spider.note_error(f"转发的原帖未能采集：{orphan['original_id']}", orphan["url"])
        else:
            self.copies.extend(result.orphans)     # the original may arrive in a later batch
