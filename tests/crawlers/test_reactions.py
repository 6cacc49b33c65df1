"""The reaction spider on answers in their real structures (written by us): Weibo's comment flow and repost
timeline, Tieba's reply floors and 楼中楼 (totalComment), each reaction linked to its parent and bounded."""

from __future__ import annotations

from scrapy import Request

from core.reactions import ReactionTarget
from crawlers.items import CopyItem, PostItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.reactions import ReactionsSpider
from tests.crawlers.conftest import NOW, page

MID = "5100000000001002"
WEIBO = ReactionTarget(f"weibo:{MID}", "weibo", MID, "e1")
TIEBA = ReactionTarget("tieba:9000000001", "tieba", "9000000001", "e1")


def _spider(make_spider, max_per_post=100):
    spider = make_spider(ReactionsSpider, "reactions")
    spider.max_per_post = max_per_post
    spider.targets = [WEIBO, TIEBA]
    first = list(spider.start_requests())
    return spider, first


def _split(results):
    results = list(results)
    return ([r for r in results if isinstance(r, PostItem)], [r for r in results if isinstance(r, CopyItem)],
            [r for r in results if isinstance(r, Request)])


def test_start_asks_for_comments_reposts_and_the_thread(make_spider):
    _, first = _spider(make_spider)
    assert [r.url for r in first] == [
        f"https://m.weibo.cn/comments/hotflow?id={MID}&mid={MID}&max_id_type=0",
        f"https://m.weibo.cn/api/statuses/repostTimeline?id={MID}&page=1",
        "https://tieba.baidu.com/p/9000000001"]


def test_weibo_comments_and_their_replies_page_on_by_max_id(make_spider):
    spider, _ = _spider(make_spider)
    url = f"https://m.weibo.cn/comments/hotflow?id={MID}&mid={MID}&max_id_type=0"
    posts, _, requests = _split(spider.parse_comments(page("weibo_hotflow.json", url), target=WEIBO, page=1))
    assert [(p["native_id"], p["parent_id"], p["relation"]) for p in posts] == [
        ("5100000000009001", f"weibo:{MID}", "comment"), ("5100000000009011", "weibo:5100000000009001", "reply"),
        ("5100000000009002", f"weibo:{MID}", "comment")]
    first = posts[0]
    assert first["author"] == "宕渠小张" and clean_text(first["text"]) == "通报都出了还有人在传"
    assert first["likes"] == 35 and first["url"] == f"https://m.weibo.cn/detail/{MID}?cid=5100000000009001"
    assert parse_cn_time(first["published_at"], NOW).astimezone(NOW.tzinfo).strftime("%m-%d %H:%M") == "12-08 11:40"
    [following] = requests
    assert following.url == (f"https://m.weibo.cn/comments/hotflow?id={MID}&mid={MID}&max_id=139812450007168"
                             "&max_id_type=0")
    last, _, more = _split(spider.parse_comments(page("weibo_hotflow_last.json", following.url), target=WEIBO, page=2))
    assert [p["native_id"] for p in last] == ["5100000000009003"] and more == []
    none = list(spider.parse_comments(page("weibo_hotflow_none.json", url), target=WEIBO, page=1))
    assert none == [] and not spider.crawler.stats.get_value("yuqing/errors")


def test_weibo_reposts_with_words_are_reactions_and_empty_ones_are_spread(make_spider):
    spider, _ = _spider(make_spider)
    url = f"https://m.weibo.cn/api/statuses/repostTimeline?id={MID}&page=1"
    posts, copies, requests = _split(spider.parse_reposts(page("weibo_repost_timeline.json", url), target=WEIBO, page=1))
    assert [(p["native_id"], p["parent_id"], p["relation"]) for p in posts] == [
        ("5100000000009102", f"weibo:{MID}", "repost")]
    assert posts[0]["author"] == "二小家长群主"
    assert [(c["id"], c["original_id"]) for c in copies] == [("weibo:5100000000009101", f"weibo:{MID}")]
    assert [r.url for r in requests] == [f"https://m.weibo.cn/api/statuses/repostTimeline?id={MID}&page=2"]
    assert list(spider.parse_reposts(page("weibo_repost_timeline_none.json", url), target=WEIBO, page=1)) == []


def test_tieba_floors_and_lzl_replies_link_to_the_thread_or_their_floor(make_spider):
    spider, _ = _spider(make_spider)
    results = list(spider.parse_floors(page("tieba_thread.html", "https://tieba.baidu.com/p/9000000001"),
                                       target=TIEBA, pn=1, first_pid=""))
    floors, _, requests = _split(results)
    assert [(p["native_id"], p["parent_id"], p["author"], p["published_at"]) for p in floors] == [
        ("9000000001_90000000011", "tieba:9000000001", "涌兴老幺", "2026-12-08 07:41"),
        ("9000000001_90000000012", "tieba:9000000001", "二小妈妈", "2026-12-08 08:02"),
        ("9000000001_90000000013", "tieba:9000000001", "匿名用户", "2026-12-08 08:15")]
    assert {p["relation"] for p in floors} == {"reply"}
    assert floors[0]["url"] == "https://tieba.baidu.com/p/9000000001?pid=90000000011"
    lzl, following = requests
    assert lzl.url == "https://tieba.baidu.com/p/totalComment?tid=9000000001&pn=1&see_lz=0"
    assert lzl.cb_kwargs["first_pid"] == "90000000010"
    assert following.url == "https://tieba.baidu.com/p/9000000001?pn=2"
    replies = list(spider.parse_lzl(page("tieba_total_comment.json", lzl.url), **lzl.cb_kwargs))
    assert [(r["native_id"], r["parent_id"], r["author"]) for r in replies] == [
        ("9000000001_90000000010_90000000101", "tieba:9000000001", "涌兴老幺"),
        ("9000000001_90000000010_90000000102", "tieba:9000000001", "渠城老司机"),
        ("9000000001_90000000012_90000000121", "tieba:9000000001_90000000012", "qxlaoshi")]
    assert clean_text(replies[1]["text"]) == "回复 涌兴老幺 :早上七点二十左右"
    assert parse_cn_time(replies[0]["published_at"], NOW).astimezone(NOW.tzinfo).strftime("%H:%M") == "08:32"
    assert list(spider.parse_lzl(page("tieba_total_comment_none.json", lzl.url), **lzl.cb_kwargs)) == []


def test_reactions_are_bounded_per_post(make_spider):
    spider, _ = _spider(make_spider, max_per_post=4)
    url = f"https://m.weibo.cn/comments/hotflow?id={MID}&mid={MID}&max_id_type=0"
    posts, _, requests = _split(spider.parse_comments(page("weibo_hotflow.json", url), target=WEIBO, page=1))
    assert len(posts) == 2 and requests == [], "half of 4 for comments, and no further page"
    results = list(spider.parse_floors(page("tieba_thread.html", "https://tieba.baidu.com/p/9000000001"),
                                       target=TIEBA, pn=1, first_pid=""))
    floors, _, requests = _split(results)
    assert len(floors) == 3 and [r.url for r in requests][1:] == ["https://tieba.baidu.com/p/9000000001?pn=2"]
    replies = list(spider.parse_lzl(page("tieba_total_comment.json", requests[0].url), **requests[0].cb_kwargs))
    assert len(replies) == 1
