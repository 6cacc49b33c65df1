"""The crowd's reactions to chosen posts: Weibo comments and reposts, Tieba reply floors and 楼中楼 replies.

Options (written by the crawl's composition root, see ``core.reactions``): ``targets`` (dicts with
``post_id``, ``platform``, ``native_id``), ``max_per_post`` (reactions kept per target post, split between its
two feeds), ``weibo_api`` (default ``https://m.weibo.cn``), ``tieba_host`` (default
``https://tieba.baidu.com``). Every reaction is a post with ``parent_id`` (our id of the post it reacts to) and
``relation`` (``comment`` / ``repost`` / ``reply``); a repost that says nothing of its own is spread of its
parent (a copy), as in the search crawl.

Real answers: ``/comments/hotflow?id=&mid=&max_id_type=0`` → ``{"ok":1,"data":{"data":[comment…],
"total_number","max_id","max_id_type"}}`` (a comment has ``id``, ``created_at``, ``text``, ``user``,
``like_count``, ``total_number`` and its first replies in ``comments``, or ``false``); the next page passes
``max_id`` and ``max_id_type``, and ``max_id`` 0 ends it; no comments: ``{"ok":0,"msg":"快来发表你的评论吧"}``.
``/api/statuses/repostTimeline?id=&page=`` → ``{"ok":1,"data":{"data":[mblog…],"total_number","max"}}`` (``max``:
the number of pages); none: ``{"ok":0,"msg":"还没有人转发过"}``. Tieba: the thread page's floors
(``div.l_post``, post_no > 1) and ``/p/totalComment?tid=&pn=&see_lz=0`` → ``{"errno":0,"data":{"comment_list":
{post_id: {"comment_info":[…]}} or [] when there are none, "user_list": {user_id: {"show_nickname"…}}}}``.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from core.errors import ConfigurationError
from core.reactions import ReactionTarget, target_from_option
from crawlers.items import PostItem
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.tieba import data_field, floor_author, floor_time
from crawlers.spiders.weibo import TRIVIAL_REPOST_CHARS, copy_item, count_of, mblog_item, own_words

DEFAULT_MAX_PER_POST = 100


class ReactionsSpider(SourceSpider):
    name = "reactions"
    platform = ""
    expects_items = False           # a post without comments or reposts is common, not format drift

    def configure(self, settings) -> None:
        super().configure(settings)
        self.weibo_api = str(self.options.get("weibo_api", "https://m.weibo.cn")).rstrip("/")
        self.tieba_host = str(self.options.get("tieba_host", "https://tieba.baidu.com")).rstrip("/")
        try:
            self.max_per_post = int(self.options.get("max_per_post", DEFAULT_MAX_PER_POST))
        except (TypeError, ValueError):
            raise ConfigurationError("reactions: option 'max_per_post' must be a whole number") from None
        self.targets = [t for t in map(target_from_option, self.option_list("targets")) if t is not None]
        # What each feed of each target may still yield: half of the post's bound each (comments, reposts).
        self.left: dict[tuple[str, str], int] = {}

    def start_requests(self) -> Iterator:
        share = max(1, (self.max_per_post + 1) // 2)
        for target in self.targets:
            if target.platform == "weibo":
                self.left[(target.post_id, "comment")] = self.left[(target.post_id, "repost")] = share
                yield self._comments(target, max_id="", max_id_type="0", page=1)
                yield self._reposts(target, page=1)
            elif target.platform == "tieba":
                self.left[(target.post_id, "reply")] = self.max_per_post
                yield self._thread(target, 1, first_pid="")

    def _take(self, target: ReactionTarget, feed: str, items: list) -> list:
        """The items this feed may still yield for this target; the rest are left for a later round."""
        left = self.left.get((target.post_id, feed), 0)
        self.left[(target.post_id, feed)] = max(0, left - len(items))
        return items[:left]

    def _has_room(self, target: ReactionTarget, feed: str, page: int) -> bool:
        return self.left.get((target.post_id, feed), 0) > 0 and page < self.max_pages

    def _json(self, response) -> Any:
        try:
            return json.loads(response.text)
        except ValueError as error:
            self.note_error(f"JSON 格式错误（{error.msg}，第 {error.pos} 字符）", response.url)
            return None

    # --- Weibo ------------------------------------------------------------------------------------------
    def _comments(self, target: ReactionTarget, max_id: str, max_id_type: str, page: int):
        mid = target.native_id
        cursor = f"&max_id={max_id}" if max_id else ""
        url = f"{self.weibo_api}/comments/hotflow?id={mid}&mid={mid}{cursor}&max_id_type={max_id_type}"
        return self.fetch(url, self.parse_comments, target=target, page=page)

    def _reposts(self, target: ReactionTarget, page: int):
        url = f"{self.weibo_api}/api/statuses/repostTimeline?id={target.native_id}&page={page}"
        return self.fetch(url, self.parse_reposts, target=target, page=page)

    def parse_comments(self, response, target: ReactionTarget, page: int) -> Iterator:
        data = self._json(response)
        if not isinstance(data, dict) or data.get("ok") != 1:
            return                              # {"ok":0,"msg":"快来发表你的评论吧"}: no comments
        body = data.get("data") or {}
        items = []
        for comment in body.get("data") or []:
            if isinstance(comment, dict) and comment.get("id"):
                items.append(self.comment_item(comment, target, target.post_id, "comment"))
                for reply in comment.get("comments") or []:
                    if isinstance(reply, dict) and reply.get("id"):
                        items.append(self.comment_item(reply, target, f"weibo:{comment['id']}", "reply"))
        self.note_items(len(items))
        yield from self._take(target, "comment", items)
        max_id = str(body.get("max_id") or "0")
        if max_id != "0" and self._has_room(target, "comment", page):
            yield self._comments(target, max_id, str(body.get("max_id_type") or "0"), page + 1)

    def comment_item(self, comment: dict, target: ReactionTarget, parent_id: str, relation: str) -> PostItem:
        user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
        return PostItem(native_id=str(comment["id"]), platform="weibo",
                        url=f"https://m.weibo.cn/detail/{target.native_id}?cid={comment['id']}",
                        published_at=comment.get("created_at"), text=comment.get("text", ""), title="",
                        author=user.get("screen_name", ""), likes=count_of(comment.get("like_count")),
                        comments=count_of(comment.get("total_number")), parent_id=parent_id, relation=relation,
                        raw={k: v for k, v in comment.items() if k != "comments"}, page=comment)

    def parse_reposts(self, response, target: ReactionTarget, page: int) -> Iterator:
        data = self._json(response)
        if not isinstance(data, dict) or data.get("ok") != 1:
            return                              # {"ok":0,"msg":"还没有人转发过"}
        body = data.get("data") or {}
        items = []
        for blog in body.get("data") or []:
            if not isinstance(blog, dict) or not blog.get("id"):
                continue
            if len(own_words(blog)) < TRIVIAL_REPOST_CHARS:
                items.append(copy_item(blog, target.post_id))
            else:
                items.append(mblog_item(blog, parent_id=target.post_id, relation="repost"))
        self.note_items(len(items))
        yield from self._take(target, "repost", items)
        if page < count_of(body.get("max")) and self._has_room(target, "repost", page):
            yield self._reposts(target, page + 1)

    # --- Tieba ------------------------------------------------------------------------------------------
    def _thread(self, target: ReactionTarget, pn: int, first_pid: str):
        url = f"{self.tieba_host}/p/{target.native_id}" + (f"?pn={pn}" if pn > 1 else "")
        return self.fetch(url, self.parse_floors, target=target, pn=pn, first_pid=first_pid)

    def parse_floors(self, response, target: ReactionTarget, pn: int, first_pid: str) -> Iterator:
        tid, items = target.native_id, []
        for floor in response.css("div.l_post"):
            field = data_field(floor)
            content = field.get("content") or {}
            pid = str(content.get("post_id") or "")
            if not pid.isdigit():
                continue
            if content.get("post_no") == 1:
                first_pid = pid
                continue
            text = floor.css("div.d_post_content").get() or ""
            items.append(PostItem(native_id=f"{tid}_{pid}", platform="tieba",
                                  url=f"https://tieba.baidu.com/p/{tid}?pid={pid}",
                                  published_at=floor_time(floor, content), title="", text=text,
                                  author=floor_author(floor, field), comments=int(content.get("comment_num") or 0),
                                  parent_id=target.post_id, relation="reply", raw={"data_field": field}, page=text))
        self.note_items(len(items))
        yield from self._take(target, "reply", items)
        yield self.fetch(f"{self.tieba_host}/p/totalComment?tid={tid}&pn={pn}&see_lz=0", self.parse_lzl,
                         target=target, first_pid=first_pid)
        more = any("下一页" in (a.css("::text").get() or "") for a in response.css("li.l_pager a"))
        if more and self._has_room(target, "reply", pn):
            yield self._thread(target, pn + 1, first_pid)

    def parse_lzl(self, response, target: ReactionTarget, first_pid: str) -> Iterator:
        data = self._json(response)
        body = (data or {}).get("data") if isinstance(data, dict) and data.get("errno") == 0 else None
        floors = (body or {}).get("comment_list")
        if not isinstance(floors, dict):
            return                              # [] when no floor on this page has replies
        users = body.get("user_list") if isinstance(body.get("user_list"), dict) else {}
        tid, items = target.native_id, []
        for pid, floor in floors.items():
            parent = target.post_id if str(pid) == first_pid else f"tieba:{tid}_{pid}"
            for reply in (floor or {}).get("comment_info") or []:
                cid = str(reply.get("comment_id") or "")
                if not cid.isdigit():
                    continue
                user = users.get(str(reply.get("user_id"))) or {}
                author = user.get("show_nickname") or user.get("user_nickname") or reply.get("username") or ""
                items.append(PostItem(native_id=f"{tid}_{pid}_{cid}", platform="tieba",
                                      url=f"https://tieba.baidu.com/p/{tid}?pid={pid}&cid={cid}",
                                      published_at=reply.get("now_time"), title="",
                                      text=str(reply.get("content") or ""),
                                      author=author, parent_id=parent, relation="reply", raw=reply, page=reply))
        self.note_items(len(items))
        yield from self._take(target, "reply", items)
