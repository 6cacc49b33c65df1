"""Weibo through its mobile JSON API: keyword search and watched accounts.

``/api/container/getIndex?containerid=100103type=1&q=<keyword>&page=N`` (search) and
``containerid=107603<uid>`` (an account's timeline) answer ``{"ok": 1, "data": {"cards": [...]}}`` with
``mblog`` objects (HTML ``text``, ``created_at`` such as 刚刚 / 5分钟前 / 昨天 12:30 / 11-28, counts, ``user``,
``isLongText`` with the full text at ``/statuses/extend?id=``, ``retweeted_status`` for reposts).

Profile options: ``keywords`` (search terms), ``accounts`` (uids, or tables with ``uid`` and ``name``),
``api`` (default ``https://m.weibo.cn``), ``max_pages``.
"""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote

from core.errors import InvalidInput
from crawlers.items import CopyItem, PostItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.base import SourceSpider

# A repost whose own words are fewer than this many characters (转发微博, 扩散, //@...) is spread, not a post.
TRIVIAL_REPOST_CHARS = 15


class WeiboSpider(SourceSpider):
    name = "weibo"
    platform = "weibo"

    def start_requests(self) -> Iterator:
        api = str(self.options.get("api", "https://m.weibo.cn")).rstrip("/")
        for keyword in self.option_list("keywords"):
            container = "100103type=1&q=" + str(keyword)
            yield self._index(api, container, 1)
        for account in self.option_list("accounts"):
            uid = str(account.get("uid") if isinstance(account, dict) else account)
            yield self._index(api, "107603" + uid, 1)

    def _index(self, api: str, container: str, page: int):
        url = f"{api}/api/container/getIndex?containerid={quote(container, safe='')}&page_type=searchall&page={page}"
        return self.fetch(url, self.parse_index, api=api, container=container, page=page)

    def parse_index(self, response, api: str, container: str, page: int) -> Iterator:
        try:
            data = json.loads(response.text)
        except ValueError as error:
            self.note_error(f"JSON 格式错误（{error.msg}，第 {error.pos} 字符）", response.url)
            return
        blogs = list(self.mblogs(data))
        self.note_items(len(blogs))
        ids, times = [], []
        for blog in blogs:
            ids.append(f"weibo:{blog.get('id')}")
            try:
                times.append(parse_cn_time(blog.get("created_at"), self.clock.now()))
            except InvalidInput:
                pass
            yield from self.items_of(blog, response, api)
        info = (data.get("data") or {}).get("cardlistInfo") or {}
        if self.keep_paging(response, page, ids, times, bool(info.get("page"))):
            yield self._index(api, container, page + 1)

    @staticmethod
    def mblogs(data: dict) -> Iterator[dict]:
        """Every ``mblog`` of a getIndex answer, including those inside ``card_group`` (card_type 11)."""
        if not isinstance(data, dict) or data.get("ok") != 1:
            return
        for card in (data.get("data") or {}).get("cards") or []:
            for inner in [card, *(card.get("card_group") or [])]:
                if isinstance(inner, dict) and isinstance(inner.get("mblog"), dict):
                    yield inner["mblog"]

    def items_of(self, blog: dict, response, api: str) -> Iterator:
        original = blog.get("retweeted_status")
        if isinstance(original, dict) and original.get("id"):
            yield from self.post_or_long(original, response, api)
            own = clean_text(blog.get("text", "")).split("//@")[0].strip()
            if len(own) < TRIVIAL_REPOST_CHARS:
                yield CopyItem(id=f"weibo:{blog.get('id')}", original_id=f"weibo:{original['id']}", platform="weibo",
                               url=f"https://m.weibo.cn/detail/{blog.get('id')}",
                               author=(blog.get("user") or {}).get("screen_name", ""),
                               published_at=blog.get("created_at"))
                return
        yield from self.post_or_long(blog, response, api)

    def post_or_long(self, blog: dict, response, api: str) -> Iterator:
        item = self.post_item(blog)
        if blog.get("isLongText"):
            yield self.fetch(f"{api}/statuses/extend?id={blog.get('id')}", self.parse_long, item=item)
        else:
            yield item

    def post_item(self, blog: dict) -> PostItem:
        mid = str(blog.get("id") or blog.get("mid") or "")
        user = blog.get("user") or {}
        raw = {k: v for k, v in blog.items() if k != "retweeted_status"}
        if isinstance(blog.get("retweeted_status"), dict):
            raw["retweeted_id"] = str(blog["retweeted_status"].get("id"))
        return PostItem(native_id=mid or None, platform="weibo", url=f"https://m.weibo.cn/detail/{mid}",
                        published_at=blog.get("created_at"), text=blog.get("text", ""), title="",
                        author=user.get("screen_name", ""), reposts=blog.get("reposts_count", 0),
                        comments=blog.get("comments_count", 0), likes=blog.get("attitudes_count", 0),
                        raw=raw, page=raw)

    def parse_long(self, response, item: PostItem) -> Iterator[PostItem]:
        """The full text of a long post; on a bad answer the truncated text is kept and the error noted."""
        try:
            data: Any = json.loads(response.text)
            full = data["data"]["longTextContent"]
        except (ValueError, KeyError, TypeError):
            self.note_error("长微博全文读取失败，保留截断文本", response.url)
            yield item
            return
        item["text"] = full
        item["raw"] = {**item["raw"], "longTextContent": full}
        yield item
