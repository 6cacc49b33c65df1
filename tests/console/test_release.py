"""Releases: draft from a template, edit, minors' check, sign, approve, publish; a stale save is refused
without losing the typed text."""

from __future__ import annotations

from console import data
from core.workflow import SYSTEM
from tests.console.conftest import act, login, open_page, texts


def _confirmed(seeded) -> str:
    """The food alert, confirmed by the reviewer through the services."""
    wf = data.workflow()
    reviewer = wf.users.by_username("reviewer")
    alert_id = seeded.alert_ids["ev-food"]
    wf.alerts.start_review(reviewer, alert_id)
    wf.alerts.confirm(reviewer, alert_id)
    return alert_id


def _open_releases(username: str, alert_id: str):
    at = open_page(login(username), "releases")
    at.selectbox(key="release.alert").set_value(alert_id).run()
    return at


def _draft(at, alert_id: str) -> str:
    """Fill the first-response form and return the new release's id."""
    version = data.workflow().alerts.get(SYSTEM, alert_id).version
    prefix = f"release.field.{alert_id}.{version}.first_response"
    at.text_area(key=f"{prefix}.occurred_at").input("11月29日上午")
    at.text_area(key=f"{prefix}.incident_summary").input("经核实，该校食堂部分饭菜存放不当，已全部封存送检。")
    at.text_area(key=f"{prefix}.measures").input("封存食堂留样并送检\n组织学生体检")
    said = act(at, "生成草稿")
    assert "草稿已生成" in said, said
    releases = data.workflow().releases.list(SYSTEM, alert_id=alert_id)
    assert len(releases) == 1
    return releases[0].id


def test_missing_fields_are_listed_and_nothing_is_drafted(seeded):
    alert_id = _confirmed(seeded)
    at = _open_releases("spokesperson", alert_id)
    said = act(at, "生成草稿")
    assert "incident_summary" in said and "measures" in said
    assert data.workflow().releases.list(SYSTEM, alert_id=alert_id) == []


def test_draft_save_check_sign_approve_publish(seeded):
    alert_id = _confirmed(seeded)
    at = _open_releases("spokesperson", alert_id)
    release_id = _draft(at, alert_id)
    body = at.text_area(key=f"release.body.{release_id}.0")
    assert "封存食堂留样并送检" in body.value and "1. 封存食堂留样并送检" in body.value   # the list became items
    body.input(body.value + "\n如有疑问请联系家长代表，电话13812345678。")
    assert "已保存为第 2 版" in act(at, "保存")
    said = act(at, "未成年人信息检查")
    assert "检查完成" in said
    stored = data.workflow().releases.get(SYSTEM, release_id)
    assert "13812345678" not in stored.body and stored.status == "checked"
    assert "签发" in act(at, "发言人签发")
    # the leader approves in a session of their own
    leader = _open_releases("leader", alert_id)
    leader.radio(key=f"release.chosen.{alert_id}").set_value(release_id).run()
    assert "已审批" in act(leader, "领导审批")
    assert "操作未生效" in act(leader, "领导审批")              # approving twice is refused, not repeated
    # the spokesperson publishes
    at.run()
    said = act(at, "发布")
    assert "已发布" in said, said
    publications = data.workflow().releases.publications(SYSTEM, release_id)
    assert publications and all(p.ok for p in publications)
    website = [p for p in publications if p.channel == "website"]
    assert website and (seeded.data_dir / "published").exists()
    assert data.workflow().releases.get(SYSTEM, release_id).status == "published"


def test_leader_cannot_sign_for_the_spokesperson(seeded):
    alert_id = _confirmed(seeded)
    at = _open_releases("spokesperson", alert_id)
    release_id = _draft(at, alert_id)
    act(at, "未成年人信息检查")
    leader = _open_releases("leader", alert_id)
    leader.radio(key=f"release.chosen.{alert_id}").set_value(release_id).run()
    assert "无权执行此操作" in act(leader, "发言人签发")
    assert data.workflow().releases.get(SYSTEM, release_id).status == "checked"


def test_second_save_of_one_draft_is_refused_and_keeps_the_text(seeded):
    alert_id = _confirmed(seeded)
    first = _open_releases("spokesperson", alert_id)
    release_id = _draft(first, alert_id)
    second = _open_releases("spokesperson", alert_id)
    second.radio(key=f"release.chosen.{alert_id}").set_value(release_id).run()
    first.text_area(key=f"release.body.{release_id}.0").input("甲的修改稿")
    second.text_area(key=f"release.body.{release_id}.0").input("乙的修改稿")
    assert "已保存为第 2 版" in act(first, "保存")
    said = act(second, "保存")
    assert "保存未成功" in said or "他人已保存" in said
    assert data.workflow().releases.get(SYSTEM, release_id).body == "甲的修改稿"     # nothing overwritten
    assert second.text_area(key=f"release.body.{release_id}.0").value == "乙的修改稿"   # nothing lost
    assert "他人已保存了新的文本" in texts(second)
