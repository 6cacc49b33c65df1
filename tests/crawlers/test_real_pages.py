"""News articles and feeds in the structures of real Chinese sites (人民网 in GB2312, 新华网, a TRS-built county
government site in GBK, a county RSS feed in GBK with CDATA and relative links), written by us."""

from __future__ import annotations

import pytest

from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.news import NewsSpider
from crawlers.spiders.rss import RssSpider
from tests.crawlers.conftest import NOW, page, started


def _local(moment) -> str:
    return moment.astimezone(NOW.tzinfo).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("name, url, title, when, source, credits, first, last", [
    ("news_people_gb2312.html", "http://sc.people.com.cn/n2/2026/1208/c345167-40123456.html",
     "四川渠县：校园周边交通安全专项整治启动", "2026-12-08 11:05", "人民网-四川频道",
     {"byline": "王某某", "editor": "李某、赵某"}, "人民网达州12月8日电", "加强巡逻。"),
    ("news_xinhua.html", "http://www.news.cn/local/20261207/abc/c.html",
     "四川达州：中小学开展防溺水安全教育", "2026-12-07 16:32", "新华网",
     {"byline": "陈某某", "editor": "刘某某"}, "新华网成都12月7日电", "安全告知书。"),
    ("news_gov_trs_gbk.html", "http://www.quxian.gov.cn/xxgk/jydt/202612/t20261206_2001.html",
     "县教育局开展春季学期校园食品安全检查", "2026-12-06 09:15", "渠县教育科技局",
     {"editor": "周某"}, "12月5日，县教育科技局", "当场督促整改。"),
])
def test_real_article_structures_through_the_extraction_fallback(make_spider, name, url, title, when, source,
                                                                  credits, first, last):
    spider = make_spider(NewsSpider, "news-newssc")            # no selectors: trafilatura reads the body
    [item] = list(spider.parse_article(page(name, url)))
    text = clean_text(item["text"])
    assert item["raw"]["extracted_by"] == "trafilatura"
    assert title in item["title"] and _local(item["published_at"]) == when
    assert text.startswith(first) and text.endswith(last), text
    assert "版权所有" not in text and "Copyright" not in text and "责任编辑" not in text
    assert item["author"] == source and item["raw"]["source"] == source
    assert {k: item["raw"].get(k) for k in credits} == credits


def test_a_gbk_feed_with_cdata_and_relative_links(make_spider):
    spider = make_spider(RssSpider, "rss-quxian-gov")
    started(spider)
    items = list(spider.parse_feed(page("feed_gov_gbk.xml", "https://www.quxian.gov.cn/rss/jyxw.xml")))
    assert [i["title"] for i in items] == ["县教育局开展春季学期校园食品安全检查", "渠县召开校园安全工作会议"]
    assert [i["url"] for i in items] == ["https://www.quxian.gov.cn/xxgk/jydt/202612/t20261206_2001.html",
                                         "https://www.quxian.gov.cn/rss/202612/t20261205_2000.html"]
    assert clean_text(items[0]["text"]) == "12月5日，县教育科技局联合县市场监管局对全县中小学食堂开展食品安全检查。"
    assert items[0]["author"] == "渠县教育科技局"
    assert _local(parse_cn_time(items[0]["published_at"], NOW)) == "2026-12-06 09:15"
    assert _local(parse_cn_time(items[1]["published_at"], NOW)) == "2026-12-05 18:00"
    assert not spider.crawler.stats.get_value("yuqing/errors")


def test_a_feed_address_answering_a_web_page_is_format_drift(make_spider):
    spider = make_spider(RssSpider, "rss-quxian-gov")
    started(spider)
    moved = page("news_xinhua.html", "https://www.quxian.gov.cn/rss/jyxw.xml")
    assert list(spider.parse_feed(moved)) == []
    assert "订阅源格式无法识别" in spider.crawler.stats.get_value("yuqing/drift_reason")
    assert "新华网" in spider.crawler.stats.get_value("yuqing/drift_sample")
