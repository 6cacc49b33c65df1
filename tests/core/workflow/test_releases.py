from datetime import timedelta

import pytest

from core.errors import Conflict, InvalidInput, PermissionDenied
from core.workflow.model import ClockKind, ClockStage, ReleaseStatus
from workflow_factories import T0, denied

S = ReleaseStatus


def ready(wf, users, alert, template="first_response", **kw):
    """A release drafted and checked for minors' data."""
    release = wf.releases.draft(users["spokesperson"], alert.id, template, **kw)
    return wf.releases.check_minors(users["spokesperson"], release.id)


def test_draft_fills_the_template_with_the_verified_facts(wf, users, confirmed_alert):
    release = wf.releases.draft(users["spokesperson"], confirmed_alert.id, "first_response")
    assert release.title == "关于渠县第二中学有关情况的通报"
    assert "摔倒受伤" in release.body and "县教育局工作组已进驻" in release.body
    assert release.status == S.DRAFT and release.version == 1
    assert [v.number for v in wf.releases.versions(users["leader"], release.id)] == [1]


def test_missing_fields_are_listed_together(wf, users, event_factory):
    alert = wf.alerts.raise_from_events([event_factory(grade="II")])[0]
    with pytest.raises(InvalidInput) as error:
        wf.releases.draft(users["spokesperson"], alert.id, "first_response")
    for field in ("occurred_at", "incident_summary", "measures"):
        assert field in str(error.value)
    assert denied(wf, "release.draft")


def test_full_flow_sign_approve_publish_meets_the_clocks(wf, users, confirmed_alert, channel, clock):
    release = ready(wf, users, confirmed_alert)
    assert release.status == S.CHECKED
    clock.advance(timedelta(hours=1))
    signed = wf.releases.sign(users["spokesperson"], release.id)
    approved = wf.releases.approve(users["leader"], release.id)
    assert (signed.signed_by, approved.approved_by, approved.status) == ("spokesperson", "leader", S.APPROVED)
    publications = wf.releases.publish(users["spokesperson"], release.id)
    assert [(p.channel, p.ok, p.location) for p in publications] == [("memory", True, f"memory://{release.id}")]
    assert channel.published[0].title == release.title
    assert wf.releases.get(users["monitor"], release.id).status == S.PUBLISHED
    stages = {v.clock.kind: v.stage for v in wf.clocks.for_alert(confirmed_alert.id)}
    assert stages == {ClockKind.RELEASE_5H: ClockStage.MET, ClockKind.ANSWER_48H: ClockStage.MET,
                      ClockKind.PRESS_24H: ClockStage.RUNNING}
    assert wf.releases.publications(users["leader"], release.id)[0].published_at == T0 + timedelta(hours=1)


def test_minors_data_is_masked_before_sign_off(wf, users, confirmed_alert):
    release = wf.releases.draft(users["spokesperson"], confirmed_alert.id, "first_response")
    edited = wf.releases.save(users["spokesperson"], release.id, release.title,
                              release.body + "\n受伤的是初二(3)班王某某，家长电话13812345678。\n", release.version)
    with pytest.raises(Conflict, match="未成年人信息检查"):
        wf.releases.sign(users["spokesperson"], release.id)
    checked = wf.releases.check_minors(users["spokesperson"], release.id)
    assert "王某某" not in checked.body and "13812345678" not in checked.body
    assert {f.kind for f in checked.findings} == {"class_name", "phone"}
    versions = wf.releases.versions(users["leader"], release.id)
    assert "王某某" in versions[-2].body and "隐去 2 处" in versions[-1].note      # nothing lost
    assert edited.version < checked.version


def test_approve_before_sign_and_twice_are_refused(wf, users, confirmed_alert):
    release = ready(wf, users, confirmed_alert)
    with pytest.raises(Conflict, match="须先由新闻发言人签发"):
        wf.releases.approve(users["leader"], release.id)
    wf.releases.sign(users["spokesperson"], release.id)
    with pytest.raises(Conflict, match="不能重复签发"):
        wf.releases.sign(users["spokesperson"], release.id)
    wf.releases.approve(users["leader"], release.id)
    with pytest.raises(Conflict, match="不能重复审批"):
        wf.releases.approve(users["leader"], release.id)
    assert len(denied(wf, "release.approve")) == 2 and len(denied(wf, "release.sign")) == 1


def test_two_people_editing_one_draft_second_save_refused_nothing_lost(wf, users, confirmed_alert):
    release = wf.releases.draft(users["spokesperson"], confirmed_alert.id, "first_response")
    first = wf.releases.save(users["spokesperson"], release.id, release.title, "甲的修改\n", release.version)
    with pytest.raises(Conflict, match="已被他人修改") as error:
        wf.releases.save(users["spokesperson"], release.id, release.title, "乙的修改\n", release.version)
    assert "您的修改未保存" in str(error.value)
    stored = wf.releases.get(users["leader"], release.id)
    assert stored.body == "甲的修改\n" and stored.version == first.version
    assert [v.body for v in wf.releases.versions(users["leader"], release.id)][-1] == "甲的修改\n"
    assert denied(wf, "release.save")


