"""Item 12: the minors' check before a release is published catches what the review slipped past it:
digits typed full-width, an ID number with a wrong check digit, and a class named with its numbers."""

from __future__ import annotations

import pytest

from core.workflow.masking import mask_minors, valid_id_number
from tests.core.workflow.workflow_factories import FACTS
from tests.security.conftest import approved_release, users_of

WRONG_CHECK_DIGIT = "510725201501011234"
SLIPPED = [
    ("受伤学生身份证号５１０７２５２０１５０１０１１２３Ｘ，家长电话１３８１２３４５６７８。",
     ["５１０７２５", "１３８１２３４５６７８"]),
    (f"受伤学生身份证号{WRONG_CHECK_DIGIT}。", [WRONG_CHECK_DIGIT]),
    ("四年级3班小明在课间摔倒受伤。", ["3班", "小明"]),
    ("4年级３班的学生在课间摔倒受伤。", ["３班"]),
    ("三年级（二）班王小红同学已返校。", ["（二）班", "王小红"]),
]


@pytest.mark.parametrize("text,leaks", SLIPPED)
def test_the_check_masks_what_slipped_through(text, leaks):
    result = mask_minors(text)
    assert result.findings, text
    for leak in leaks:
        assert leak not in result.text, (leak, result.text)
    assert mask_minors(result.text).clean                 # checking again finds nothing new


def test_a_wrong_check_digit_is_not_a_valid_number_but_is_still_masked():
    assert not valid_id_number(WRONG_CHECK_DIGIT)
    assert [f.kind for f in mask_minors(WRONG_CHECK_DIGIT).findings] == ["id_number"]


def test_a_whole_class_named_as_such_is_left_alone():
    assert mask_minors("初二(3)班全体同学已返回教室。").clean


@pytest.mark.parametrize("text,leaks", SLIPPED)
def test_none_of_it_reaches_a_published_release(make_workflow, text, leaks):
    wf = make_workflow(channels=[])
    users = users_of(wf)
    release = approved_release(wf, users, facts={**FACTS, "incident_summary": text})
    for leak in leaks:
        assert leak not in release.body, (leak, release.body)
