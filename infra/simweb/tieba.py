"""tieba.baidu.com as the simulated web serves it, in the structure of the real pages.

- ``/f?kw=<bar>&pn=<offset>``: the list page; the thread list and its pager sit inside an HTML comment in
  ``<code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list">`` (the real page renders them
  by script), each row a ``li.j_thread_list`` whose ``data-field`` has the login name (``author_name``) and the
  shown name (``author_nickname``).
- ``/p/<tid>[?pn=N]``: the thread page; floors are ``div.l_post`` with a ``data-field`` of ``author`` and
  ``content`` (no ``date``: the time is the last ``span.tail-info``), the shown name in ``a.p_author_name``;
  replies to the thread (scenario posts with ``reply_to`` = the thread's key) are floors 2, 3, …, 30 a page.
- ``/p/totalComment?tid=&pn=&see_lz=0``: the 楼中楼 of that page's floors (posts whose ``reply_to`` is a floor),
  ``comment_list`` keyed by floor post id, or ``[]`` when none has any.
"""

from __future__ import annotations

import hashlib
import html
import json
from datetime import datetime
from urllib.parse import quote

from core.clock import CHINA_TZ
from infra.simweb.scenario import Scenario, ScenarioPost

PN_STEP = 50
LIST_SIZE = 10
FLOORS_PER_PAGE = 30
FORUM_ID = 1234567
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
Page = tuple[int, str, str]


def login_name(author: str) -> str:
    """A login name that differs from the shown name, as Tieba's usually does."""
    return "tb_" + hashlib.sha1(author.encode("utf-8")).hexdigest()[:8]


def user_id(author: str) -> int:
    return int(hashlib.sha1(author.encode("utf-8")).hexdigest()[:7], 16)


def post_id(post: ScenarioPost) -> int:
    """A floor's post id (the first floor's too), larger than any thread id like the real ones."""
    return int(post.native_id) * 10


def _field(value: dict) -> str:
    return html.escape(json.dumps(value, ensure_ascii=False), quote=False).replace("'", "&#39;")


def _list_date(published: datetime, now: datetime) -> str:
    local, today = published.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local:%m-%d}" if local.year == today.year else f"{local:%Y-%m}"


def _threads(scenario: Scenario, now: datetime, bar: str) -> list[ScenarioPost]:
    return [p for p in scenario.visible(now, "tieba") if p.bar == bar and not p.reply_to]


def _row(scenario: Scenario, post: ScenarioPost, now: datetime) -> str:
    field = {"id": int(post.native_id), "author_name": login_name(post.author), "author_nickname": post.author,
             "author_portrait": f"tb.1.{user_id(post.author):x}", "first_post_id": post_id(post),
             "reply_num": post.replies, "is_bakan": None, "vid": "", "is_good": None, "is_top": None,
             "is_protal": None, "is_membertop": None, "is_multi_forum": None, "frs_tpoint": None}
    title = html.escape(post.title)
    return (f"<li class=\" j_thread_list clearfix thread_item_box\" data-field='{_field(field)}' >"
            f"<div class=\"t_con cleafix\"><div class=\"col2_left j_threadlist_li_left\"><span class=\"threadlist_rep_num"
            f" center_text\" title=\"回复\">{post.replies}</span></div><div class=\"col2_right j_threadlist_li_right \">"
            f"<div class=\"threadlist_lz clearfix\"><div class=\"threadlist_title pull_left j_th_tit \"><a rel=\"noreferrer\""
            f" href=\"/p/{post.native_id}\" title=\"{title}\" target=\"_blank\" class=\"j_th_tit \">{title}</a></div>"
            f"<div class=\"threadlist_author pull_right\"><span class=\"tb_icon_author \" title=\"主题作者: "
            f"{html.escape(post.author)}\"><a class=\"frs-author-name j_user_card \">{html.escape(post.author)}</a></span>"
            f"</div></div><div class=\"threadlist_detail clearfix\"><div class=\"threadlist_abs threadlist_abs_onlyline \">"
            f"{html.escape(post.text[:40])}</div><span class=\"threadlist_reply_date pull_right j_reply_data\" "
            f"title=\"最后回复时间\">{_list_date(scenario.published_at(post), now)}</span></div></div></div></li>")


