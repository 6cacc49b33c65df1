"""The five page formats of the simulated web, rendered from scenario posts.

Each function returns ``(status, content_type, body_text)``. The formats follow the real sites closely
enough that the spiders' parsers are the ones a real deployment needs: two news-site layouts, RSS 2.0 and
Atom, and the leaders' message board's JSON list and detail. Weibo and Tieba, with their reaction feeds, are
in ``infra/simweb/weibo.py`` and ``infra/simweb/tieba.py``.
"""

from __future__ import annotations

import html
import json
from datetime import datetime

from core.clock import CHINA_TZ
from infra.simweb.scenario import Scenario, ScenarioPost

PAGE_SIZE = 10
FEED_SIZE = 20
TIEBA_PN_STEP = 50

Page = tuple[int, str, str]
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


def _paged(posts: list[ScenarioPost], page: int, size: int = PAGE_SIZE) -> tuple[list[ScenarioPost], bool]:
    start = (max(page, 1) - 1) * size
    return posts[start:start + size], start + size < len(posts)


def _news_time(scenario: Scenario, post: ScenarioPost) -> str:
    return f"{scenario.published_at(post).astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


def news_list(scenario: Scenario, now: datetime, site: str, page: int) -> Page:
    """A news site's list page: ``/xwzx/index.html``, ``index_2.html``... (dz.newssc.org: ``/system/more/dzxw/``)."""
    posts = [p for p in scenario.visible(now, "news") if p.site == site]
    shown, more = _paged(posts, page)
    rows = []
    for post in shown:
        url = scenario.public_url(post)
        if site == "dz.newssc.org":
            rows.append(f'<dl><dt><a href="{url}" target="_blank">{html.escape(post.title)}</a></dt>'
                        f'<dd>{_news_time(scenario, post)[:10]}</dd></dl>')
        else:
            path = url.split(site, 1)[1]
            rows.append(f'<li><a href="{path}" target="_blank">{html.escape(post.title)}</a>'
                        f'<span class="time">{_news_time(scenario, post)}</span></li>')
    nxt = f'<a class="next" href="index_{page + 1}.html">下一页</a>' if more else ""
    if not rows:                                # as real CMS list pages print an empty column
        rows.append('<li class="empty">暂无信息</li>')
    if site == "dz.newssc.org":
        body = f'<div class="newslist">{"".join(rows)}</div><div class="pages">{nxt}</div>'
        title = "达州新闻_四川新闻网达州频道"
    else:
        body = f'<div class="list"><ul class="news-list">{"".join(rows)}</ul></div><div class="page">{nxt}</div>'
        title = "新闻中心_达州日报网"
    return 200, HTML, (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
                       f'<body><div class="nav">首页 &gt; 新闻中心</div>{body}</body></html>')


def news_article(scenario: Scenario, now: datetime, site: str, number: str) -> Page:
    post = next((p for p in scenario.visible(now, "news") if p.site == site and p.native_id == number), None)
    if post is None:
        return 404, HTML, "<html><body><h1>404 页面不存在</h1></body></html>"
    paragraphs = "".join(f"<p>{html.escape(part)}</p>" for part in post.text.split("。") if part.strip())
    when = _news_time(scenario, post)
    if site == "dz.newssc.org":
        return 200, HTML, (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(post.title)}_四川新闻网</title>'
            f'<meta name="publishdate" content="{when}:00"></head><body><div class="header">四川新闻网</div>'
            f'<div id="main"><div class="detail"><h2>{html.escape(post.title)}</h2>'
            f'<div class="about">{when}　来源：{html.escape(post.author)}</div>'
            f'<article>{paragraphs}<p>（责任编辑：何某）</p></article></div>'
            f'<aside><a href="/">相关新闻</a></aside></div><div class="footer">版权所有</div></body></html>')
    return 200, HTML, (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(post.title)}_达州日报网</title>'
        f'<meta name="ArticleTitle" content="{html.escape(post.title)}"><meta name="PubDate" content="{when}">'
        f'<meta name="ContentSource" content="{html.escape(post.author)}"></head><body><div class="nav">首页 &gt; 新闻中心 &gt; 正文</div>'
        f'<h1 class="article-title">{html.escape(post.title)}</h1>'
        f'<div class="article-info"><span class="source">来源：{html.escape(post.author)}</span>'
        f'<span class="pubtime">{when}</span></div><div class="article-content">{paragraphs}</div>'
        f'<div class="share">分享到：微信 微博</div></body></html>')