def test_editing_after_sign_off_returns_to_draft(wf, users, confirmed_alert):
    release = ready(wf, users, confirmed_alert)
    signed = wf.releases.sign(users["spokesperson"], release.id)
    edited = wf.releases.save(users["spokesperson"], release.id, signed.title, signed.body + "补充。\n",
                              signed.version)
    assert edited.status == S.DRAFT and edited.signed_by == ""
    with pytest.raises(Conflict):
        wf.releases.approve(users["leader"], release.id)


def test_publish_needs_approval_and_happens_once(wf, users, confirmed_alert):
    release = ready(wf, users, confirmed_alert)
    with pytest.raises(Conflict, match="审批后才能发布"):
        wf.releases.publish(users["spokesperson"], release.id)
    wf.releases.sign(users["spokesperson"], release.id)
    wf.releases.approve(users["leader"], release.id)
    wf.releases.publish(users["spokesperson"], release.id)
    with pytest.raises(Conflict, match="已发布"):
        wf.releases.publish(users["spokesperson"], release.id)
    with pytest.raises(Conflict, match="不能修改"):
        current = wf.releases.get(users["leader"], release.id)
        wf.releases.save(users["spokesperson"], release.id, "x", "y", current.version)
    with pytest.raises(InvalidInput, match="未配置的发布渠道"):
        wf.releases.publish(users["spokesperson"], release.id, ["weibo"])


@pytest.mark.parametrize("role,call", [
    ("monitor", lambda wf, u, r, a: wf.releases.draft(u, a.id, "first_response")),
    ("reviewer", lambda wf, u, r, a: wf.releases.save(u, r.id, "t", "b", r.version)),
    ("leader", lambda wf, u, r, a: wf.releases.sign(u, r.id)),
    ("spokesperson", lambda wf, u, r, a: wf.releases.approve(u, r.id)),
    ("police_liaison", lambda wf, u, r, a: wf.releases.publish(u, r.id)),
    ("admin", lambda wf, u, r, a: wf.releases.check_minors(u, r.id)),
])
def test_roles_beyond_their_rights_are_refused(wf, users, confirmed_alert, role, call):
    release = ready(wf, users, confirmed_alert)
    with pytest.raises(PermissionDenied, match="无权"):
        call(wf, users[role], release, confirmed_alert)
    assert [e for e in wf.audit.entries() if e.outcome == "denied" and e.actor == users[role].username]


def test_follow_up_links_to_the_first_release(wf, users, confirmed_alert):
    first = ready(wf, users, confirmed_alert)
    wf.releases.sign(users["spokesperson"], first.id)
    wf.releases.approve(users["leader"], first.id)
    wf.releases.publish(users["spokesperson"], first.id)
    second = wf.releases.draft(users["spokesperson"], confirmed_alert.id, "follow_up", {"progress": ["已出院"]},
                               follows=first.id)
    third = wf.releases.draft(users["spokesperson"], confirmed_alert.id, "follow_up", {"progress": ["已复课"]},
                              follows=second.id)
    assert second.first_release_id == first.id and third.first_release_id == first.id
    assert first.title in second.body


def test_no_drafting_on_a_dismissed_alert(wf, users, event_factory):
    alert = wf.alerts.raise_from_events([event_factory()])[0]
    wf.alerts.dismiss(users["reviewer"], alert.id, "不实")
    with pytest.raises(Conflict, match="已排除"):
        wf.releases.draft(users["spokesperson"], alert.id, "first_response")


def test_facts_under_old_keys_reach_the_template_fields(wf, users, event_factory):
    alert = wf.alerts.raise_from_events([event_factory(grade="II")])[0]
    wf.alerts.set_facts(users["reviewer"], alert.id, {"incident_time": "11月28日下午", "incident_place": "操场",
                                                      "incident_summary": "学生摔倒受伤，已送医。",
                                                      "measures": ["通知家长"]})
    assert wf.alerts.get(users["leader"], alert.id).facts["occurred_at"] == "11月28日下午"
    release = wf.releases.draft(users["spokesperson"], alert.id, "first_response")     # nothing missing
    assert "11月28日下午" in release.body


def test_the_facts_form_is_the_release_templates_fields(wf):
    names = [f.name for f in wf.templates.fact_fields()]
    assert names[:3] == ["occurred_at", "incident_summary", "measures"]
    assert not {"county", "publisher", "release_time", "qa"} & set(names)


def test_unsaved_text_is_kept_per_person_until_they_save(wf, users, confirmed_alert):
    release = wf.releases.draft(users["spokesperson"], confirmed_alert.id, "first_response")
    wf.releases.autosave(users["spokesperson"], release.id, "标题", "正在写的正文", release.version)
    wf.releases.autosave(users["spokesperson"], release.id, "标题", "正在写的正文，再多一句", release.version)
    kept = wf.releases.autosaved(users["spokesperson"], release.id)
    assert (kept.body, kept.base_version) == ("正在写的正文，再多一句", release.version)
    assert wf.releases.autosaved(users["leader"], release.id) is None          # another person's is their own
    wf.releases.save(users["spokesperson"], release.id, "标题", kept.body, release.version)
    assert wf.releases.autosaved(users["spokesperson"], release.id) is None
    with pytest.raises(InvalidInput):
        wf.releases.autosave(users["spokesperson"], release.id, "标题", "字" * 300_000, release.version)
