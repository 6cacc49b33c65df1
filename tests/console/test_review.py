"""The review queue: confirm, dismiss, regrade and assign alerts; the service decides who may."""

from __future__ import annotations

from console import data
from core.workflow import SYSTEM
from tests.console.conftest import act, login, open_page, texts


def _review(username: str, alert_id: str):
    at = open_page(login(username), "alerts")
    at.selectbox(key="review.selected").set_value(alert_id).run()
    return at


def _alert(alert_id: str):
    return data.workflow().alerts.get(SYSTEM, alert_id)


def test_reviewer_confirms_an_alert_and_the_48_hour_clock_starts(seeded):
    alert_id = seeded.alert_ids["ev-food"]
    at = _review("reviewer", alert_id)
    said = act(at, "确认预警")
    assert "预警已确认" in said
    assert _alert(alert_id).state == "confirmed"
    assert "48小时回应" in texts(at)                      # the clock badge is on the page now
    kinds = {v.clock.kind for v in data.workflow().clocks.for_alert(alert_id)}
    assert "answer_48h" in kinds


def test_dismissing_needs_a_reason(seeded):
    alert_id = seeded.alert_ids["ev-rumour"]
    at = _review("reviewer", alert_id)
    said = act(at, "排除预警")
    assert "排除预警必须填写理由" in said
    assert _alert(alert_id).state == "new"
    at.text_input(key="review.dismiss_reason").input("经核实为旧闻，与本县学校无关")
    said = act(at, "排除预警")
    assert "预警已排除" in said
    stored = _alert(alert_id)
    assert stored.state == "dismissed" and stored.dismiss_reason == "经核实为旧闻，与本县学校无关"


def test_changing_the_grade_needs_a_reason_and_is_kept_in_the_history(seeded):
    alert_id = seeded.alert_ids["ev-rumour"]
    at = _review("reviewer", alert_id)
    at.selectbox(key=f"review.grade_value.{alert_id}").set_value("II")
    said = act(at, "调整等级")
    assert "调整等级必须填写理由" in said and _alert(alert_id).grade == "IV"
    at.selectbox(key=f"review.grade_value.{alert_id}").set_value("II")
    at.text_input(key="review.grade_reason").input("涉及人身伤害传言，扩散迅速")
    said = act(at, "调整等级")
    assert "等级已调整为 II 级" in said
    stored = _alert(alert_id)
    assert stored.grade == "II" and stored.grade_history[-1].reason == "涉及人身伤害传言，扩散迅速"
    assert "5小时信息发布" in texts(at)                   # grade II starts the 5 h clock


def test_assigning_a_unit_person_and_deadline(seeded):
    alert_id = seeded.alert_ids["ev-food"]
    at = _review("reviewer", alert_id)
    at.selectbox(key=f"review.unit_kind.{alert_id}").set_value("school")
    at.text_input(key=f"review.unit.{alert_id}").input("渠县中学")
    at.text_input(key=f"review.person.{alert_id}").input("张主任")
    said = act(at, "保存责任与时限")
    assert "已明确责任单位" in said
    stored = _alert(alert_id)
    assert (stored.unit_kind, stored.unit, stored.person) == ("school", "渠县中学", "张主任")
    assert stored.deadline is not None


def test_a_monitor_cannot_confirm_and_the_attempt_is_audited(seeded):
    alert_id = seeded.alert_ids["ev-food"]
    at = _review("monitor", alert_id)
    said = act(at, "确认预警")
    assert "无权执行此操作" in said
    assert _alert(alert_id).state == "new"
    denied = [e for e in data.workflow().audit.entries(limit=None) if e.outcome == "denied" and e.actor == "monitor"]
    assert denied, "the refused confirmation is not in the audit log"


def test_verified_facts_are_typed_per_template_field_and_kept(seeded):
    alert_id = seeded.alert_ids["ev-food"]
    at = _review("reviewer", alert_id)
    prefix = f"review.fact.{alert_id}.{_alert(alert_id).version}"
    at.text_area(key=f"{prefix}.occurred_at").input("11月29日上午")
    at.text_area(key=f"{prefix}.incident_summary").input("部分饭菜存放不当，已封存送检")
    at.text_area(key=f"{prefix}.measures").input("封存留样\n组织体检")
    assert "核实情况已保存" in act(at, "保存核实情况")
    assert _alert(alert_id).facts == {"occurred_at": "11月29日上午", "incident_summary": "部分饭菜存放不当，已封存送检",
                                      "measures": ["封存留样", "组织体检"]}