def thread_list(scenario: Scenario, now: datetime, bar: str, pn: int) -> Page:
    """``/f?kw=&pn=``: a bar's thread list, newest first, inside the commented-out pagelet."""
    posts = _threads(scenario, now, bar)
    start = max(pn, 0) // PN_STEP * LIST_SIZE
    shown, more = posts[start:start + LIST_SIZE], start + LIST_SIZE < len(posts)
    kw = quote(bar)
    pager = f'<span class="pagination-current pagination-item ">{pn // PN_STEP + 1}</span>'
    if more:
        pager += (f'<a href="//tieba.baidu.com/f?kw={kw}&amp;ie=utf-8&amp;pn={pn + PN_STEP}" class="next '
                  f'pagination-item " >下一页&gt;</a>')
    hidden = (f'<ul id="thread_list" class="threadlist_bright j_threadlist_bright">'
              f'{"".join(_row(scenario, p, now) for p in shown)}</ul><div class="thread_list_bottom clearfix">'
              f'<div id="frs_list_pager" class="pagination-default clearfix">{pager}</div></div>')
    return 200, HTML, (
        f'<!DOCTYPE html><!--STATUS OK--><html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset=UTF-8"><title>{html.escape(bar)}吧-百度贴吧</title><script>var PageData = {{"charset":"UTF-8",'
        f'"product":"frs"}};PageData.forum = {{"forum_id":{FORUM_ID},"forum_name":"{html.escape(bar)}"}};</script>'
        f'</head><body class="skin_normal"><div id="content_wrap"><div class="content">'
        f'<code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list" style="display:none;"><!--\n'
        f'{hidden}\n--></code><div id="pagelet_frs-list/pagelet/thread_list" class="pagelet"></div></div></div>'
        f'<script>Bigpipe.register("frs-list/pagelet/thread_list", {{"forceSync":false}}).emit();</script>'
        f'</body></html>')


def _floor(scenario: Scenario, post: ScenarioPost, number: int, tid: int, lzl: int) -> str:
    when = f"{scenario.published_at(post).astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"
    field = {"author": {"user_id": user_id(post.author), "user_name": login_name(post.author), "props": None,
                        "portrait": f"tb.1.{user_id(post.author):x}", "user_nickname": post.author},
             "content": {"post_id": post_id(post), "is_anonym": False, "forum_id": FORUM_ID, "thread_id": tid,
                         "content": "", "post_no": number, "type": "0", "comment_num": lzl, "is_fold": 0,
                         "props": None, "post_index": number - 1, "pb_tpoint": None}}
    text = html.escape(post.text).replace("\n", "<br>")
    return (f"<div class=\"l_post l_post_bright j_l_post clearfix  \" data-field='{_field(field)}'>"
            f"<div class=\"d_author\"><ul class=\"p_author\"><li class=\"d_name\"><a alog-group=\"p_author\" "
            f"class=\"p_author_name j_user_card\" target=\"_blank\">{html.escape(post.author)}</a></li></ul></div>"
            f"<div class=\"d_post_content_main\"><div class=\"p_content  \"><cc><div id=\"post_content_{post_id(post)}\" "
            f"class=\"d_post_content j_d_post_content \" style=\"display:;\">            {text}</div><br></cc></div>"
            f"<div class=\"core_reply j_lzl_wrapper\"><div class=\"core_reply_tail clearfix\"><div class=\"post-tail-wrap\">"
            f"<span class=\"tail-info\">来自<a rel=\"noopener\" href=\"/mo/q/downloadTieba?fr=pb\">Android客户端</a></span>"
            f"<span class=\"tail-info\">{number}楼</span><span class=\"tail-info\">{when}</span></div></div></div>"
            f"</div></div>")


def _floors(scenario: Scenario, now: datetime, thread: ScenarioPost) -> list[ScenarioPost]:
    """The thread's floors in order: the thread itself, then its replies, oldest first."""
    replies = [p for p in scenario.visible(now, "tieba") if p.reply_to == thread.key][::-1]
    return [thread, *replies]


