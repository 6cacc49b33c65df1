"""Baidu Tieba: a bar's thread list (``/f?kw=<bar>&pn=<offset>``) and thread pages (``/p/<tid>``).

Options: ``bar`` (a bar name or a list of them), ``host`` (default ``https://tieba.baidu.com``),
``max_pages``. A thread becomes one post: its first floor, with the list's reply count as comments.
"""

from __future__ import annotations

import json
from typing import Iterator
from urllib.parse import quote

from crawlers.items import PostItem
from crawlers.normalise import clean_text
from crawlers.spiders.base import SourceSpider

PN_STEP = 50


class TiebaSpider(SourceSpider):
    name = "tieba"
    platform = "tieba"

    def start_requests(self) -> Iterator:
        host = str(self.options.get("host", "https://tieba.baidu.com")).rstrip("/")
        for bar in self.option_list("bar"):
            yield self._list(host, str(bar), 0)

    def _list(self, host: str, bar: str, pn: int):
        return self.fetch(f"{host}/f?kw={quote(bar)}&ie=utf-8&pn={pn}", self.parse_list, host=host, bar=bar, pn=pn)

    def parse_list(self, response, host: str, bar: str, pn: int) -> Iterator:
        threads = []
        for row in response.css("li.j_thread_list"):
            try:
                field = json.loads(row.attrib.get("data-field") or "{}")
            except ValueError:
                field = {}
            tid = str(field.get("id") or row.attrib.get("data-tid") or "")
            if not tid:
                self.note_error("帖子列表里有一行没有帖子编号", response.url)
                continue
            threads.append((tid, int(field.get("reply_num") or 0)))
        self.note_items(len(threads))
        ids = [f"tieba:{tid}" for tid, _ in threads]
        seen = self.state.seen(ids)
        for (tid, replies), post_id in zip(threads, ids):
            if post_id in seen:
                self.crawler.stats.inc_value("yuqing/items_duplicate")
                continue
            yield self.fetch(f"{host}/p/{tid}", self.parse_thread, tid=tid, replies=replies, bar=bar)
        has_next = bool(response.css("a.next::attr(href)").get())
        if self.keep_paging(response, pn // PN_STEP + 1, ids, [], has_next):
            yield self._list(host, bar, pn + PN_STEP)

    def parse_thread(self, response, tid: str, replies: int, bar: str) -> Iterator[PostItem]:
        first = response.css("div.l_post")[:1]
        title = response.css("h3.core_title_txt::attr(title)").get() or response.css("title::text").get() or ""
        if not first:
            self.note_error("帖子页里找不到一楼（版式可能已改变）", response.url)
            return
        try:
            field = json.loads(first[0].attrib.get("data-field") or "{}")
        except ValueError:
            field = {}
        content = field.get("content") or {}
        when = content.get("date") or (first.css("span.tail-info::text").getall() or [""])[-1]
        author = (field.get("author") or {}).get("user_name") or first.css("a.p_author_name::text").get() or ""
        text = first.css("div.d_post_content").get() or ""
        yield PostItem(native_id=tid, platform="tieba", url=f"https://tieba.baidu.com/p/{tid}", published_at=when,
                       title=clean_text(title), text=text, author=author, comments=replies,
                       raw={"bar": bar, "data_field": field}, page=response.text)
