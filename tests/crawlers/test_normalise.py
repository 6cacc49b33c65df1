"""Normalising what sites print: times against the crawl clock, HTML, character widths."""

from datetime import datetime

import pytest

from core.clock import CHINA_TZ
from core.errors import InvalidInput
from crawlers.normalise import clean_text, half_width, parse_cn_time

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=CHINA_TZ)


@pytest.mark.parametrize("printed, expected", [
    ("刚刚", "2026-12-08 12:00"),
    ("5分钟前", "2026-12-08 11:55"),
    ("3小时前", "2026-12-08 09:00"),
    ("今天 08:15", "2026-12-08 08:15"),
    ("昨天 12:30", "2026-12-07 12:30"),
    ("前天 23:59", "2026-12-06 23:59"),
    ("11-28", "2026-11-28 00:00"),
    ("12-30", "2025-12-30 00:00"),            # a year-less date after today is last year's
    ("12-08 07:30", "2026-12-08 07:30"),
    ("2025-11-28", "2025-11-28 00:00"),
    ("2026-12-08 09:05:30", "2026-12-08 09:05"),
    ("2026年12月8日 09:05", "2026-12-08 09:05"),
    ("2026/12/08", "2026-12-08 00:00"),
    ("10:45", "2026-12-08 10:45"),
    ("2025-11", "2025-11-01 00:00"),
    ("Tue Dec 08 09:05:00 +0800 2026", "2026-12-08 09:05"),
    ("Tue, 08 Dec 2026 01:05:00 GMT", "2026-12-08 09:05"),
    ("2026-12-08T09:05:00+08:00", "2026-12-08 09:05"),
    (1796691600, "2026-12-08 09:00"),
    ("１０:４５", "2026-12-08 10:45"),
])
def test_chinese_times_become_absolute_against_the_crawl_clock(printed, expected):
    assert parse_cn_time(printed, NOW).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize("printed", ["", "很久以前", "2026-13-45", "99:99", "明天见"])
def test_an_unreadable_time_is_an_error_naming_the_field(printed):
    with pytest.raises(InvalidInput) as error:
        parse_cn_time(printed, NOW)
    assert error.value.field == "published_at"


def test_html_is_stripped_keeping_line_breaks_and_decoding_entities():
    html = '渠县<a href="/n/x">@某人</a> 说<br/>第二行&amp;第三<p>段落</p><span class="url-icon"><img alt="[怒]"></span>'
    assert clean_text(html) == "渠县@某人 说\n第二行&第三\n段落"


def test_full_width_letters_and_digits_become_half_width_but_chinese_punctuation_stays():
    assert half_width("ＡＢＣ１２３　＠渠县，你好！（测试）") == "ABC123 @渠县，你好！（测试）"
    assert clean_text("<b>２０２６</b>年") == "2026年"
