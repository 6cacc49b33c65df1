"""Item 7: no evidence pack exists for a case the leader has not approved, and a pack built before a later
attachment is never served as if it were current."""

from __future__ import annotations

import io
import zipfile

import pytest

from core.errors import Conflict
from core.workflow.evidence import verify_pack
from tests.security.desk import open_case, open_desk


def test_a_pack_cannot_be_built_or_downloaded_before_approval(tmp_path):
    desk = open_desk(tmp_path)
    try:
        case = open_case(desk)
        for role in ("monitor", "police_liaison", "leader"):
            with pytest.raises(Conflict, match="审批"):
                desk.wf.escalations.build_pack(desk.users[role], case.id)
            with pytest.raises(Conflict, match="审批"):
                desk.wf.escalations.pack_bytes(desk.users[role], case.id)
        assert not list((tmp_path / "data" / "evidence").glob("evidence-*.zip"))
        denied = [e for e in desk.wf.audit.entries(limit=None) if e.outcome == "denied"]
        assert {e.action for e in denied} == {"evidence.build", "evidence.download"}
    finally:
        desk.close()


def test_a_later_attachment_makes_the_download_a_fresh_pack_and_says_so(tmp_path):
    desk = open_desk(tmp_path)
    try:
        case = open_case(desk)
        police = desk.users["police_liaison"]
        sent = desk.wf.escalations.approve(desk.users["leader"], case.id)
        assert desk.wf.escalations.pack_is_current(police, case.id)
        desk.wf.escalations.attach(police, case.id, "受理回执.pdf", b"%PDF-1.4 receipt")
        assert not desk.wf.escalations.pack_is_current(police, case.id)

        data = desk.wf.escalations.pack_bytes(police, case.id)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.read("attachments/受理回执.pdf") == b"%PDF-1.4 receipt"
        latest = desk.wf.escalations.get(police, case.id)
        assert latest.pack_sha256 != sent.pack_sha256 and verify_pack(latest.pack_path, latest.pack_sha256).authenticated
        assert desk.wf.escalations.pack_is_current(police, case.id)
        rebuilt = [e for e in desk.wf.audit.entries(limit=None) if e.action == "evidence.build" and e.detail]
        assert rebuilt and "附件有变化" in rebuilt[0].detail
    finally:
        desk.close()
