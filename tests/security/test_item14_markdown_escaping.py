"""Item 14: crawled text reaching ``st.markdown`` renders as text: an event title holding a Markdown link,
an image and a Streamlit directive shows on the 报告 page exactly as written, with nothing live."""

from __future__ import annotations

import re
from dataclasses import replace

from console import data
from core.markdown import escape_markdown, unescape_markdown
from core.settings import load_settings
from infra.runtime import open_runtime
from tests.console.conftest import login, open_page, submit

HOSTILE_TITLE = "渠县二中通报[点此查看](http://evil.example/x) ![追踪](http://evil.example/t.png) :red[假]"
LIVE = re.compile(r"\]\(|!\[|(?<!\\):red\[|https?://")      # a link, an image, a directive, an autolink


def test_a_hostile_event_title_shows_as_text_in_the_special_report(seeded):
    with open_runtime(load_settings()) as runtime:
        event = runtime.events.get_event(seeded.event_ids[0])
        runtime.events.save_events([replace(event, title=HOSTILE_TITLE)])
    data.refresh()
    at = open_page(login("leader"), "report-center")
    at.radio(key="reports.kind").set_value("special").run()
    at.selectbox(key="reports.event").set_value(seeded.event_ids[0]).run()
    at = submit(at, "生成报告")
    assert not at.exception, at.exception
    shown = [str(element.value) for element in at.markdown]
    report = [text for text in shown if "舆情专报" in text]
    assert report, shown
    for text in shown:
        assert not LIVE.search(text), text
    assert HOSTILE_TITLE in unescape_markdown(report[0])          # the title is all there, as text


def test_the_one_escaping_rule_round_trips():
    assert unescape_markdown(escape_markdown(HOSTILE_TITLE)) == HOSTILE_TITLE
    assert not LIVE.search(escape_markdown(HOSTILE_TITLE))
