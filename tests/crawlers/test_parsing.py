"""Each spider's parsing on saved pages in the real formats (written by us): what a user would see stored."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import TextResponse

from crawlers.items import CopyItem, PostItem
from crawlers.middlewares import BlockDetectionMiddleware
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.news import NewsSpider
from crawlers.spiders.rss import RssSpider
from crawlers.spiders.weibo import WeiboSpider
from tests.crawlers.conftest import NOW, page, started

API = "https://m.weibo.cn"
SEARCH = f"{API}/api/container/getIndex?containerid=100103type%3D1%26q%3D%E6%B8%A0%E5%8E%BF&page=1"


def _split(results):
    posts = [r for r in results if isinstance(r, PostItem)]
    copies = [r for r in results if isinstance(r, CopyItem)]
    requests = [r for r in results if isinstance(r, Request)]
    return posts, copies, requests


def test_weibo_search_page_gives_posts_copies_long_text_requests_and_the_next_page(make_spider):
    spider = make_spider(WeiboSpider, "weibo-search")
    results = list(spider.parse_index(page("weibo_search.json", SEARCH), api=API, container="100103type=1&q=渠县", page=1))
    posts, copies, requests = _split(results)
    by_id = {p["native_id"]: p for p in posts}
    # card_group cards are read too; the trivial repost is a copy of its original, the commented one a post
    assert set(by_id) == {"5100000000000001", "5100000000000002", "5100000000000005", "5100000000000006"}
    assert [(c["id"], c["original_id"]) for c in copies] == [("weibo:5100000000000004", "weibo:5100000000000005")]
    first = by_id["5100000000000001"]
    assert clean_text(first["text"]) == "渠县@某中学门口有人打架，ABC123 大家小心"
    assert first["comments"] == 12 and first["author"] == "渠江边的路人"
    assert parse_cn_time(first["published_at"], NOW).astimezone(NOW.tzinfo).strftime("%m-%d %H:%M") == "12-08 11:55"
    assert by_id["5100000000000006"]["raw"]["retweeted_id"] == "5100000000000005"
    # the commented repost names its source by our post id (the crawler-NLP contract of Post.parent_id)
    assert (by_id["5100000000000006"]["parent_id"], by_id["5100000000000006"]["relation"]) == \
        ("weibo:5100000000000005", "repost")
    assert "parent_id" not in by_id["5100000000000001"]
    long_text = [r for r in requests if "statuses/extend" in r.url]
    assert [r.url for r in long_text] == [f"{API}/statuses/extend?id=5100000000000003"]
    assert any("page=2" in r.url for r in requests), "cardlistInfo.page asks for a next page"


def test_weibo_long_text_replaces_the_truncated_text(make_spider):
    spider = make_spider(WeiboSpider, "weibo-search")
    item = spider.post_item({"id": "5100000000000003", "created_at": "刚刚", "text": "截断...", "user": {}})
    [full] = list(spider.parse_long(page("weibo_extend.json", f"{API}/statuses/extend?id=5100000000000003"), item))
    assert clean_text(full["text"]).startswith("【情况通报】渠县教育局") and "网传信息不实" in full["text"]


def test_malformed_weibo_json_is_logged_and_skipped(make_spider):
    spider = make_spider(WeiboSpider, "weibo-search")
    results = list(spider.parse_index(page("weibo_malformed.json", SEARCH), api=API, container="x", page=1))
    assert results == []
    stats = spider.crawler.stats
    assert stats.get_value("yuqing/errors") == 1
    assert "JSON 格式错误" in stats.get_value("yuqing/error_samples")[0]


def test_login_and_captcha_pages_are_recognised_as_blocks():
    login = page("weibo_login.json", SEARCH)
    captcha = page("captcha.html", "https://tieba.baidu.com/f?kw=%E6%B8%A0%E5%8E%BF")
    normal = page("weibo_search.json", SEARCH)
    forbidden = TextResponse(url=SEARCH, status=418, body=b"")
    assert "ok=-100" in BlockDetectionMiddleware.block_reason(login)
    assert "安全验证" in BlockDetectionMiddleware.block_reason(captcha)
    assert BlockDetectionMiddleware.block_reason(forbidden) == "HTTP 418"
    assert BlockDetectionMiddleware.block_reason(normal) == ""


def test_news_list_follows_article_links_matching_the_pattern_and_the_next_page(make_spider):
    spider = make_spider(NewsSpider, "news-dzrbs")
    started(spider)
    results = list(spider.parse_list(page("news_dzrbs_list.html", "https://www.dzrbs.com/xwzx/index.html"), page=1))
    urls = [r.url for r in results]
    assert urls == ["https://www.dzrbs.com/xwzx/202612/t20261208_3001.html",
                    "https://www.dzrbs.com/xwzx/202612/t20261207_3000.html",
                    "https://www.dzrbs.com/xwzx/index_2.html"]


def test_news_article_with_configured_selectors(make_spider):
    spider = make_spider(NewsSpider, "news-dzrbs")
    [item] = list(spider.parse_article(page("news_dzrbs_article.html",
                                            "https://www.dzrbs.com/xwzx/202612/t20261208_3001.html")))
    assert item["title"] == "渠县一小学生上学途中被撞 交警通报"
    assert clean_text(item["text"]).splitlines() == ["本报讯 12月8日早上7时许，渠县第一小学门口发生一起交通事故。",
                                                     "一名学生受伤，已送医治疗。驾驶人未逃逸。"]
    assert item["published_at"].astimezone(NOW.tzinfo).strftime("%Y-%m-%d %H:%M") == "2026-12-08 08:20"
    assert item["author"] == "达州日报" and item["raw"]["extracted_by"] == "selectors"


def test_news_article_without_selectors_falls_back_to_the_extraction_library(make_spider):
    spider = make_spider(NewsSpider, "news-newssc")
    [item] = list(spider.parse_article(page("news_newssc_article.html",
                                            "https://dz.newssc.org/system/20261208/0001.html")))
    assert item["raw"]["extracted_by"] == "trafilatura"
    assert "渠县整治校园周边交通" in item["title"]
    assert "增设人行横道信号灯和减速带" in item["text"] and "版权所有" not in item["text"]
    assert item["published_at"].astimezone(NOW.tzinfo).strftime("%Y-%m-%d %H:%M") == "2026-12-08 09:30"


def test_a_gbk_page_declared_only_in_meta_is_read_correctly(make_spider):
    spider = make_spider(NewsSpider, "news-dzrbs")
    [item] = list(spider.parse_article(page("news_gbk_article.html",
                                            "https://www.dzrbs.com/xwzx/202612/t20261208_3002.html")))
    assert "交通事故（GBK 编码页面）" in item["text"]


def test_rss_and_atom_entries_and_an_entry_without_link_is_an_error(make_spider):
    spider = make_spider(RssSpider, "rss-quxian-gov")
    rss = list(spider.parse_feed(page("feed_rss.xml", "https://www.quxian.gov.cn/rss/jyxw.xml")))
    atom = list(spider.parse_feed(page("feed_atom.xml", "https://www.quxian.gov.cn/rss/jyxw.atom")))
    assert [i["title"] for i in rss] == ["县教育局部署开展校园欺凌专项治理"]
    assert clean_text(rss[0]["text"]) == "县教育局召开专题会议，部署全县中小学开展校园欺凌专项治理。"
    assert parse_cn_time(rss[0]["published_at"], NOW).astimezone(NOW.tzinfo).strftime("%d %H:%M") == "03 20:40"
    assert rss[0]["author"] == "渠县人民政府"
    assert atom[0]["url"] == "https://www.quxian.gov.cn/jyxw/202612/t20261203_1002.html"
    assert clean_text(atom[0]["text"]) == "渠县教育局公布有偿补课、违规收费举报电话。"
    assert spider.crawler.stats.get_value("yuqing/errors") == 1