def _lzl_of(scenario: Scenario, now: datetime, floor: ScenarioPost) -> list[ScenarioPost]:
    """The 楼中楼 under a reply floor, oldest first (what answers the thread itself is a floor, not 楼中楼)."""
    if not floor.reply_to:
        return []
    return [p for p in scenario.visible(now, "tieba") if p.reply_to == floor.key][::-1]


def _thread(scenario: Scenario, now: datetime, tid: str) -> ScenarioPost | None:
    return next((p for p in scenario.visible(now, "tieba") if p.native_id == tid and not p.reply_to), None)


def thread_page(scenario: Scenario, now: datetime, tid: str, pn: int) -> Page:
    post = _thread(scenario, now, tid)
    if post is None:
        return 404, HTML, "<html><body>很抱歉，该贴已被删除。</body></html>"
    floors = _floors(scenario, now, post)
    pages = max(1, (len(floors) + FLOORS_PER_PAGE - 1) // FLOORS_PER_PAGE)
    pn = min(max(pn, 1), pages)
    first = (pn - 1) * FLOORS_PER_PAGE
    shown = "".join(_floor(scenario, f, first + n + 1, int(tid), len(_lzl_of(scenario, now, f)))
                    for n, f in enumerate(floors[first:first + FLOORS_PER_PAGE]))
    pager = f'<span class="tP">{pn}</span>'
    if pn < pages:
        pager += f'<a href="/p/{tid}?pn={pn + 1}">下一页</a><a href="/p/{tid}?pn={pages}">尾页</a>'
    title = html.escape(post.title)
    return 200, HTML, (
        f"<!DOCTYPE html><!--STATUS OK--><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
        f"charset=UTF-8\"><title>{title}【{html.escape(post.bar)}吧】_百度贴吧</title></head><body>"
        f"<div id=\"j_core_title_wrap\" class=\"core_title_wrap_bright clearfix\"><h3 class=\"core_title_txt pull-left "
        f"text-overflow  \" title=\"{title}\">{title}</h3></div><ul class=\"l_posts_num\"><li class=\"l_pager pager_theme_4 "
        f"pb_list_pager\">{pager}</li><li class=\"l_reply_num\"><span class=\"red\" style=\"margin-right:3px\">"
        f"{post.replies}</span>回复贴，共<span class=\"red\">{pages}</span>页</li></ul>"
        f"<div class=\"p_postlist\" id=\"j_p_postlist\">{shown}</div></body></html>")


def total_comment(scenario: Scenario, now: datetime, tid: str, pn: int) -> Page:
    """``/p/totalComment?tid=&pn=``: the 楼中楼 of the floors on thread page ``pn``."""
    post = _thread(scenario, now, tid)
    floors = _floors(scenario, now, post) if post else []
    first = (max(pn, 1) - 1) * FLOORS_PER_PAGE
    comment_list, users = {}, {}
    for floor in floors[first:first + FLOORS_PER_PAGE]:
        replies = _lzl_of(scenario, now, floor)
        if not replies:
            continue
        info = []
        for reply in replies:
            uid = user_id(reply.author)
            users[str(uid)] = {"user_id": uid, "user_name": login_name(reply.author), "user_nickname": reply.author,
                               "show_nickname": reply.author, "portrait": f"tb.1.{uid:x}"}
            info.append({"thread_id": tid, "post_id": str(post_id(floor)), "comment_id": str(post_id(reply)),
                         "username": login_name(reply.author), "user_id": str(uid),
                         "now_time": int(scenario.published_at(reply).timestamp()), "content": html.escape(reply.text),
                         "ptype": "0", "during_time": "0", "is_anonym": False, "location": None})
        comment_list[str(post_id(floor))] = {"comment_num": len(info), "comment_list_num": len(info),
                                             "comment_info": info}
    body = {"errno": 0, "errmsg": "success", "data": {"comment_list": comment_list or [], "user_list": users or []}}
    return 200, JSON, json.dumps(body, ensure_ascii=False)
