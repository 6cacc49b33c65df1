"""Severity read from what posts say happened: the findings a reviewer sees, with their phrases and counts,
and the least grade they call for."""

from __future__ import annotations

import pytest

from nlp.severity import chinese_number, extract, floor_grade


@pytest.mark.parametrize("text, number", [("三", 3), ("十二", 12), ("二十五", 25), ("一百零三", 103), ("两", 2),
                                          ("15", 15), ("数十", 20), ("猫", None)])
def test_chinese_numerals_are_read(text, number):
    assert chinese_number(text) == number


def test_deaths_with_their_count_and_phrase():
    severity = extract("有人在学校捅死三个初三学生，封锁媒体，掩盖真相")
    [death] = severity.of("death")
    assert death.count == 3 and death.phrase == "有人在学校捅死三个初三学生"
    assert severity.has("minor")


def test_an_alleged_death_is_at_least_grade_ii_and_says_so():
    grade, reasons = floor_grade(extract("网传渠县中学教师打死学生"))
    assert grade == "II" and "死亡" in reasons[0] and "教师打死学生" in reasons[0]


@pytest.mark.parametrize("text, grade", [
    ("教学楼外墙坍塌，所幸无人员伤亡", "IV"),              # negated: nothing happened to anyone
    ("今天运动会，没有学生受伤", "IV"),
    ("一名学生受伤，已送医", "III"),
    ("食堂饭菜致35名学生呕吐腹泻送医", "II"),
    ("上百名家长围堵校门讨说法", "III"),
    ("校长猥亵女童", "II"),
    ("教育局长出席开学典礼", "IV"),                       # an official alone is no harm
])
def test_floor_grades(text, grade):
    assert floor_grade(extract(text))[0] == grade


def test_officials_are_named_beside_the_harm():
    _, reasons = floor_grade(extract("校长猥亵女童，教育局包庇"))
    assert any("公职人员" in reason for reason in reasons)


def test_a_near_death_or_a_failed_rescue_reads_right():
    assert not extract("7岁幼女遭班主任强奸险些丧命").has("death")          # nearly died: not a death
    assert extract("7岁幼女遭班主任强奸险些丧命").has("minor")
    assert extract("课堂上突然昏迷，抢救无效死亡").has("death")               # 无效 is no negation
