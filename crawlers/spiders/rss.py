"""RSS 2.0 and Atom feeds (government portals, local media). Options: ``feeds`` (feed URLs).

Real feeds of Chinese government portals and media: text and HTML in CDATA, GBK or GB2312 declared in the XML
declaration, relative item links (resolved against the feed's own address), ``dc:creator``/``author``, RFC 822
or ``YYYY-MM-DD HH:MM:SS`` dates. A 200 answer that is not a feed at all is format drift (格式异常).

A feed only keeps its latest items; when even its oldest item is newer than what the last complete run
saw, items may have scrolled out unseen, and the run is recorded as truncated rather than complete.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urljoin, urlsplit

from core.errors import InvalidInput
from crawlers.items import PostItem
from crawlers.normalise import parse_cn_time
from crawlers.spiders.base import SourceSpider


class RssSpider(SourceSpider):
    name = "rss"
    platform = "rss"

    def start_requests(self) -> Iterator:
        for url in self.option_list("feeds"):
            yield self.fetch(str(url), self.parse_feed)

    def parse_feed(self, response) -> Iterator[PostItem]:
        selector = response.selector
        try:
            selector.remove_namespaces()
            entries = selector.xpath("//item | //entry")
        except (AttributeError, ValueError) as error:
            self.note_error(f"订阅源不是 XML：{error}", response.url)
            return
        if not entries and not selector.xpath("/rss | /feed | /RDF"):
            self.note_drift("订阅源格式无法识别（既不是 RSS 也不是 Atom，可能已迁移或改版）", response)
            return
        self.note_items(len(entries))
        if not entries:
            self.note_empty()                   # a feed without items is still a feed
        times = []
        feed_url = self.rewriter.to_public(response.url)
        for entry in entries:
            item = self.entry_item(entry, feed_url)
            if item is None:
                self.note_error("订阅条目缺少链接", response.url)
                continue
            try:
                times.append(parse_cn_time(item["published_at"], self.clock.now()))
            except InvalidInput:
                pass
            yield item
        if times and self.last_complete and self.watermark and min(times) > self.watermark:
            self.note_truncated(f"订阅源最早一条也晚于上次采集位置，中间可能有 {len(entries)} 条以外的漏采")

    def entry_item(self, entry, feed_url: str) -> PostItem | None:
        first = lambda *paths: next((v.strip() for p in paths for v in entry.xpath(p).getall() if v.strip()), "")  # noqa: E731
        link = first("link/@href", "link/text()", "guid/text()", "id/text()")
        if not link:
            return None
        link = urljoin(feed_url, link)          # county feeds often give "/jyxw/202612/t..._1.html"
        if urlsplit(link).scheme not in ("http", "https"):   # stored, never fetched: only the scheme matters
            return None
        text = first("encoded/text()", "content/text()", "description/text()", "summary/text()")
        return PostItem(platform="rss", url=link, title=first("title/text()"), text=text,
                        published_at=first("pubDate/text()", "published/text()", "updated/text()", "date/text()"),
                        author=first("author/name/text()", "author/text()", "creator/text()"),
                        raw={"guid": first("guid/text()", "id/text()")}, page=entry.get())
