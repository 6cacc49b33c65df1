"""Weibo through its mobile JSON API: keyword search and watched accounts.

``/api/container/getIndex?containerid=100103type=1&q=<keyword>&page_type=searchall&page=N`` (search) and
``containerid=107603<uid>`` (an account's timeline) answer ``{"ok": 1, "data": {"cardlistInfo": {...},
"cards": [...]}}``. Cards of ``card_type`` 9 hold an ``mblog`` (HTML ``text``, ``created_at`` such as 刚刚 /
5分钟前 / 昨天 12:30 / 11-28 / ``Thu Nov 26 09:05:00 +0800 2026``, counts, ``user``, ``isLongText`` with the
full text at ``/statuses/extend?id=``, ``retweeted_status`` for reposts); the search layout nests them in
``card_group`` lists (card_type 11); other cards (ads, 相关用户, 暂无结果 notices) hold none and are skipped.

Paging: search answers name the next page in ``cardlistInfo.page``; timelines usually page by
``cardlistInfo.since_id`` (the next request adds ``&since_id=``) with no ``page`` key at all. A timeline's
pinned post (``isTop: 1``, ``title.text`` 置顶, ``mblogtype`` 2) is stored like any post, but as it is older
than the rest it never counts towards the watermark that stops paging. A repost of a deleted post
(``retweeted_status`` with ``deleted: "1"`` or no user) keeps only its own words.

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


def count_of(value: Any) -> int:
    """A count as Weibo prints it: 12, "12", "1.2万", "100万+"; 0 when unreadable."""
    text = str(value if value is not None else "").strip().rstrip("+")
    scale = 10000 if text.endswith("万") else 100000000 if text.endswith("亿") else 1
    try:
        return max(0, int(float(text.rstrip("万亿") or 0) * scale))
    except ValueError:
        return 0


def is_pinned(blog: dict) -> bool:
    """A post the account pinned to the top of its timeline (置顶)."""
    title = blog.get("title") if isinstance(blog.get("title"), dict) else {}
    return bool(blog.get("isTop")) or title.get("text") == "置顶" or str(blog.get("mblogtype")) == "2"


def original_of(blog: dict) -> dict | None:
    """The reposted post, or None when the post is not a repost."""
    original = blog.get("retweeted_status")
    return original if isinstance(original, dict) and original.get("id") else None


def is_deleted(blog: dict) -> bool:
    """A reposted post its author deleted or hid: Weibo keeps a stub with ``deleted`` or without a user."""
    return str(blog.get("deleted") or "") == "1" or not isinstance(blog.get("user"), dict)


def own_words(blog: dict) -> str:
    """What a repost says itself: the text before the first ``//@`` of the chain it repeats."""
    return clean_text(blog.get("text", "")).split("//@")[0].strip()


def mblog_item(blog: dict, **extra: Any) -> PostItem:
    """A post from an ``mblog`` object (any answer that carries one: getIndex, repostTimeline)."""
    mid = str(blog.get("id") or blog.get("mid") or "")
    user = blog.get("user") if isinstance(blog.get("user"), dict) else {}
    raw = {k: v for k, v in blog.items() if k != "retweeted_status"}
    original = original_of(blog)
    if original is not None:
        raw["retweeted_id"] = str(original.get("id"))
        if is_deleted(original):
            raw["retweeted_deleted"] = True
        else:
            # The crowd's reaction contract (core.post): a repost names the post it spreads.
            extra = {"parent_id": f"weibo:{original.get('id')}", "relation": "repost", **extra}
    return PostItem(native_id=mid or None, platform="weibo", url=f"https://m.weibo.cn/detail/{mid}",
                    published_at=blog.get("created_at"), text=blog.get("text", ""), title="",
                    author=user.get("screen_name", ""), reposts=count_of(blog.get("reposts_count")),
                    comments=count_of(blog.get("comments_count")), likes=count_of(blog.get("attitudes_count")),
                    raw=raw, page=raw, **extra)


