"""The feed: search with filters; web text shown as text."""

from __future__ import annotations

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


def test_a_post_holding_a_script_is_shown_as_its_literal_text(seeded):
    at = open_page(login("monitor"), "posts")
    bodies = [m.value for m in at.markdown if "xss" in m.value]
    assert bodies, "the post with <script> is not on the page"
    for body in bodies:
        assert "<script>" not in body                   # nothing Markdown or HTML could act on
        html = MarkdownIt("commonmark").render(body)
        assert "&lt;script&gt;alert('xss')&lt;/script&gt;" in html.replace("&#39;", "'")
        assert "<a " not in html and "href" not in html  # the [link](...) stays text


def test_plain_renders_back_to_exactly_the_text():
    md = MarkdownIt("commonmark")
    for text in [SCRIPT_TEXT, "**粗体** _斜体_ `代码` $x$ # 标题", "1. 列表\n- 项目\n> 引用", "a\\b &amp; <b>"]:
        html = md.render(plain(text))
        # CommonMark escapes &, <, > and " in text; undo that to compare with what a person sees.
        seen = (html.replace("<p>", "").replace("</p>", "").replace("<br />", "").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&").strip())
        assert seen == text.replace("\n", "\n").strip(), (text, html)
