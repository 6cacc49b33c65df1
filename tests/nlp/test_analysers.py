"""Rumour cues, incident types and sentiment, each with the reasons a reviewer reads, and bad input."""

from __future__ import annotations

import pytest

from nlp.incident import classify_incident
from nlp.rumour import RumourScorer

from tests.stories import make_post

BAD_INPUT = ["", "   ", "😀😀😀🔥🔥", "渠县" * 50_000, "渠縣二中學生在學校門口發生衝突", "OMG 渠县二中 fire drill today lol",
             "<div class='x'><p>渠县二中&nbsp;食堂</p><script>alert(1)</script></div>", "\x00\x01\ufffd", "[哈哈][怒]"]


def test_rumour_cues_are_named_with_the_words_that_triggered_them():
    result = RumourScorer().score_many(["紧急扩散！网传渠县二中食堂三名学生中毒死亡，大家转起来"])[0]
    names = " ".join(result.cues)
    assert "要求扩散转发" in names and "网传" in names and "未经核实的伤亡人数" in names
    assert result.score >= 0.75


def test_official_rebuttal_scores_lower_than_the_rumour_it_rebuts():
    scorer = RumourScorer()
    rumour, rebuttal = scorer.score_many(["听说渠县二中有学生被打死了，学校在捂消息，速转！",
                                          "【情况通报】网传渠县二中学生被打死系谣言，经核实，该生仅轻微擦伤。"])
    assert rumour.score > 0.6 > rebuttal.score
    assert any("辟谣" in cue for cue in rebuttal.cues)


def test_incident_types_are_multi_label_with_matched_terms():
    result = classify_incident("渠县二中几个学生在宿舍霸凌同学，还扇耳光，家长去学校门口聚集要说法")
    assert {"bullying", "school_disruption"} <= set(result.types)
    assert "bullying:霸凌" in result.terms


def test_the_issue_examples_come_out_right():
    beaten = classify_incident("家长冲进学校对校长实行殴打")
    assert "teacher_misconduct" not in beaten.types and "violence" in beaten.types
    assert "school_disruption" in classify_incident("几名家长翻墙入校讨说法，渠县二中报警").types
    for distractor in ("毒贩被警察追赶跳河溺水身亡", "三星手机充电时爆炸", "一家三口煤气中毒被送医"):
        assert classify_incident(distractor).types == (), distractor


def test_a_user_name_is_no_school_context():
    assert classify_incident("@艾伦同学_提不起劲: 强奸都够他坐个十年八载了吧").types == ()


def test_drills_are_not_incidents_and_other_catches_the_rest():
    assert classify_incident("渠县中学开展消防疏散演练，师生有序撤离").types == ()
    assert classify_incident("渠县一小教学楼外墙坍塌，所幸无人").types == ("other",)


def test_the_guidelines_examples_of_other_are_typed_other():
    for text in ("渠县二中多名学生吸毒被查，学校称已开除", "渠县中学一名初三学生早读课上猝死",
                 "渠县二中宿舍楼成了危楼，学生还住在里面", "渠县二中学生体育课跑步时骨折"):
        assert classify_incident(text).types == ("other",), text


def test_corruption_is_a_school_incident_only_when_the_school_or_its_money_is_party_to_it():
    assert classify_incident("这就叫制度型腐败！袁老师说得好").types == ()
    assert "fees_corruption" in classify_incident("渠县一小校长贪污学生营养餐补助").types


def test_a_canteen_or_an_academy_alone_is_no_school():
    assert classify_incident("机关食堂饭菜变质，职工集体腹泻").types == ()
    assert classify_incident("中国科学院的研究员当年试药得了中毒性肝炎").types == ()
    assert classify_incident("渠县二中食堂饭菜变质，多名学生腹泻").types == ("food_safety",)


def test_teacher_misconduct_needs_a_member_of_staff_and_poisoning_a_person_is_violence():
    assert "teacher_misconduct" not in classify_incident("警察同学们早就把他们按强奸罪抓走了").types
    assert {"sexual_misconduct", "teacher_misconduct"} <= set(classify_incident("渠县二中一名老师猥亵女学生").types)
    assert classify_incident("大学室友在饮水机里下毒，同学中毒身亡").types == ("violence",)


def test_shipped_sentiment_model_tells_praise_from_complaint(pipeline):
    praise, complaint = pipeline.sentiment.score_many(["老师们辛苦了，孩子进步很大，非常感谢学校！",
                                                       "太差劲了，学校根本不管，气死人，恶心"])
    assert praise.score > 0.5 > complaint.score
    assert praise.label == "positive" and complaint.label == "negative"


@pytest.mark.parametrize("text", BAD_INPUT)
def test_bad_input_never_raises_and_unreadable_input_is_neutral_with_a_reason(pipeline, text):
    analysis = pipeline.analyse([make_post("bad", text)])[0]
    assert 0.0 <= analysis.sentiment.score <= 1.0 and 0.0 <= analysis.rumour.score <= 1.0
    if not any(ch.isalnum() for ch in text.replace("[哈哈]", "").replace("[怒]", "")):
        assert analysis.sentiment.score == 0.5 and analysis.sentiment.reason
        assert analysis.rumour.score == 0.0 and analysis.rumour.reason
        assert analysis.incident.types == () and analysis.schools == ()


def test_traditional_and_html_input_still_finds_the_school(pipeline):
    traditional, html = pipeline.analyse([make_post("t", BAD_INPUT[4]), make_post("h", BAD_INPUT[6])])
    assert traditional.schools == ("quxian-erzhong",) and html.schools == ("quxian-erzhong",)