def copy_item(blog: dict, original_id: str) -> CopyItem:
    """A repost that says nothing of its own: spread of ``original_id``."""
    return CopyItem(id=f"weibo:{blog.get('id')}", original_id=original_id, platform="weibo",
                    url=f"https://m.weibo.cn/detail/{blog.get('id')}",
                    author=(blog.get("user") or {}).get("screen_name", ""), published_at=blog.get("created_at"))


def mblogs(data: Any) -> Iterator[dict]:
    """Every ``mblog`` of a getIndex answer, including those inside ``card_group`` (card_type 11); cards
    without one (ads, user cards, notices) and mblogs without an id are skipped."""
    if not isinstance(data, dict) or data.get("ok") != 1:
        return
    for card in (data.get("data") or {}).get("cards") or []:
        if not isinstance(card, dict):
            continue
        for inner in [card, *(card.get("card_group") or [])]:
            blog = inner.get("mblog") if isinstance(inner, dict) else None
            if isinstance(blog, dict) and (blog.get("id") or blog.get("mid")):
                yield blog


def next_page(info: dict) -> dict[str, str]:
    """The query of the next page that ``cardlistInfo`` names: ``page`` (search) or ``since_id`` (timelines)."""
    if str(info.get("page") or "").strip() not in ("", "0", "None"):
        return {"page": str(info["page"])}
    if str(info.get("since_id") or "").strip() not in ("", "0"):
        return {"since_id": str(info["since_id"])}
    return {}


class WeiboSpider(SourceSpider):
    name = "weibo"
    platform = "weibo"

    def start_requests(self) -> Iterator:
        api = str(self.options.get("api", "https://m.weibo.cn")).rstrip("/")
        for keyword in self.option_list("keywords"):
            container = "100103type=1&q=" + str(keyword)
            yield self._index(api, container, 1, {"page": "1"})
        for account in self.option_list("accounts"):
            uid = str(account.get("uid") if isinstance(account, dict) else account)
            yield self._index(api, "107603" + uid, 1, {})

    def _index(self, api: str, container: str, page: int, cursor: dict[str, str]):
        query = "".join(f"&{name}={quote(value, safe='')}" for name, value in cursor.items())
        url = f"{api}/api/container/getIndex?containerid={quote(container, safe='')}&page_type=searchall{query}"
        return self.fetch(url, self.parse_index, api=api, container=container, page=page)

    def parse_index(self, response, api: str, container: str, page: int) -> Iterator:
        try:
            data = json.loads(response.text)
        except ValueError as error:
            self.note_error(f"JSON 格式错误（{error.msg}，第 {error.pos} 字符）", response.url)
            return
        blogs = list(mblogs(data))
        self.note_items(len(blogs))
        ids, times = [], []
        for blog in blogs:
            ids.append(f"weibo:{blog.get('id') or blog.get('mid')}")
            if not is_pinned(blog):
                try:
                    times.append(parse_cn_time(blog.get("created_at"), self.clock.now()))
                except InvalidInput:
                    pass
            yield from self.items_of(blog, api)
        cursor = next_page((data.get("data") or {}).get("cardlistInfo") or {}) if isinstance(data, dict) else {}
        if self.keep_paging(response, page, ids, times, bool(cursor)):
            yield self._index(api, container, page + 1, cursor)

    def items_of(self, blog: dict, api: str) -> Iterator:
        original = original_of(blog)
        if original is not None and not is_deleted(original):
            yield from self.post_or_long(original, api)
            if len(own_words(blog)) < TRIVIAL_REPOST_CHARS:
                yield copy_item(blog, f"weibo:{original['id']}")
                return
        elif original is not None and len(own_words(blog)) < TRIVIAL_REPOST_CHARS:
            # 转发微博 of a deleted post: nothing left to store or to count as spread.
            self.crawler.stats.inc_value("yuqing/reposts_of_deleted")
            return
        yield from self.post_or_long(blog, api)

    def post_or_long(self, blog: dict, api: str) -> Iterator:
        item = mblog_item(blog)
        if blog.get("isLongText"):
            yield self.fetch(f"{api}/statuses/extend?id={blog.get('id')}", self.parse_long, item=item)
        else:
            yield item

    def post_item(self, blog: dict) -> PostItem:
        return mblog_item(blog)

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
