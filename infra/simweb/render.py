"""The five page formats of the simulated web, rendered from scenario posts.

Each function returns ``(status, content_type, body_text)``. The formats follow the real sites closely
enough that the spiders' parsers are the ones a real deployment needs: Weibo's mobile JSON (cards of
``mblog``), two news-site layouts, RSS 2.0 and Atom, Baidu Tieba list and thread pages, and the leaders'
message board's JSON list and detail.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote

from core.clock import CHINA_TZ
from infra.simweb.scenario import Scenario, ScenarioPost

PAGE_SIZE = 10
FEED_SIZE = 20
TIEBA_PN_STEP = 50

Page = tuple[int, str, str]
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


def weibo_time(published: datetime, now: datetime) -> str:
    """Weibo's ``created_at`` as the mobile site prints it, relative to the reader's now."""
    seconds = (now - published).total_seconds()
    local, today = published.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ)
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟前"
    if local.date() == today.date():
        return f"今天 {local:%H:%M}"
    if (today.date() - local.date()).days == 1:
        return f"昨天 {local:%H:%M}"
    if local.year == today.year:
        return f"{local:%m-%d}"
    return f"{local:%Y-%m-%d}"


def _paged(posts: list[ScenarioPost], page: int, size: int = PAGE_SIZE) -> tuple[list[ScenarioPost], bool]:
    start = (max(page, 1) - 1) * size
    return posts[start:start + size], start + size < len(posts)


def mblog(scenario: Scenario, post: ScenarioPost, now: datetime, embed: bool = True) -> dict:
    text = html.escape(post.text)
    long = post.long and len(post.text) > 30
    if long:
        text = html.escape(post.text[:30]) + f'...<a href="/status/{post.native_id}">全文</a>'
    blog = {
        "id": post.native_id, "mid": post.native_id, "bid": "N" + post.native_id[-8:],
        "created_at": weibo_time(scenario.published_at(post), now), "text": text,
        "textLength": len(post.text) * 2, "isLongText": long, "source": "iPhone客户端",
        "reposts_count": post.reposts, "comments_count": post.comments, "attitudes_count": post.likes,
        "region_name": "发布于 四川",
        "user": {"id": int(post.uid), "screen_name": post.author, "verified": post.uid.startswith("65000000")},
    }
    if post.repost_of and embed:
        original = scenario.by_key[post.repost_of]
        blog["retweeted_status"] = mblog(scenario, original, now, embed=False)
    return blog


def _weibo_matches(scenario: Scenario, post: ScenarioPost, terms: list[str]) -> bool:
    text = post.text
    if post.repost_of:
        text += scenario.by_key[post.repost_of].text
    return all(term in text for term in terms)


def weibo_index(scenario: Scenario, now: datetime, containerid: str, page: int) -> Page:
    """``/api/container/getIndex``: keyword search (``100103type=1&q=...``) or a user's timeline (``107603<uid>``)."""
    posts = scenario.visible(now, "weibo")
    if containerid.startswith("100103"):
        inner = dict(part.split("=", 1) for part in containerid[6:].split("&") if "=" in part)
        terms = inner.get("q", "").split()
        posts = [p for p in posts if terms and _weibo_matches(scenario, p, terms)]
    elif containerid.startswith("107603"):
        posts = [p for p in posts if p.uid == containerid[6:]]
    else:
        return 200, JSON, json.dumps({"ok": 0, "msg": "参数错误"}, ensure_ascii=False)
    shown, more = _paged(posts, page)
    if not shown:
        return 200, JSON, json.dumps({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}, ensure_ascii=False)
    cards = [{"card_type": 9, "itemid": f"seqid:{p.native_id}", "mblog": mblog(scenario, p, now)} for p in shown]
    info = {"containerid": containerid, "page": page + 1 if more else None, "total": len(posts)}
    return 200, JSON, json.dumps({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}}, ensure_ascii=False)


