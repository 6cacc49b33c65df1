"""School gazetteer: the labelled set's precision/recall targets, and the hard cases a reviewer would spot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.training.evaluate import match_scores
from nlp.schools import SchoolMatcher

LABELLED = Path(__file__).with_name("data") / "schools.jsonl"


@pytest.fixture(scope="module")
def matcher(profile):
    return SchoolMatcher(profile)


def test_labelled_set_meets_precision_and_recall_targets(matcher):
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300 and sum(1 for r in rows if not r["schools"]) >= 100
    scores = match_scores([r["schools"] for r in rows], [matcher.school_ids(r["text"]) for r in rows])
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.90, scores


@pytest.mark.parametrize("text, expected", [
    ("渠县二中门口发生交通事故", ("quxian-erzhong",)),
    ("渠县网友称，二中食堂饭菜有异味", ("quxian-erzhong",)),
    ("营山二中今天开运动会", ()),
    ("达州市二中今天开运动会，渠县家长也去看了", ()),
    ("二中今天开运动会", ()),                         # no county context
    ("渠县今天初二中午放学提前了", ()),                 # a grade and a time of day, not a school
    ("渠县下雨一小时了", ()),
    ("成都文华小学的老师来渠县交流", ()),
    ("渠縣二中學生打架", ("quxian-erzhong",)),           # traditional characters
    ("三汇中学和渠中联合举办运动会", ("sanhui-zhongxue", "quxian-zhongxue")),
    ("渠县街上一小贩和一小混混吵起来了", ()),             # "a vendor", "a thug": ordinary words, not 一小
    ("石渠县二中发生学生打架", ()),                       # 石渠县 holds 渠县 but is another county
    ("石渠县发生学生打架，我们二中毕业的都知道", ()),       # and gives no county context either
    ("渠县二中和石渠县二中联谊", ("quxian-erzhong",)),
    ("渠县家长说，一小的老师很负责", ("quxian-yixiao",)),  # true positives of the same aliases
    ("渠县网友：去一小接孩子", ("quxian-yixiao",)),
    ("我是渠县人，在二中读书", ("quxian-erzhong",)),
])
def test_school_matching_cases(matcher, text, expected):
    assert matcher.school_ids(text) == expected


def test_each_match_says_why_it_counts(matcher):
    matches = matcher.match("渠县网友称，二中食堂饭菜有异味")
    assert [m.alias for m in matches] == ["二中"]
    assert "本县语境" in matches[0].reason


def test_ambiguous_alias_without_context_is_only_a_hint(matcher):
    assert matcher.school_ids("二小食堂的事，大家别乱传") == ()
    assert matcher.weak_school_ids("二小食堂的事，大家别乱传") == ("quxian-erxiao",)
    assert matcher.weak_school_ids("营山二小食堂的事") == ()
