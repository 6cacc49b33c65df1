"""Text clean-up: traditional characters read as simplified ones, HTML through core.text, bad input never raises."""

from __future__ import annotations

import pytest

from nlp.text import clean, to_simplified


@pytest.mark.parametrize("traditional, simplified", [
    ("渠縣二中學生在學校門口發生衝突", "渠县二中学生在学校门口发生冲突"),
    ("頭髮很乾", "头发很干"),             # 乾 is 干 here ...
    ("乾隆年間的碑", "乾隆年间的碑"),        # ... and stays 乾 in a name
    ("後來他們說了甚麼", "后来他们说了甚么"),
])
def test_traditional_chinese_becomes_simplified_phrase_by_phrase(traditional, simplified):
    assert to_simplified(traditional) == simplified


def test_simplified_text_is_left_as_it_is():
    text = "世界著名的渠县二中，余下的同学幺妹儿"     # a character table turned 著 into 着, 余 into 馀, 幺 into 么
    assert to_simplified(text) == text


def test_clean_strips_html_with_the_shared_implementation_and_keeps_book_titles():
    assert clean("<div><p>渠縣二中&nbsp;食堂</p><script>alert(1)</script></div>").text == "渠县二中 食堂"
    assert clean("他在<她很漂亮>中饰演").text == "他在<她很漂亮>中饰演"


def test_a_lone_surrogate_does_not_break_cleaning():
    cleaned = clean("渠縣\ud800二中")
    assert cleaned.readable and cleaned.text == "渠县?二中"
