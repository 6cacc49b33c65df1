"""m.weibo.cn as the simulated web serves it, in the structure of the real answers.

- ``/api/container/getIndex``: keyword search (``100103type=1&q=``, paged by ``page``; cards of card_type 9,
  on the first page after a card_type 11 ``card_group`` of related users and an ad card without an ``mblog``)
  and an account's timeline (``107603<uid>``: paged by ``cardlistInfo.since_id``, no ``page`` key; the
  account's oldest post is pinned on the first page with ``isTop``, ``title.text`` 置顶 and ``mblogtype`` 2).
- ``/statuses/extend?id=``: a long post's full text (``data.longTextContent``).
- ``/comments/hotflow?id=&mid=&max_id=&max_id_type=``: comments (scenario posts with ``reply_to``), newest
  first, paged by ``max_id`` (0 on the last page); ``{"ok":0,"msg":"快来发表你的评论吧"}`` when there are none.
- ``/api/statuses/repostTimeline?id=&page=``: reposts (``repost_of``), ``data.max`` pages;
  ``{"ok":0,"msg":"还没有人转发过"}`` when there are none.
"""

from __future__ import annotations

import html
import json
from datetime import datetime

from core.clock import CHINA_TZ
from infra.simweb.scenario import Scenario, ScenarioPost

PAGE_SIZE = 10
COMMENT_PAGE_SIZE = 20
JSON = "application/json; charset=utf-8"
Page = tuple[int, str, str]
PINNED_FROM = 2            # an account with at least this many posts has pinned its oldest one


def weibo_time(published: datetime, now: datetime) -> str:
    """Weibo's ``created_at`` as the mobile site prints it, relative to the reader's now."""
    seconds = (now - published).total_seconds()
    local, today = published.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ)
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟前"
    if local.date() == today.date():
        # The real site also prints N小时前 here; 今天 HH:MM keeps the minute, so which of two near-copies is
        # the original stays the scenario's ground truth (the spider's parser reads both, see its tests).
        return f"今天 {local:%H:%M}"
    if (today.date() - local.date()).days == 1:
        return f"昨天 {local:%H:%M}"
    if local.year == today.year:
        return f"{local:%m-%d}"
    return f"{local:%Y-%m-%d}"


def _answer(body: dict) -> Page:
    return 200, JSON, json.dumps(body, ensure_ascii=False)


def _listed(scenario: Scenario, now: datetime) -> list[ScenarioPost]:
    """Weibo posts of the timeline and search (comments appear only under their post)."""
    return [p for p in scenario.visible(now, "weibo") if not p.reply_to]


def mblog(scenario: Scenario, post: ScenarioPost, now: datetime, embed: bool = True) -> dict:
    text = html.escape(post.text)
    long = post.long and len(post.text) > 30
    if long:
        text = html.escape(post.text[:30]) + f'...<a href="/status/{post.native_id}">全文</a>'
    blog = {
        "visible": {"type": 0, "list_id": 0},
        "id": post.native_id, "mid": post.native_id, "bid": "N" + post.native_id[-8:],
        "created_at": weibo_time(scenario.published_at(post), now), "text": text,
        "textLength": len(post.text) * 2, "isLongText": long, "source": "iPhone客户端", "mblogtype": 0,
        "reposts_count": post.reposts, "comments_count": post.comments, "attitudes_count": post.likes,
        "pending_approval_count": 0, "region_name": "发布于 四川",
        "user": {"id": int(post.uid), "screen_name": post.author, "verified": post.uid.startswith("65000000")},
    }
    if post.repost_of and embed:
        original = scenario.by_key[post.repost_of]
        blog["retweeted_status"] = mblog(scenario, original, now, embed=False)
    return blog


def _card(scenario: Scenario, post: ScenarioPost, now: datetime, container: str) -> dict:
    return {"card_type": 9, "itemid": f"{container}_-_{post.native_id}",
            "scheme": f"https://m.weibo.cn/status/N{post.native_id[-8:]}?mblogid=N{post.native_id[-8:]}",
            "mblog": mblog(scenario, post, now)}


def _matches(scenario: Scenario, post: ScenarioPost, terms: list[str]) -> bool:
    text = post.text
    if post.repost_of:
        text += scenario.by_key[post.repost_of].text
    return all(term in text for term in terms)


def index(scenario: Scenario, now: datetime, containerid: str, page: int, since_id: str) -> Page:
    """``/api/container/getIndex``: keyword search or an account's timeline."""
    if containerid.startswith("100103"):
        inner = dict(part.split("=", 1) for part in containerid[6:].split("&") if "=" in part)
        terms = inner.get("q", "").split()
        posts = [p for p in _listed(scenario, now) if terms and _matches(scenario, p, terms)]
        return _search(scenario, now, containerid, posts, page)
    if containerid.startswith("107603"):
        posts = [p for p in _listed(scenario, now) if p.uid == containerid[6:]]
        return _timeline(scenario, now, containerid, posts, page, since_id)
    return _answer({"ok": 0, "msg": "参数错误"})


