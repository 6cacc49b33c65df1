"""The leaders' message board's signed JSON API (人民网领导留言板), on saved answers in its real structure."""

from __future__ import annotations

import json

from scrapy import Request

from crawlers.items import PostItem
from crawlers.spiders.gov_board import GovBoardSpider, signature
from tests.crawlers.conftest import page, started

HOST = "https://liuyan.people.com.cn"


def test_the_signature_is_the_one_the_board_web_page_computes():
    # Two calls captured from the board's web page by public crawler projects (path, param text, signature).
    assert signature("/v1/threads/list/bw", '{"fid":5050,"showUnAnswer":1,"typeId":5,"lastItem":"","position":1,'
                     '"rows":10,"orderType":2}') == "22e8ff231248d4e2774c9d1b523afdf9"
    assert signature("/v1/threads/list/df", '{"fid":"593","showUnAnswer":1,"typeId":5,"lastItem":"","position":"0",'
                     '"rows":10,"orderType":2}') == "a7db9282e68f7ccceff0785b444c2194"


def test_the_list_is_a_signed_post_paged_by_last_item(make_spider):
    spider = make_spider(GovBoardSpider, "gov-board")
    [first] = started(spider)
    body = json.loads(first.body)
    assert first.method == "POST" and first.url == f"{HOST}/v1/threads/list/df"
    assert body["appCode"] == "PC42ce3bfa4980a9" and body["token"] == ""
    assert json.loads(body["param"]) == {"fid": "5136", "showUnAnswer": 1, "typeId": 5, "lastItem": "", "position": 0,
                                         "rows": 10, "orderType": 2}
    assert body["signature"] == signature("/v1/threads/list/df", body["param"])
    results = list(spider.parse_list(page("board_list.json", f"{HOST}/v1/threads/list/df"), fid="5136", page=1))
    details = [r for r in results if r.callback == spider.parse_detail]
    [following] = [r for r in results if r.callback == spider.parse_list]
    assert len(details) == 10 and details[0].url == f"{HOST}/v1/threads/content"
    assert json.loads(json.loads(details[0].body)["param"]) == {"tid": "22360010", "fromTrash": 0}
    assert json.loads(json.loads(following.body)["param"])["lastItem"] == "22360001"
    assert spider.crawler.stats.get_value("yuqing/items_parsed") == 10


def test_the_detail_gives_the_message_and_the_official_reply(make_spider):
    spider = make_spider(GovBoardSpider, "gov-board")
    started(spider)
    row = json.loads((page("board_list.json", HOST).body))["resultData"]["data"][0]
    [item] = list(spider.parse_detail(page("board_detail.json", f"{HOST}/v1/threads/content"), fid="5136", row=row))
    assert isinstance(item, PostItem) and item["native_id"] == "22360010"
    assert item["title"] == "恳请在渠县第一小学门口设置减速带" and item["author"] == "一小家长"
    assert item["text"].startswith("领导您好") and item["published_at"] == 1796606400
    assert item["comments"] == 1 and item["raw"]["replies"][0]["organization"] == "渠县人民政府"
    assert "增设减速带" in item["raw"]["revision"] and item["url"] == f"{HOST}/threads/content?tid=22360010"


def test_an_answer_in_another_structure_is_format_drift_with_a_sample(make_spider):
    spider = make_spider(GovBoardSpider, "gov-board")
    started(spider)
    results = list(spider.parse_list(page("board_drift.json", f"{HOST}/v1/threads/list/df"), fid="5136", page=1))
    stats = spider.crawler.stats
    assert results == [] and "resultData.data" in stats.get_value("yuqing/drift_reason")
    assert stats.get_value("yuqing/drift_sample").startswith(f"{HOST}/v1/threads/list/df\n{{")
    assert not any(isinstance(r, Request) for r in results)
