"""The simulated web: scenarios are checked, posts appear only when their time has come, faults are injected."""

from __future__ import annotations

import json

import pytest
import requests
from parsel import Selector

from core.errors import ConfigurationError
from crawlers.spiders.gov_board import signature
from infra.cli import main
from infra.simweb import SimWeb, list_scenarios, load_scenario
from infra.simweb.scenario import INCIDENT_TYPES

SEARCH = "/m.weibo.cn/api/container/getIndex"


@pytest.fixture(scope="module")
def web():
    server = SimWeb(load_scenario("traffic-accident"), at_min=0).start()
    yield server
    server.stop()


def test_shipped_scenarios_have_ground_truth_on_all_five_platforms():
    assert set(list_scenarios()) >= {"food-safety-rumour", "bullying-video", "traffic-accident"}
    for name in list_scenarios():
        scenario = load_scenario(name)
        assert 35 <= len(scenario.posts) <= 80
        assert {p.platform for p in scenario.posts} == {"weibo", "news", "rss", "tieba", "gov_board"}
        assert any("hard_negative" in p.tags for p in scenario.posts) and any("noise" in p.tags for p in scenario.posts)
        assert any(p.rumour for p in scenario.posts) and any(p.copy_of for p in scenario.posts)
        assert all(set(p.incident_types) <= set(INCIDENT_TYPES) for p in scenario.posts)
        assert len({scenario.expected_post_id(p.key) for p in scenario.posts}) == len(scenario.posts)


def test_a_scenario_mistake_names_the_post_and_the_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nid = "bad"\nstart = "2026-12-01T08:00:00+08:00"\n\n[[posts]]\nkey = "x1"\n'
                   'platform = "weibo"\nat_min = 1\nauthor = "某人"\ntext = "渠县"\nschools = ["no-such-school"]\n',
                   encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"post 'x1', field 'schools': 'no-such-school'"):
        load_scenario(bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace('["no-such-school"]', "[]") + 'mood = "angry"\n',
                   encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"post 'x1', field 'mood'"):
        load_scenario(bad)


def test_posts_appear_only_once_their_time_has_come(web):
    web.set_minute(10)
    first = requests.get(web.url + SEARCH, params={"containerid": "100103type=1&q=渠县"}, timeout=5).json()
    texts = [card["mblog"]["text"] for card in first["data"]["cards"] if "mblog" in card]
    # the first search page also has a card_group of related users and an ad card, neither with an mblog
    assert [card["card_type"] for card in first["data"]["cards"][:2]] == [11, 22]
    # t03 (minute 7), t02 (a repost at minute 4, found through its original), t01 (minute 1); not t04 and later
    assert len(texts) == 3 and texts[1] == "转发微博" and texts[2].startswith("刚才渠县一小门口")
    assert first["data"]["cards"][2]["mblog"]["created_at"] == "3分钟前"
    web.set_minute(300)
    later = requests.get(web.url + SEARCH, params={"containerid": "100103type=1&q=渠县"}, timeout=5).json()
    assert later["data"]["cardlistInfo"]["total"] > 10 and later["data"]["cardlistInfo"]["page"] == 2


def test_every_format_is_served(web):
    web.set_minute(300)
    get = lambda path, **params: requests.get(web.url + path, params=params, timeout=5)  # noqa: E731
    assert "news-list" in get("/www.dzrbs.com/xwzx/index.html").text
    assert "<dl><dt>" in get("/dz.newssc.org/system/more/dzxw/index.html").text
    assert get("/www.quxian.gov.cn/rss/jyxw.xml").text.count("<item>") == 2
    assert get("/www.quxian.gov.cn/rss/jyxw.atom").text.count("<entry>") == 1
    assert "j_thread_list" in get("/tieba.baidu.com/f", kw="渠县", pn=0).text
    feed = get("/www.quxian.gov.cn/rss/jyxw.xml").text
    assert "<title><![CDATA[" in feed and "<pubDate>2026-" in feed     # as county portals write their feeds
    param = '{"fid":"5136","showUnAnswer":1,"typeId":5,"lastItem":"","position":0,"rows":10,"orderType":2}'
    signed = {"appCode": "PC42ce3bfa4980a9", "token": "", "param": param,
              "signature": signature("/v1/threads/list/df", param)}
    board = requests.post(web.url + "/liuyan.people.com.cn/v1/threads/list/df", json=signed, timeout=5).json()
    rows = board["resultData"]["data"]
    assert board["resultCode"] == "200" and len(rows) == 3 and board["resultData"]["lastItem"] == str(rows[-1]["tid"])
    forged = requests.post(web.url + "/liuyan.people.com.cn/v1/threads/list/df", json={**signed, "signature": "0" * 32},
                           timeout=5).json()
    assert forged["resultCode"] == "403" and forged["resultData"] is None


