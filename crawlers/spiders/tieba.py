"""Baidu Tieba: a bar's thread list (``/f?kw=<bar>&pn=<offset>``) and thread pages (``/p/<tid>``).

Options: ``bar`` (a bar name or a list of them), ``host`` (default ``https://tieba.baidu.com``),
``max_pages``. A thread becomes one post: its first floor, with the list's reply count as comments.

The real list page ships its thread list inside an HTML comment (``<code class="pagelet_html"
id="pagelet_html_frs-list/pagelet/thread_list"><!-- <ul id="thread_list">… --></code>``, rendered by the
page's scripts), so the rows and the pager are read from that comment. Pinned threads (``is_top``, class
``thread_top``) are old and stay pinned: they never decide whether paging goes on. On the thread page the
author is the displayed name (``a.p_author_name``), not the login name in ``data-field``; a floor's time is in
its ``span.tail-info`` (newer pages have no ``date`` in ``data-field.content``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator
from urllib.parse import quote

from parsel import Selector

from crawlers.items import PostItem
from crawlers.normalise import clean_text
from crawlers.spiders.base import SourceSpider

PN_STEP = 50
LIST_PAGELET = "pagelet_html_frs-list/pagelet/thread_list"
_FLOOR_TIME = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}|\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}|"
                         r"\d{1,2}:\d{2}|刚刚|\d+\s*(?:分钟|小时)前|昨天\s*\d{1,2}:\d{2})\s*$")


def thread_list(response) -> Selector:
    """The part of a list page that holds the thread rows and the pager: the page itself when the rows are
    plain markup, otherwise the commented-out pagelet (Tieba's usual form)."""
    if response.css("li.j_thread_list"):
        return response.selector
    hidden = "".join(response.xpath(f'//code[@id="{LIST_PAGELET}"]/comment()').getall())
    if not hidden:
        # Other pagelets of the same page carry the list when Baidu splits it (e.g. a second list block).
        hidden = "".join(c for c in response.xpath("//code[contains(@id, 'thread_list')]/comment()").getall())
    inner = re.sub(r"^\s*<!--|-->\s*$", "", hidden.strip()) if hidden else ""
    return Selector(text=inner.replace("--><!--", "")) if inner else Selector(text="<html></html>")


def data_field(node) -> dict[str, Any]:
    """A node's ``data-field`` JSON (Tieba's per-row and per-floor metadata); {} when absent or broken."""
    try:
        value = json.loads(node.attrib.get("data-field") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def floor_time(floor, content: dict[str, Any]) -> str:
    """A floor's printed time: ``data-field.content.date`` on older pages, else the ``tail-info`` that reads
    as a time (the other tail-infos say 来自 Android客户端 or 1楼)."""
    if content.get("date"):
        return str(content["date"])
    for text in reversed(floor.css("span.tail-info::text, div.post-tail-wrap span::text").getall()):
        if _FLOOR_TIME.match(text):
            return text.strip()
    return ""


def floor_author(floor, field: dict[str, Any]) -> str:
    """The name the page shows (``a.p_author_name``, a span for 匿名用户), falling back to data-field's nickname, then login name."""
    shown = " ".join(t.strip() for t in floor.css(".p_author_name ::text").getall() if t.strip())
    author = field.get("author") or {}
    return shown or str(author.get("user_nickname") or author.get("user_name") or "")


class TiebaSpider(SourceSpider):
    name = "tieba"
    platform = "tieba"

    def start_requests(self) -> Iterator:
        host = str(self.options.get("host", "https://tieba.baidu.com")).rstrip("/")
        for bar in self.option_list("bar"):
            yield self._list(host, str(bar), 0)

    def _list(self, host: str, bar: str, pn: int):
        return self.fetch(f"{host}/f?kw={quote(bar)}&ie=utf-8&pn={pn}", self.parse_list, host=host, bar=bar, pn=pn)

    def list_rows(self, response) -> tuple[list[tuple[str, int, bool]], bool]:
        """(thread id, reply count, pinned) of every row, and whether the pager shows a next page."""
        area = thread_list(response)
        rows = []
        for row in area.css("li.j_thread_list"):
            field = data_field(row)
            tid = str(field.get("id") or row.attrib.get("data-tid") or "")
            if not tid.isdigit():
                self.note_error("帖子列表里有一行没有帖子编号", response.url)
                continue
            pinned = bool(field.get("is_top")) or "thread_top" in (row.attrib.get("class") or "")
            rows.append((tid, int(field.get("reply_num") or 0), pinned))
        return rows, bool(area.css("a.next::attr(href)").get())

    def parse_list(self, response, host: str, bar: str, pn: int) -> Iterator:
        rows, has_next = self.list_rows(response)
        self.note_items(len(rows))
        seen = self.state.seen([f"tieba:{tid}" for tid, _, _ in rows])
        for tid, replies, _ in rows:
            if f"tieba:{tid}" in seen:
                self.crawler.stats.inc_value("yuqing/items_duplicate")
                continue
            yield self.fetch(f"{host}/p/{tid}", self.parse_thread, tid=tid, replies=replies, bar=bar)
        # Pinned threads stay on page 1 for months: whether they were seen says nothing about the rest.
        paging_ids = [f"tieba:{tid}" for tid, _, pinned in rows if not pinned]
        if self.keep_paging(response, pn // PN_STEP + 1, paging_ids, [], has_next):
            yield self._list(host, bar, pn + PN_STEP)

    def parse_thread(self, response, tid: str, replies: int, bar: str) -> Iterator[PostItem]:
        floors = response.css("div.l_post")
        title = response.css("h3.core_title_txt::attr(title), h1.core_title_txt::attr(title)").get() \
            or response.css("title::text").get() or ""
        if not floors:
            self.note_error("帖子页里找不到一楼（版式可能已改变）", response.url)
            return
        first = next((f for f in floors if (data_field(f).get("content") or {}).get("post_no") == 1), floors[0])
        field = data_field(first)
        content = field.get("content") or {}
        text = first.css("div.d_post_content").get() or ""
        yield PostItem(native_id=tid, platform="tieba", url=f"https://tieba.baidu.com/p/{tid}",
                       published_at=floor_time(first, content), title=clean_text(title), text=text,
                       author=floor_author(first, field), comments=replies,
                       raw={"bar": bar, "data_field": field}, page=response.text)
