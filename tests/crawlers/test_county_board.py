"""A county's own message board, read with the selectors of its profile entry: list rows, letter pages with
the official reply, paging, and clear errors for selectors that are missing or do not parse."""

from __future__ import annotations

import pytest
from scrapy.crawler import Crawler

from core.clock import ManualClock
from core.errors import ConfigurationError
from core.profile import DEFAULT_PROFILE
from core.settings import load_settings
from crawlers.spiders.county_board import CountyBoardSpider
from infra.crawl.process import find_source, scrapy_settings
from infra.runtime import open_runtime
from tests.crawlers.conftest import NOW, page, started

BOARD = '''
[[sources]]
name = "county-board"
spider = "county_board"
list_urls = ["https://www.quxian.gov.cn/hdjl/sjxzxx/index.html"]
list = { item = "table.xx_table tr.xx_list", link = "td.bt a::attr(href)", title = "td.bt a::text", time = "td.rq::text", next = "xpath://div[@class='page']/a[@class='next']/@href" }
detail = { title = "td.xj_bt::text", text = "td.xj_nr p", author = "td.xj_lxr::text", time = "td.xj_sj::text", state = "td.xj_zt::text", reply = "td.hf_nr p", reply_org = "td.hf_dw::text" }
'''
LIST_URL = "https://www.quxian.gov.cn/hdjl/sjxzxx/index.html"


@pytest.fixture
def board_spider(tmp_path):
    runtimes = []

    def make(entry: str = BOARD):
        profile = tmp_path / "profile.toml"
        profile.write_text(DEFAULT_PROFILE.read_text(encoding="utf-8") + entry, encoding="utf-8")
        settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path), "profile": str(profile)})
        runtime = open_runtime(settings, clock=ManualClock(NOW))
        runtimes.append(runtime)
        scrapy = scrapy_settings(runtime, find_source(runtime.profile, "county-board"), run_id="test")
        scrapy.set("TWISTED_REACTOR", None)
        crawler = Crawler(CountyBoardSpider, scrapy)
        crawler._apply_settings()
        return CountyBoardSpider.from_crawler(crawler)

    yield make
    for runtime in runtimes:
        runtime.close()


def test_list_rows_become_letter_requests_and_the_next_page(board_spider):
    spider = board_spider()
    [start] = started(spider)
    assert start.url == LIST_URL
    results = list(spider.parse_list(page("county_board_list.html", LIST_URL), page=1))
    assert [r.url for r in results] == ["https://www.quxian.gov.cn/hdjl/sjxzxx/202612/t20261207_2002.html",
                                        "https://www.quxian.gov.cn/hdjl/sjxzxx/202612/t20261206_2001.html",
                                        "https://www.quxian.gov.cn/hdjl/sjxzxx/202612/t20261205_2000.html",
                                        "https://www.quxian.gov.cn/hdjl/sjxzxx/index_1.html"]
    assert results[0].cb_kwargs == {"listed": "2026-12-07"}


def test_a_letter_page_gives_the_message_and_the_official_reply(board_spider):
    spider = board_spider()
    started(spider)
    url = "https://www.quxian.gov.cn/hdjl/sjxzxx/202612/t20261207_2002.html"
    [item] = list(spider.parse_detail(page("county_board_letter.html", url), listed="2026-12-07"))
    assert item["title"] == "关于渠县第二小学食堂饭菜质量的反映" and item["author"] == "李**"
    assert item["text"] == "孩子在渠县第二小学就读，最近反映食堂饭菜有异味。\n希望有关部门检查食堂。"
    assert item["published_at"] == "2026-12-07 20:13:05" and item["comments"] == 1
    assert item["raw"]["reply_org"] == "渠县教育科技局" and "留样食品送检合格" in item["raw"]["revision"]


def test_a_list_without_the_configured_rows_is_format_drift(board_spider):
    spider = board_spider()
    started(spider)
    assert list(spider.parse_list(page("news_xinhua.html", LIST_URL), page=1)) == []
    assert "list.item" in spider.crawler.stats.get_value("yuqing/drift_reason")


@pytest.mark.parametrize("change, message", [
    (("link = \"td.bt a::attr(href)\", ", ""), "option 'list.link' is required"),
    (("td.xj_nr p", "td.xj_nr[[p"), "option 'detail.text' = 'td.xj_nr[[p' is not a valid selector"),
    (("xpath://div[@class='page']/a[@class='next']/@href", "xpath://div[@class="), "option 'list.next'"),
    (("reply_org =", "reply_organisation ="), "option 'detail.reply_organisation' is unknown"),
    (('list_urls = ["https://www.quxian.gov.cn/hdjl/sjxzxx/index.html"]', "list_urls = []"), "needs at least one page"),
])
def test_bad_selectors_stop_the_crawl_with_an_error_naming_the_option(board_spider, change, message):
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[").replace("(", r"\(")):
        board_spider(BOARD.replace(*change))