def feed(scenario: Scenario, now: datetime, feed_path: str) -> Page:
    """An RSS 2.0 feed (``*.xml``) or an Atom feed (``*.atom``) of the latest items."""
    posts = [p for p in scenario.visible(now, "rss") if p.feed == feed_path][:FEED_SIZE]
    host = feed_path.split("/", 1)[0]
    if feed_path.endswith(".atom"):
        entries = "".join(
            f"<entry><title>{html.escape(p.title)}</title><link href=\"{scenario.public_url(p)}\"/>"
            f"<id>{scenario.public_url(p)}</id><updated>{scenario.published_at(p).astimezone(CHINA_TZ).isoformat()}"
            f"</updated><author><name>{html.escape(p.author)}</name></author>"
            f"<summary type=\"html\">{html.escape('<p>' + html.escape(p.text) + '</p>')}</summary></entry>"
            for p in posts)
        return 200, "application/atom+xml; charset=utf-8", (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>渠县教育局</title><id>https://{host}/</id><updated>{now.astimezone(CHINA_TZ).isoformat()}"
            f"</updated>{entries}</feed>")
    # As the TRS-built county portals write them: CDATA titles and authors, local times without a zone. (Links
    # stay absolute: a test site serves this feed under a path prefix, where a site-relative link would leave
    # the simulated host; relative links are tested on saved feeds.)
    items = "".join(
        f"<item><title><![CDATA[{p.title}]]></title><link>{scenario.public_url(p)}</link>"
        f"<description><![CDATA[<p>{html.escape(p.text)}</p>]]></description>"
        f"<author><![CDATA[{p.author}]]></author><guid>{scenario.public_url(p)}</guid>"
        f"<pubDate>{scenario.published_at(p).astimezone(CHINA_TZ):%Y-%m-%d %H:%M:%S}</pubDate></item>"
        for p in posts)
    return 200, "application/rss+xml; charset=utf-8", (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>渠县人民政府 教育新闻</title>'
        f"<link>https://{host}/</link><description>渠县人民政府网站教育新闻栏目</description>{items}</channel></rss>")


def _board_replied(scenario: Scenario, post: ScenarioPost, now: datetime) -> bool:
    return bool(post.reply and post.reply_at_min is not None
                and post.reply_at_min <= (now - scenario.start).total_seconds() / 60)


def _board_row(scenario: Scenario, post: ScenarioPost, now: datetime) -> dict:
    """A row of ``resultData.data[]`` as the real list answer gives it."""
    created = int(scenario.published_at(post).timestamp())
    return {"tid": int(post.native_id), "fid": int(post.fid), "subject": post.title, "content": post.text[:120],
            "nickName": post.author, "createDateline": created, "dateline": created, "threadsCheckTime": created,
            "typeName": "投诉", "domainName": "教育", "forumName": "四川省达州市渠县",
            "stateInfo": "已回复" if _board_replied(scenario, post, now) else "办理中"}


def board_list(scenario: Scenario, now: datetime, fid: str, last_item: str, rows: int) -> Page:
    """``POST /v1/threads/list/df``: ``resultData.data[]`` newest first, after the row ``lastItem`` (a tid)."""
    posts = [p for p in scenario.visible(now, "gov_board") if p.fid == fid]
    ids = [p.native_id for p in posts]
    start = ids.index(last_item) + 1 if last_item in ids else (len(ids) if last_item else 0)
    shown = posts[start:start + max(1, rows)]
    data = {"data": [_board_row(scenario, p, now) for p in shown],
            "lastItem": shown[-1].native_id if shown else ""}
    return 200, JSON, json.dumps({"resultCode": "200", "resultMsg": "success", "resultData": data}, ensure_ascii=False)


def board_detail(scenario: Scenario, now: datetime, tid: str) -> Page:
    """``POST /v1/threads/content``: ``resultData.contentList[]``, the message (dataType 1) and any official
    reply (dataType 4)."""
    post = next((p for p in scenario.visible(now, "gov_board") if p.native_id == tid), None)
    if post is None:
        return 200, JSON, json.dumps({"resultCode": "404", "resultMsg": "留言不存在", "resultData": None},
                                     ensure_ascii=False)
    row = _board_row(scenario, post, now)
    entries = [{**row, "dataType": 1, "content": post.text}]
    if _board_replied(scenario, post, now):
        entries.append({"dataType": 4, "content": post.reply, "organization": "渠县人民政府",
                        "dateline": int(scenario.start.timestamp() + post.reply_at_min * 60)})
    body = {"resultCode": "200", "resultMsg": "success", "resultData": {"tid": row["tid"], "contentList": entries}}
    return 200, JSON, json.dumps(body, ensure_ascii=False)


def board_page(scenario: Scenario, now: datetime, tid: str) -> Page:
    """The human-readable page of a message (the public URL stored with the post)."""
    post = next((p for p in scenario.visible(now, "gov_board") if p.native_id == tid), None)
    if post is None:
        return 404, HTML, "<html><body>留言不存在</body></html>"
    return 200, HTML, (f"<html><head><meta charset=\"utf-8\"><title>{html.escape(post.title)}</title></head><body>"
                       f"<h1>{html.escape(post.title)}</h1><p>{html.escape(post.text)}</p></body></html>")
