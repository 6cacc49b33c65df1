"""The official-website channel on a real folder: what a reader's browser and feed reader get back is exactly
the release text (markup characters, quotes, Chinese), in well-formed HTML and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from lxml import html as lxml_html

from core.workflow.channels import OutgoingRelease
from infra.publish import build_channels
from infra.publish.webhook import WebhookChannel
from infra.publish.website import WebsiteChannel

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)
TITLE = '关于<渠县二中>食堂"变质肉"传言 & 后续的\'情况通报\''
BODY = "经查，网传“二中食堂使用变质肉”不实 <b>not bold</b> & 已报警。\n第二行：a < b > c\n\n第二段\x0b（含控制字符）"


def release(**changes) -> OutgoingRelease:
    values = dict(release_id="R-1", alert_id="A-1", template="rumour_rebuttal", title=TITLE, body=BODY, version=1,
                  published_at=NOW, publisher="渠县教育局")
    values.update(changes)
    return OutgoingRelease(**values)


def test_a_release_page_shows_exactly_the_text_and_no_markup_from_it(tmp_path):
    page = WebsiteChannel(tmp_path, "https://www.example.gov.cn/xxgk/").publish(
        release(first_release_id='R-0"><script>x</script>'))
    document = lxml_html.fromstring(open(page, encoding="utf-8").read())
    assert document.findtext(".//title") == TITLE and document.findtext(".//h1") == TITLE
    paragraphs = document.xpath("//article/p[not(@class)]")
    # \x0b is neither HTML nor XML text: it is left out
    assert [p.text_content() for p in paragraphs] == [
        "经查，网传“二中食堂使用变质肉”不实 <b>not bold</b> & 已报警。第二行：a < b > c", "第二段（含控制字符）"]
    assert len(paragraphs[0].findall("br")) == 1          # the line break inside the first paragraph
    assert not document.xpath("//script | //b")
    assert document.xpath("//p[@class='meta']")[0].text_content().endswith('续发（首发：R-0"><script>x</script>）')


def test_the_feed_and_the_index_list_every_release_newest_first_as_plain_text(tmp_path):
    channel = WebsiteChannel(tmp_path, "https://www.example.gov.cn/xxgk")
    channel.publish(release())
    channel.publish(release(release_id="R/2", title="续发：<更正> & 致歉", published_at=NOW.replace(hour=5)))
    feed = ET.parse(tmp_path / "rss.xml").getroot()          # well-formed, or this raises
    items = feed.findall("./channel/item")
    assert [i.findtext("title") for i in items] == ["续发：<更正> & 致歉", TITLE]
    assert [i.findtext("link") for i in items] == ["https://www.example.gov.cn/xxgk/releases/R_2.html",
                                                   "https://www.example.gov.cn/xxgk/releases/R-1.html"]
    assert items[1].findtext("description") == BODY.replace("\x0b", "")
    assert items[0].findtext("pubDate") == "Sun, 29 Nov 2026 05:00:00 +0000"
    assert feed.findtext("./channel/title") == "渠县教育局 信息发布"
    index = lxml_html.fromstring((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert [(a.get("href"), a.text_content()) for a in index.xpath("//li/a")] == [
        ("releases/R_2.html", "续发：<更正> & 致歉"), ("releases/R-1.html", TITLE)]


def test_republishing_a_release_replaces_its_entry(tmp_path):
    channel = WebsiteChannel(tmp_path)
    channel.publish(release())
    channel.publish(release(title="更正后的标题"))
    items = ET.parse(tmp_path / "rss.xml").getroot().findall("./channel/item")
    assert [i.findtext("title") for i in items] == ["更正后的标题"]


def test_channels_are_built_from_typed_values(tmp_path):
    website_only = build_channels(tmp_path / "site", "https://www.example.gov.cn/")
    assert [c.name for c in website_only] == ["website"] and website_only[0].folder == tmp_path / "site"
    both = build_channels(tmp_path / "site", "https://www.example.gov.cn/", webhook_url="http://127.0.0.1:9/hook",
                          webhook_secret="s", webhook_timeout=2.0)
    assert [c.name for c in both] == ["website", "webhook"]
    assert isinstance(both[1], WebhookChannel) and (both[1].secret, both[1].timeout) == ("s", 2.0)
