"""Item 1: one crawled control character must not break the daily and special reports, evidence packs or the
RSS feed; and approving a case whose pack cannot be built leaves the case as it was."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import docx
import pytest

from core.errors import StorageUnavailable
from core.text import clean_text, xml_safe
from core.workflow.evidence import verify_pack
from tests.security.desk import T0, crawled, open_case, open_desk

CONTROLS = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20)))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_two_rules_remove_exactly_what_cannot_be_stored_or_written():
    assert clean_text(f"渠县{CONTROLS}二中\r\n食堂\t变质\ud800") == "渠县二中\n食堂\t变质"
    assert xml_safe(f"渠县{CONTROLS}二中\n\t\r") == "渠县二中\n\t\r"
    assert clean_text(clean_text("a\x7fb\x85c")) == "abc"


def test_crawled_control_characters_leave_reports_packs_and_the_feed_readable(tmp_path):
    desk = open_desk(tmp_path)
    try:
        hostile_title = "渠县二中\x01食堂\x08问题\x1f"
        desk.runtime.posts.upsert_many([crawled(9, title=hostile_title, text="学生\x0b腹痛\x1e住院")])
        stored = desk.runtime.posts.get("weibo:9")
        assert (stored.title, stored.text) == ("渠县二中食堂问题", "学生腹痛住院")       # the store rule
        # An event formed before the rule existed still carries them: the writers' rule must hold on its own.
        case = open_case(desk, summary="经查\x0c不实\x07，系恶意炒作。", event_title=hostile_title)
        assert case.summary == "经查不实，系恶意炒作。"                                  # typed text: the store rule
        leader = desk.users["leader"]

        daily = desk.wf.reports.daily(leader, T0.date())
        assert "渠县二中食堂问题" in docx_text(daily.docx)
        special = desk.wf.reports.special(leader, "ev-1")
        assert "渠县二中食堂问题" in docx_text(special.docx)

        sent = desk.wf.escalations.approve(leader, case.id)
        assert sent.status == "sent" and Path(sent.pack_path).is_file()
        assert verify_pack(sent.pack_path, sent.pack_sha256).ok

        spokesperson = desk.users["spokesperson"]
        alert = desk.wf.alerts.for_event("ev-1")
        desk.wf.alerts.start_review(desk.users["reviewer"], alert.id)
        desk.wf.alerts.confirm(desk.users["reviewer"], alert.id)
        desk.wf.alerts.set_facts(desk.users["reviewer"], alert.id, {
            "occurred_at": "11月28日", "incident_summary": "网传食堂饭菜变质\x02，经查不实。", "measures": ["已核查"]})
        release = desk.wf.releases.draft(spokesperson, alert.id, "first_response")
        release = desk.wf.releases.save(spokesperson, release.id, "关于食堂\x01传言的通报", release.body, release.version)
        desk.wf.releases.check_minors(spokesperson, release.id)
        desk.wf.releases.sign(spokesperson, release.id)
        desk.wf.releases.approve(leader, release.id)
        desk.wf.releases.publish(spokesperson, release.id, ["website"])
        feed = ET.parse(desk.runtime.settings.publish_path / "rss.xml").getroot()      # well-formed or it raises
        assert [item.findtext("title") for item in feed.findall("./channel/item")] == ["关于食堂传言的通报"]
    finally:
        desk.close()


def test_approving_a_case_whose_pack_cannot_be_built_leaves_it_unapproved(tmp_path):
    blocked = tmp_path / "evidence-on-a-dead-disk"
    blocked.write_text("not a folder")                          # every pack write fails, as on a broken disk
    desk = open_desk(tmp_path, evidence_dir=str(blocked))
    try:
        case = open_case(desk)
        with pytest.raises(StorageUnavailable, match="案件状态未改变"):
            desk.wf.escalations.approve(desk.users["leader"], case.id)
        after = desk.wf.escalations.get(desk.users["leader"], case.id)
        assert (after.status, after.approved_by, after.pack_path) == ("opened", "", "")
        failures = [e for e in desk.wf.audit.entries(limit=None) if e.outcome == "failed"]
        assert failures and "证据包制作失败" in failures[0].detail
    finally:
        desk.close()