def weibo_extend(scenario: Scenario, now: datetime, mid: str) -> Page:
    """``/statuses/extend?id=``: the full text of a long post."""
    for post in scenario.visible(now, "weibo"):
        if post.native_id == mid:
            body = {"ok": 1, "data": {"ok": 1, "longTextContent": html.escape(post.text),
                                      "reposts_count": post.reposts, "comments_count": post.comments,
                                      "attitudes_count": post.likes}}
            return 200, JSON, json.dumps(body, ensure_ascii=False)
    return 200, JSON, json.dumps({"ok": 0, "msg": "微博不存在或暂无查看权限"}, ensure_ascii=False)


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
        f'</head><body><div class="nav">首页 &gt; 新闻中心 &gt; 正文</div>'
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
    items = "".join(
        f"<item><title>{html.escape(p.title)}</title><link>{scenario.public_url(p)}</link>"
        f"<description><![CDATA[<p>{html.escape(p.text)}</p>]]></description>"
        f"<author>{html.escape(p.author)}</author><guid>{scenario.public_url(p)}</guid>"
        f"<pubDate>{format_datetime(scenario.published_at(p).astimezone(CHINA_TZ))}</pubDate></item>"
        for p in posts)
    return 200, "application/rss+xml; charset=utf-8", (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>渠县人民政府 教育新闻</title>'
        f"<link>https://{host}/</link><description>渠县人民政府网站教育新闻栏目</description>{items}</channel></rss>")


def _tieba_date(published: datetime, now: datetime) -> str:
    local, today = published.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local:%m-%d}" if local.year == today.year else f"{local:%Y-%m}"