def test_injected_faults_over_http(web):
    admin = web.url + "/_simweb/faults"
    try:
        requests.post(admin, json={"kind": "block_418", "match": "tieba.baidu.com", "times": 1}, timeout=5)
        assert requests.get(web.url + "/tieba.baidu.com/f?kw=x", timeout=5).status_code == 418
        assert requests.get(web.url + "/tieba.baidu.com/f?kw=x", timeout=5).status_code == 200   # only once
        requests.post(admin, json={"kind": "rate_limit", "match": "rss/"}, timeout=5)
        limited = requests.get(web.url + "/www.quxian.gov.cn/rss/jyxw.xml", timeout=5)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        requests.post(admin, json={"kind": "gbk", "match": "xwzx/index"}, timeout=5)
        page = requests.get(web.url + "/www.dzrbs.com/xwzx/index.html", timeout=5)
        assert 'charset="gbk"' in page.content.decode("gbk") and "新闻中心" in page.content.decode("gbk")
        requests.post(admin, json={"kind": "malformed_json", "match": "threads/list"}, timeout=5)
        with pytest.raises(json.JSONDecodeError):
            json.loads(requests.get(web.url + "/liuyan.people.com.cn/v1/threads/list/df?fid=5136", timeout=5).text)
        requests.post(admin, json={"kind": "layout_changed", "match": "dzxw/index"}, timeout=5)
        changed = requests.get(web.url + "/dz.newssc.org/system/more/dzxw/index.html", timeout=5)
        assert changed.status_code == 200 and "<dl><dt>" not in changed.text and "改版" in changed.text
        assert requests.post(admin, json={"kind": "explode"}, timeout=5).status_code == 400
    finally:
        requests.delete(admin, timeout=5)
    assert requests.get(web.url + "/www.quxian.gov.cn/rss/jyxw.xml", timeout=5).status_code == 200


def test_simweb_command_lists_scenarios(capsys):
    assert main(["simweb", "--list"]) == 0
    assert "food-safety-rumour" in capsys.readouterr().out


def test_weibo_and_tieba_are_served_in_their_real_structures():
    scenario = load_scenario("food-safety-rumour")
    server = SimWeb(scenario, at_min=400).start()
    get = lambda path, **params: requests.get(server.url + path, params=params, timeout=5)  # noqa: E731
    try:
        # an account's timeline: its oldest post pinned on top, paged by since_id without a page key
        timeline = get(SEARCH, containerid="1076036500000002").json()["data"]
        top = timeline["cards"][0]["mblog"]
        assert top["isTop"] == 1 and top["title"]["text"] == "置顶" and "page" not in timeline["cardlistInfo"]
        # Tieba: the thread list is inside an HTML comment, so a plain selector finds no row
        listing = get("/tieba.baidu.com/f", kw="渠县", pn=0).text
        assert not Selector(text=listing).css("li.j_thread_list") and "<!--" in listing and "j_thread_list" in listing
        thread = scenario.by_key["f06"]
        floors = Selector(text=get(f"/tieba.baidu.com/p/{thread.native_id}").text).css("div.l_post")
        assert len(floors) == 1 + 3 and '"date"' not in floors[0].attrib["data-field"]
        lzl = get("/tieba.baidu.com/p/totalComment", tid=thread.native_id, pn=1).json()["data"]["comment_list"]
        assert [c["content"] for f in lzl.values() for c in f["comment_info"]] == [scenario.by_key["r07"].text]
        rumour = scenario.by_key["f02"].native_id
        comments = get("/m.weibo.cn/comments/hotflow", id=rumour, mid=rumour, max_id_type=0).json()["data"]
        assert [c["text"] for c in comments["data"]] == [scenario.by_key[k].text for k in ("r03", "r02", "r01")]
        assert comments["max_id"] == 0
        reposts = get("/m.weibo.cn/api/statuses/repostTimeline", id=rumour, page=1).json()["data"]
        assert reposts["max"] == 1 and {b["id"] for b in reposts["data"]} >= {scenario.by_key["f03"].native_id}
        quiet = scenario.by_key["f19"].native_id
        assert get("/m.weibo.cn/comments/hotflow", id=quiet, mid=quiet).json() == {"ok": 0, "msg": "快来发表你的评论吧"}
    finally:
        server.stop()
