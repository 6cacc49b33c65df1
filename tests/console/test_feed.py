"""The feed: search with filters; web text shown as text."""

from __future__ import annotations

import re
from html import unescape

from markdown_it import MarkdownIt

from console.components.text import plain
from tests.console.conftest import login, open_page, submit, texts
from tests.console.seed import SCRIPT_TEXT


def test_search_finds_the_posts_with_the_word_and_nothing_else(seeded):
    at = open_page(login("monitor"), "posts")
    assert "共 10 条" in texts(at)
    at.text_input(key="feed.text").input("打架")
    submit(at, "搜索")
    shown = texts(at)
    assert "共 3 条" in shown
    assert "未经证实" in shown and "食堂" not in shown.replace("食品安全", "")


def test_sentiment_filter_keeps_only_positive_posts(seeded):
    at = open_page(login("monitor"), "posts")
    at.selectbox(key="feed.sentiment").set_value("positive")
    submit(at, "搜索")
    shown = texts(at)
    assert "共 1 条" in shown and "秋季运动会" in shown


def _seen(html: str) -> str:
    """What a person reads in rendered HTML: tags dropped, references decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def test_a_post_holding_a_script_is_shown_as_its_literal_text(seeded):
    at = open_page(login("monitor"), "posts")
    # the body holds an address, so it is shown unparsed: exactly the characters the post holds
    assert [e.value for e in at.text if "xss" in e.value] == [SCRIPT_TEXT]
    titles = [m.value for m in at.markdown if "加粗标题" in m.value]
    assert titles, "the post's title is not on the page"
    md = MarkdownIt("commonmark")
    for markdown in [m.value for m in at.markdown] + [c.value for c in at.caption]:
        html = md.render(markdown)
        assert "<script" not in html and "<b>" not in html and "href" not in html, markdown
    assert _seen(md.render(titles[0])) == "<b>加粗标题</b>"           # shown, not obeyed


def test_plain_renders_back_to_exactly_the_text():
    md = MarkdownIt("commonmark")
    for text in [SCRIPT_TEXT, "**粗体** _斜体_ `代码` $x$ # 标题", "1. 列表\n- 项目\n> 引用", "a\\b &amp; <b>",
                 "见 www.example.cn 或 http://a.cn/x?y=1 或 a@b.cn :smile: :red[字]"]:
        html = md.render(plain(text))
        assert "<a " not in html and "<ol" not in html and "<ul" not in html and "<h1" not in html, html
        assert _seen(html).replace("\n", "") == text.replace("\n", ""), (text, html)


def test_event_filter_and_paging(seeded, monkeypatch):
    monkeypatch.setenv("YUQING_CONSOLE_PAGE_SIZE", "4")
    at = open_page(login("monitor"), "posts")
    assert "共 10 条，第 1 / 3 页" in texts(at)
    submit(at, "下一页")
    at.run()                                             # settle after the pager's rerun
    assert "第 2 / 3 页" in texts(at)
    at.selectbox(key="feed.event").set_value("ev-rumour")
    submit(at, "搜索")
    shown = texts(at)
    assert "共 3 条，第 1 / 1 页" in shown and "食堂" not in shown.replace("食品安全", "")
