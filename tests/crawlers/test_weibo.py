"""The Weibo spider on answers in m.weibo.cn's real structure (written by us): a watched account's timeline
paged by ``cardlistInfo.since_id`` with a pinned post, a long-text stub, ads and deleted reposts."""

from __future__ import annotations

from datetime import timedelta

from scrapy import Request

from crawlers.items import CopyItem, PostItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.weibo import WeiboSpider, count_of
from tests.crawlers.conftest import NOW, page

API = "https://m.weibo.cn"
TIMELINE = f"{API}/api/container/getIndex?containerid=1076036500000002&page_type=searchall"


def _parse(spider, name: str, page_number: int = 1):
    results = list(spider.parse_index(page(name, TIMELINE), api=API, container="1076036500000002", page=page_number))
    posts = {r["native_id"]: r for r in results if isinstance(r, PostItem)}
    copies = [r for r in results if isinstance(r, CopyItem)]
    requests = [r for r in results if isinstance(r, Request)]
    return posts, copies, requests


def test_a_timeline_page_gives_its_posts_and_pages_on_by_since_id(make_spider):
    spider = make_spider(WeiboSpider, "weibo-accounts")
    posts, copies, requests = _parse(spider, "weibo_timeline.json")
    # the pinned post, the originals, a repost with its original, and the repost of a deleted post that says
    # something; the ad card and the empty repost of a deleted post are not posts
    assert set(posts) == {"5099000000000001", "5100000000001001", "5100000000000901", "5100000000001003",
                          "5100000000001005", "5100000000001006"}
    assert copies == []
    assert spider.crawler.stats.get_value("yuqing/items_parsed") == 7
    assert spider.crawler.stats.get_value("yuqing/reposts_of_deleted") == 1
    long_text = [r.url for r in requests if "statuses/extend" in r.url]
    assert long_text == [f"{API}/statuses/extend?id=5100000000001002"]
    [following] = [r for r in requests if "getIndex" in r.url]
    assert following.url.endswith("&since_id=5100000000001006") and "page=" not in following.url.split("?")[1]
    assert following.cb_kwargs["page"] == 2


def test_times_authors_counts_and_the_repost_link(make_spider):
    spider = make_spider(WeiboSpider, "weibo-accounts")
    posts, _, _ = _parse(spider, "weibo_timeline.json")
    when = {mid: parse_cn_time(p["published_at"], NOW).astimezone(NOW.tzinfo) for mid, p in posts.items()}
    assert when["5100000000001001"] == NOW
    assert when["5100000000001003"] == NOW - timedelta(hours=3)
    assert when["5100000000001006"].strftime("%Y-%m-%d %H:%M") == "2026-12-05 00:00"
    assert when["5099000000000001"].strftime("%Y-%m-%d") == "2025-03-04"
    repost = posts["5100000000001003"]
    assert (repost["parent_id"], repost["relation"]) == ("weibo:5100000000000901", "repost")
    assert posts["5100000000000901"]["author"] == "渠县发布" and posts["5100000000000901"]["reposts"] == 310
    orphan = posts["5100000000001005"]
    assert orphan.get("parent_id") is None and orphan["raw"]["retweeted_deleted"] is True
    assert clean_text(posts["5100000000001006"]["text"]) == "冬季校园消防安全提示\n请各校落实消防安全责任"


def test_the_pinned_post_does_not_stop_paging_at_the_watermark(make_spider):
    spider = make_spider(WeiboSpider, "weibo-accounts")
    # a complete earlier run saw everything down to two days ago; the pinned post is from last year
    spider.last_complete, spider.watermark = True, NOW - timedelta(days=5)
    _, _, requests = _parse(spider, "weibo_timeline.json")
    assert any("since_id=" in r.url for r in requests)
    spider.watermark = NOW - timedelta(hours=1)
    _, _, requests = _parse(spider, "weibo_timeline.json")
    assert not any("getIndex" in r.url for r in requests), "older than the watermark: paging ends"


def test_the_last_timeline_page_has_no_since_id_and_ends_paging(make_spider):
    spider = make_spider(WeiboSpider, "weibo-accounts")
    posts, _, requests = _parse(spider, "weibo_timeline_last.json", page_number=3)
    assert set(posts) == {"5100000000000501"} and requests == []


def test_counts_as_weibo_prints_them():
    assert [count_of(v) for v in (12, "12", "1.2万", "100万+", "", None, "x")] == [12, 12, 12000, 1000000, 0, 0, 0]
