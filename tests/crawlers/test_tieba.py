"""The Tieba spider on pages in Tieba's real structure (written by us): the thread list commented out inside
its pagelet, a pinned thread, the pager inside the comment, floors whose data-field has no date and whose
login name differs from the name shown."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawlers.items import PostItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.tieba import TiebaSpider
from tests.crawlers.conftest import NOW, PAGES, page

HOST = "https://tieba.baidu.com"
LIST = f"{HOST}/f?kw=%E6%B8%A0%E5%8E%BF&ie=utf-8&pn=0"


def test_the_commented_out_thread_list_gives_every_thread_and_the_next_page(make_spider):
    spider = make_spider(TiebaSpider, "tieba-quxian")
    results = list(spider.parse_list(page("tieba_list.html", LIST), host=HOST, bar="渠县", pn=0))
    threads = [r for r in results if r.callback == spider.parse_thread]
    assert [r.url for r in threads] == [f"{HOST}/p/8100000001", f"{HOST}/p/9000000001", f"{HOST}/p/9000000002",
                                        f"{HOST}/p/9000000003"]
    assert [r.cb_kwargs["replies"] for r in threads] == [3025, 64, 4, 0]
    [following] = [r for r in results if r.callback == spider.parse_list]
    assert following.url == f"{HOST}/f?kw=%E6%B8%A0%E5%8E%BF&ie=utf-8&pn=50"
    assert spider.crawler.stats.get_value("yuqing/items_parsed") == 4
    assert not spider.crawler.stats.get_value("yuqing/errors")


def test_the_last_list_page_has_no_next_page(make_spider):
    spider = make_spider(TiebaSpider, "tieba-quxian")
    results = list(spider.parse_list(page("tieba_list_last.html", LIST), host=HOST, bar="渠县", pn=24050))
    assert [r.url for r in results] == [f"{HOST}/p/8900000101"]


def test_a_pinned_thread_already_stored_does_not_stop_paging(make_spider):
    spider = make_spider(TiebaSpider, "tieba-quxian")
    spider.state.mark_seen(["tieba:8100000001"])
    spider.last_complete, spider.watermark = True, NOW
    results = list(spider.parse_list(page("tieba_list.html", LIST), host=HOST, bar="渠县", pn=0))
    assert f"{HOST}/p/8100000001" not in [r.url for r in results]
    assert any(r.callback == spider.parse_list for r in results), "the new threads below it keep paging"
    spider.state.mark_seen(["tieba:9000000001", "tieba:9000000002", "tieba:9000000003"])
    again = list(spider.parse_list(page("tieba_list.html", LIST), host=HOST, bar="渠县", pn=0))
    assert again == [], "a page of threads all seen by a complete run ends the paging"


def test_the_thread_page_gives_the_shown_author_and_the_tail_time(make_spider):
    spider = make_spider(TiebaSpider, "tieba-quxian")
    [item] = list(spider.parse_thread(page("tieba_thread.html", f"{HOST}/p/9000000001"), tid="9000000001",
                                      replies=64, bar="渠县"))
    assert isinstance(item, PostItem)
    assert item["title"] == "一小门口又出事了，早就该装减速带"
    assert item["author"] == "渠城老司机", "the displayed name, not the login name tb_8821f3"
    assert clean_text(item["text"]) == "渠县第一小学门口那段路早上车又多又快，\n今天一个娃娃被撞了。"
    assert item["published_at"] == "2026-12-08 07:30", "from tail-info: data-field.content has no date"
    assert parse_cn_time(item["published_at"], NOW).astimezone(NOW.tzinfo).strftime("%m-%d %H:%M") == "12-08 07:30"
    assert item["comments"] == 64 and item["url"] == f"{HOST}/p/9000000001"


def test_a_list_page_without_any_thread_list_parses_nothing(make_spider):
    spider = make_spider(TiebaSpider, "tieba-quxian")
    results = list(spider.parse_list(page("captcha.html", LIST), host=HOST, bar="渠县", pn=0))
    assert not [r for r in results if isinstance(r, Request)]
    assert not spider.crawler.stats.get_value("yuqing/items_parsed")


def test_an_old_gbk_thread_page_declared_only_in_its_meta_reads_the_same(make_spider):
    # Tieba served GBK (``ie=gbk``) for years; an archived or mirrored page may still be GBK.
    text = (PAGES / "tieba_thread.html").read_text(encoding="utf-8").replace("charset=UTF-8", "charset=gbk")
    response = HtmlResponse(url=f"{HOST}/p/9000000001", body=text.encode("gbk"))
    spider = make_spider(TiebaSpider, "tieba-quxian")
    [item] = list(spider.parse_thread(response, tid="9000000001", replies=64, bar="渠县"))
    assert item["author"] == "渠城老司机" and item["title"] == "一小门口又出事了，早就该装减速带"
