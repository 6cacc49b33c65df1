"""The system-side reads the worker, the drill and the benchmarks use instead of reaching into the repository."""

from datetime import timedelta

import pytest

from core.errors import ConfigurationError, InvalidInput
from core.notifications import Contact
from core.settings import BUNDLED_TEMPLATES
from core.workflow import SYSTEM, WorkflowConfig, build_workflow
from infra.state import open_state_database
from workflow_factories import FACTS, PASSWORD, T0, make_event


def _publish(wf, users, alert_id, template="first_response"):
    release = wf.releases.draft(users["spokesperson"], alert_id, template)
    wf.releases.check_minors(users["spokesperson"], release.id)
    wf.releases.sign(users["spokesperson"], release.id)
    wf.releases.approve(users["leader"], release.id)
    wf.releases.publish(users["spokesperson"], release.id)
    return release


def test_open_major_alerts_leave_out_lower_grades_and_finished_alerts(wf, users):
    major, grave, lower, dismissed = wf.alerts.raise_from_events([
        make_event("ev-major", grade="II"), make_event("ev-grave", grade="I"), make_event("ev-lower", grade="III"),
        make_event("ev-dismissed", grade="II")])
    wf.alerts.dismiss(users["reviewer"], dismissed.id, "旧闻")
    wf.alerts.start_review(users["reviewer"], grave.id)
    assert {a.id for a in wf.alerts.open_major()} == {major.id, grave.id}
    wf.alerts.confirm(users["reviewer"], grave.id)
    wf.alerts.close(users["leader"], grave.id)
    assert [a.id for a in wf.alerts.open_major()] == [major.id]
    assert lower.id not in {a.id for a in wf.alerts.open_major()}


def test_all_alerts_and_published_releases_for_the_after_action_report(wf, users, clock):
    first = wf.alerts.raise_from_events([make_event("ev-1", grade="II")])[0]
    clock.advance(timedelta(minutes=5))
    second = wf.alerts.raise_from_events([make_event("ev-2", grade="IV", rumour_share=0.9)])[0]
    wf.alerts.dismiss(users["reviewer"], second.id, "不属实")
    assert [a.id for a in wf.alerts.all_alerts()] == [first.id, second.id]
    wf.alerts.start_review(users["reviewer"], first.id)
    wf.alerts.confirm(users["reviewer"], first.id)
    wf.alerts.set_facts(users["reviewer"], first.id, FACTS)
    assert wf.releases.published_for(first.id) == []
    clock.advance(timedelta(hours=1))
    opening = _publish(wf, users, first.id)
    wf.releases.draft(users["spokesperson"], first.id, "first_response")          # a draft is not published
    clock.advance(timedelta(hours=1))
    follow = _publish(wf, users, first.id)
    published = wf.releases.published_for(first.id)
    assert [r.id for r in published] == [opening.id, follow.id]
    assert published[0].published_at == T0 + timedelta(hours=1, minutes=5)
    assert wf.releases.published_for("A-unknown") == []


def test_workflow_counts_for_a_drill_progress_line(wf, users, confirmed_alert):
    assert (wf.counts().alerts, wf.counts().awaiting_review, wf.counts().releases_published) == (1, 0, 0)
    new = wf.alerts.raise_from_events([make_event("ev-2", grade="III")])[0]
    wf.alerts.raise_from_events([make_event("ev-3", grade="III")])
    wf.alerts.start_review(users["reviewer"], new.id)
    _publish(wf, users, confirmed_alert.id)
    counts = wf.counts()
    assert (counts.alerts, counts.awaiting_review, counts.releases_published) == (3, 2, 1)


def test_contacts_are_active_users_with_an_email(wf, users):
    wf.users.create(SYSTEM, "no-mail", PASSWORD, "monitor")
    wf.users.set_active(SYSTEM, "police-liaison", False)
    contacts = wf.users.contacts()
    assert Contact("leader", "leader@example.gov.cn") in contacts
    assert all(isinstance(c, Contact) and c.email for c in contacts)
    assert "police_liaison@example.gov.cn" not in {c.email for c in contacts}       # deactivated
    assert len(contacts) == len(users) - 1


def test_emails_of_skips_unknown_ids_and_users_without_an_email(wf, users):
    silent = wf.users.create(SYSTEM, "no-mail", PASSWORD, "monitor")
    ids = [users["leader"].id, "U-unknown", silent.id, users["reviewer"].id, users["leader"].id]
    assert wf.users.emails_of(ids) == ["leader@example.gov.cn", "reviewer@example.gov.cn"]
    assert wf.users.emails_of([]) == []


def test_report_signer_is_the_first_active_admin_or_leader(wf):
    with pytest.raises(ConfigurationError, match="yuqing users add"):
        wf.users.report_signer()
    wf.users.create(SYSTEM, "monitor-a", PASSWORD, "monitor")
    wf.users.create(SYSTEM, "zhang-leader", PASSWORD, "leader")
    wf.users.create(SYSTEM, "li-admin", PASSWORD, "admin")
    assert wf.users.report_signer().username == "li-admin"
    wf.users.set_active(SYSTEM, "li-admin", False)
    assert wf.users.report_signer().username == "zhang-leader"


def test_display_names_name_every_user_including_deactivated_ones(wf, users):
    wf.users.create(SYSTEM, "bare", PASSWORD, "monitor")
    wf.users.set_active(SYSTEM, "monitor", False)
    names = wf.users.display_names()
    assert names["spokesperson"] == "spokesperson 用户"
    assert names["monitor"] == "monitor 用户"
    assert names["bare"] == "bare"


def test_escalations_created_since_a_moment(wf, users, confirmed_alert, clock):
    early = wf.escalations.open(users["monitor"], confirmed_alert.id, "rumour", "police", ["weibo:1"], "谣言一")
    clock.advance(timedelta(hours=2))
    late = wf.escalations.open(users["monitor"], confirmed_alert.id, "rumour", "cyberspace", ["weibo:2"], "谣言二")
    assert [c.id for c in wf.escalations.created_since(T0)] == [early.id, late.id]
    assert [c.id for c in wf.escalations.created_since(late.created_at)] == [late.id]       # "at or after"
    assert wf.escalations.created_since(late.created_at + timedelta(seconds=1)) == []
    with pytest.raises(InvalidInput):
        wf.escalations.created_since(T0.replace(tzinfo=None))


def test_a_workflow_needs_a_county_from_the_profile(tmp_path, clock):
    state = open_state_database(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with pytest.raises(ConfigurationError, match="county"):
            build_workflow(state.workflow_repository(), clock,
                           WorkflowConfig(templates_dir=BUNDLED_TEMPLATES, evidence_dir=tmp_path))
    finally:
        state.close()


def test_the_publisher_defaults_to_the_county_education_bureau(make_workflow, users, confirmed_alert):
    other = make_workflow(county="大竹县")
    context = other.releases.context_for(SYSTEM, confirmed_alert.id, "first_response")
    assert (context["county"], context["publisher"]) == ("大竹县", "大竹县教育局")