def _search(scenario: Scenario, now: datetime, containerid: str, posts: list[ScenarioPost], page: int) -> Page:
    start = (max(page, 1) - 1) * PAGE_SIZE
    shown, more = posts[start:start + PAGE_SIZE], start + PAGE_SIZE < len(posts)
    if not shown:
        return _answer({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
    cards = [_card(scenario, p, now, containerid) for p in shown]
    if page == 1:
        users = {"card_type": 11, "show_type": 1, "title": "相关用户", "card_group": [
            {"card_type": 10, "user": {"id": int(p.uid), "screen_name": p.author}} for p in shown[:2]]}
        advert = {"card_type": 22, "itemid": "", "display_arrow": 0, "title": "推广",
                  "pic": "https://h5.sinaimg.cn/upload/banner.png", "scheme": "https://m.weibo.cn/p/ad"}
        cards = [users, advert, *cards]
    info = {"containerid": containerid, "v_p": 42, "show_style": 1, "total": len(posts),
            "page": page + 1 if more else None}
    return _answer({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})


def _timeline(scenario: Scenario, now: datetime, containerid: str, posts: list[ScenarioPost], page: int,
              since_id: str) -> Page:
    pinned = posts[-1] if len(posts) >= PINNED_FROM else None
    rest = [p for p in posts if p is not pinned]
    ids = [p.native_id for p in rest]
    start = ids.index(since_id) if since_id in ids else (0 if not since_id else len(ids))
    if not since_id and page > 1:
        start = (page - 1) * PAGE_SIZE                # an old client's page=N (and the empty-page fault)
    shown = rest[start:start + PAGE_SIZE]
    cards = [_card(scenario, p, now, containerid) for p in shown]
    if pinned is not None and start == 0:
        top = _card(scenario, pinned, now, containerid)
        top["mblog"].update(isTop=1, mblogtype=2, title={"text": "置顶", "base_color": 1})
        cards.insert(0, top)
    if not cards:
        return _answer({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
    info = {"containerid": containerid, "v_p": 42, "show_style": 1, "total": len(posts)}
    if start + PAGE_SIZE < len(rest):
        info["since_id"] = int(ids[start + PAGE_SIZE])
    return _answer({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})


def extend(scenario: Scenario, now: datetime, mid: str) -> Page:
    """``/statuses/extend?id=``: the full text of a long post."""
    for post in scenario.visible(now, "weibo"):
        if post.native_id == mid:
            return _answer({"ok": 1, "data": {"ok": 1, "longTextContent": html.escape(post.text),
                                              "reposts_count": post.reposts, "comments_count": post.comments,
                                              "attitudes_count": post.likes}})
    return _answer({"ok": 0, "msg": "微博不存在或暂无查看权限"})


def _by_mid(scenario: Scenario, now: datetime, mid: str) -> ScenarioPost | None:
    return next((p for p in scenario.visible(now, "weibo") if p.native_id == mid), None)


def _full_time(published: datetime) -> str:
    return published.astimezone(CHINA_TZ).strftime("%a %b %d %H:%M:%S +0800 %Y")


def _comment(scenario: Scenario, post: ScenarioPost, parent: ScenarioPost, floor: int) -> dict:
    return {"created_at": _full_time(scenario.published_at(post)), "id": post.native_id, "rootid": post.native_id,
            "rootidstr": post.native_id, "floor_number": floor, "text": html.escape(post.text),
            "disable_reply": 0, "source": "来自四川", "mid": post.native_id, "idstr": post.native_id,
            "readtimetype": "comment", "comments": False, "max_id": 0, "total_number": 0,
            "isLikedByMblogAuthor": False, "like_count": post.likes, "liked": False,
            "user": {"id": int(post.uid), "screen_name": post.author, "verified": False},
            "bid": "C" + parent.native_id[-8:]}


def hotflow(scenario: Scenario, now: datetime, mid: str, max_id: str) -> Page:
    """``/comments/hotflow``: a post's comments, newest first, ``max_id`` pointing at the next page."""
    parent = _by_mid(scenario, now, mid)
    comments = [p for p in scenario.visible(now, "weibo") if parent and p.reply_to == parent.key]
    if not comments:
        return _answer({"ok": 0, "msg": "快来发表你的评论吧"})
    ids = [p.native_id for p in comments]
    start = ids.index(max_id) if max_id in ids else (0 if max_id in ("", "0") else len(ids))
    shown = comments[start:start + COMMENT_PAGE_SIZE]
    following = ids[start + COMMENT_PAGE_SIZE] if start + COMMENT_PAGE_SIZE < len(ids) else 0
    data = [_comment(scenario, p, parent, start + n + 1) for n, p in enumerate(shown)]
    return _answer({"ok": 1, "data": {"data": data, "total_number": len(comments), "max_id": int(following),
                                      "max_id_type": 0}})


def repost_timeline(scenario: Scenario, now: datetime, mid: str, page: int) -> Page:
    """``/api/statuses/repostTimeline``: a post's reposts, newest first, ``max`` pages."""
    parent = _by_mid(scenario, now, mid)
    reposts = [p for p in _listed(scenario, now) if parent and p.repost_of == parent.key]
    if not reposts:
        return _answer({"ok": 0, "msg": "还没有人转发过"})
    start = (max(page, 1) - 1) * PAGE_SIZE
    data = []
    for post in reposts[start:start + PAGE_SIZE]:
        blog = mblog(scenario, post, now, embed=False)
        blog["created_at"] = _full_time(scenario.published_at(post))
        blog["raw_text"] = post.text
        data.append(blog)
    pages = (len(reposts) + PAGE_SIZE - 1) // PAGE_SIZE
    return _answer({"ok": 1, "msg": "数据获取成功", "data": {"data": data, "total_number": len(reposts),
                                                         "hot_total_number": 0, "max": pages}})