def tieba_list(scenario: Scenario, now: datetime, bar: str, pn: int) -> Page:
    """``/f?kw=<bar>&pn=<offset>``: a bar's thread list, newest reply first."""
    posts = [p for p in scenario.visible(now, "tieba") if p.bar == bar]
    shown, more = _paged(posts, pn // TIEBA_PN_STEP + 1)
    rows = []
    for p in shown:
        field = json.dumps({"id": int(p.native_id), "author_name": p.author, "reply_num": p.replies,
                            "is_good": None, "is_top": None}, ensure_ascii=False)
        rows.append(
            f"<li class=\" j_thread_list clearfix thread_item_box\" data-field='{html.escape(field, quote=False)}' "
            f"data-tid=\"{p.native_id}\"><div class=\"col2_left j_threadlist_li_left\">"
            f"<span class=\"threadlist_rep_num center_text\" title=\"回复\">{p.replies}</span></div>"
            f"<div class=\"threadlist_title pull_left j_th_tit \"><a rel=\"noopener\" href=\"/p/{p.native_id}\" "
            f"title=\"{html.escape(p.title)}\" target=\"_blank\" class=\"j_th_tit \">{html.escape(p.title)}</a></div>"
            f"<div class=\"threadlist_abs threadlist_abs_onlyline \">{html.escape(p.text[:40])}</div>"
            f"<span class=\"threadlist_reply_date pull_right j_reply_data\" title=\"最后回复时间\">"
            f"{_tieba_date(scenario.published_at(p), now)}</span></li>")
    nxt = (f'<a href="/f?kw={quote(bar)}&amp;ie=utf-8&amp;pn={pn + TIEBA_PN_STEP}" class="next pagination-item ">'
           "下一页&gt;</a>") if more else ""
    return 200, HTML, (f"<!DOCTYPE html><html><head><meta charset=\"UTF-8\"><title>{html.escape(bar)}吧-百度贴吧"
                       f"</title></head><body><ul id=\"thread_list\" class=\"threadlist_bright j_threadlist_bright\">"
                       f"{''.join(rows)}</ul><div id=\"frs_list_pager\" class=\"pagination-default clearfix\">"
                       f"{nxt}</div></body></html>")


def tieba_thread(scenario: Scenario, now: datetime, tid: str) -> Page:
    post = next((p for p in scenario.visible(now, "tieba") if p.native_id == tid), None)
    if post is None:
        return 404, HTML, "<html><body>很抱歉，该贴已被删除。</body></html>"
    when = f"{scenario.published_at(post).astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"
    field = json.dumps({"author": {"user_id": int(post.native_id) % 100000, "user_name": post.author},
                        "content": {"post_id": int(post.native_id) * 10, "post_no": 1, "date": when}},
                       ensure_ascii=False)
    return 200, HTML, (
        f"<!DOCTYPE html><html><head><meta charset=\"UTF-8\"><title>{html.escape(post.title)}_{post.bar}吧_百度贴吧"
        f"</title></head><body><div class=\"core_title_wrap_bright clearfix\"><h3 class=\"core_title_txt pull-left "
        f"text-overflow \" title=\"{html.escape(post.title)}\">{html.escape(post.title)}</h3></div>"
        f"<div class=\"p_postlist\" id=\"j_p_postlist\"><div class=\"l_post l_post_bright j_l_post clearfix \" "
        f"data-field='{html.escape(field, quote=False)}'><div class=\"d_author\"><ul class=\"p_author\"><li class="
        f"\"d_name\"><a class=\"p_author_name j_user_card\">{html.escape(post.author)}</a></li></ul></div>"
        f"<div class=\"d_post_content_main\"><div id=\"post_content_{int(post.native_id) * 10}\" class=\"d_post_content"
        f" j_d_post_content \">{html.escape(post.text)}</div><div class=\"post-tail-wrap\"><span class=\"tail-info\">"
        f"1楼</span><span class=\"tail-info\">{when}</span></div></div></div></div>"
        f"<span class=\"red\" style=\"margin-right:3px\">{post.replies}</span>回复贴</body></html>")


def _board_item(scenario: Scenario, post: ScenarioPost, now: datetime, full: bool) -> dict:
    item = {"tid": int(post.native_id), "threadTitle": post.title, "nickName": post.author,
            "dateline": int(scenario.published_at(post).timestamp()), "fid": int(post.fid),
            "typeName": "投诉", "domainName": "教育", "subject": post.text[:50]}
    replied = post.reply and post.reply_at_min is not None and post.reply_at_min <= (
        (now - scenario.start).total_seconds() / 60)
    item["stateInfo"] = "已回复" if replied else "办理中"
    if full:
        item["threadContent"] = post.text
        item["reply"] = ({"content": post.reply, "answerTime": int(scenario.start.timestamp() + post.reply_at_min * 60),
                          "replyOrgName": "渠县人民政府"} if replied else None)
    return item


def board_list(scenario: Scenario, now: datetime, fid: str, page: int) -> Page:
    """``/v1/threads/list/df?fid=&page=``: the message board's JSON list, newest first."""
    posts = [p for p in scenario.visible(now, "gov_board") if p.fid == fid]
    shown, more = _paged(posts, page)
    data = {"list": [_board_item(scenario, p, now, False) for p in shown], "hasMore": more, "page": page}
    return 200, JSON, json.dumps({"result": "success", "resultCode": "200", "responseData": data}, ensure_ascii=False)


def board_detail(scenario: Scenario, now: datetime, tid: str) -> Page:
    post = next((p for p in scenario.visible(now, "gov_board") if p.native_id == tid), None)
    if post is None:
        return 200, JSON, json.dumps({"result": "fail", "resultCode": "404", "resultMsg": "留言不存在"},
                                     ensure_ascii=False)
    body = {"result": "success", "resultCode": "200", "responseData": _board_item(scenario, post, now, True)}
    return 200, JSON, json.dumps(body, ensure_ascii=False)


def board_page(scenario: Scenario, now: datetime, tid: str) -> Page:
    """The human-readable page of a message (the public URL stored with the post)."""
    post = next((p for p in scenario.visible(now, "gov_board") if p.native_id == tid), None)
    if post is None:
        return 404, HTML, "<html><body>留言不存在</body></html>"
    return 200, HTML, (f"<html><head><meta charset=\"utf-8\"><title>{html.escape(post.title)}</title></head><body>"
                       f"<h1>{html.escape(post.title)}</h1><p>{html.escape(post.text)}</p></body></html>")
