"""Escalations: open a case, attach a file, the leader approves (the evidence pack is built), download the
pack and check it; a tampered pack is named file by file."""

from __future__ import annotations

import io
import zipfile

from console import data
from core.workflow import SYSTEM
from tests.console.conftest import act, login, open_page, texts
from tests.console.test_release import _confirmed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _open_case(seeded) -> tuple[str, str]:
    alert_id = _confirmed(seeded)
    at = open_page(login("reviewer"), "escalations")
    at.selectbox(key="escalation.alert").set_value(alert_id).run()
    at.selectbox(key="escalation.kind").set_value("rumour")
    at.selectbox(key="escalation.target").set_value("police")
    at.text_area(key="escalation.summary").input("网传该校学生集体中毒，与核实情况严重不符，恶意扩散。")
    assert "已发起移交" in act(at, "发起移交")
    cases = data.workflow().escalations.list(SYSTEM)
    assert len(cases) == 1 and cases[0].status == "opened" and cases[0].post_ids
    return alert_id, cases[0].id


def _case_page(username: str, case_id: str):
    at = open_page(login(username), "escalations")
    at.radio(key="escalation.chosen").set_value(case_id).run()
    return at


def test_escalate_attach_approve_and_download_a_verified_pack(seeded):
    _, case_id = _open_case(seeded)
    at = _case_page("reviewer", case_id)
    at.file_uploader(key=f"escalation.upload.{case_id}").upload("截图.png", PNG, "image/png")
    assert "已加入案件" in act(at, "上传附件")
    leader = _case_page("leader", case_id)
    assert "证据包已生成并移交" in act(leader, "领导审批并移交")
    case = data.workflow().escalations.get(SYSTEM, case_id)
    assert case.status == "sent" and case.pack_sha256
    act(leader, "准备下载")
    download = [b for b in leader.get("download_button") if "证据包" in b.proto.label]
    assert download, "no download button for the pack"
    pack = data.workflow().escalations.pack_bytes(data.workflow().users.by_username("leader"), case_id)
    names = zipfile.ZipFile(io.BytesIO(pack)).namelist()
    assert "manifest.json" in names and any(n.endswith("raw.json") for n in names)
    assert any("截图.png" in n for n in names)
    # the verifier on the page accepts the untouched pack
    leader.file_uploader(key="escalation.verify_upload").upload("pack.zip", pack, "application/zip")
    leader.text_input(key="escalation.verify_hash").input(case.pack_sha256)
    assert "校验通过" in act(leader, "校验")


def test_a_tampered_pack_is_refused_naming_the_changed_file(seeded):
    _, case_id = _open_case(seeded)
    leader = _case_page("leader", case_id)
    act(leader, "领导审批并移交")
    pack = data.workflow().escalations.pack_bytes(data.workflow().users.by_username("leader"), case_id)
    source = zipfile.ZipFile(io.BytesIO(pack))
    changed = next(n for n in source.namelist() if n.endswith("raw.json"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            body = source.read(name)
            target.writestr(name, body + b" " if name == changed else body)
    leader.file_uploader(key="escalation.verify_upload").upload("pack.zip", out.getvalue(), "application/zip")
    said = act(leader, "校验")
    assert "校验未通过" in said and changed in said.replace("\\", "")


def test_a_malformed_upload_gets_a_clear_message(seeded):
    _, case_id = _open_case(seeded)
    at = _case_page("reviewer", case_id)
    at.file_uploader(key=f"escalation.upload.{case_id}").upload("截图.png", b"not a png at all", "image/png")
    said = act(at, "上传附件")
    assert "输入有误" in said
    assert data.workflow().escalations.get(SYSTEM, case_id).attachments == ()
    at.file_uploader(key="escalation.verify_upload").upload("pack.zip", b"PK-not-a-zip", "application/zip")
    said = act(at, "校验")
    assert "校验未通过" in said and "pack.zip" in said and "/tmp" not in said


def test_police_liaison_accepts_and_answers(seeded):
    _, case_id = _open_case(seeded)
    act(_case_page("leader", case_id), "领导审批并移交")
    police = _case_page("police", case_id)
    assert "已受理" in act(police, "受理")
    police.text_area(key=f"escalation.feedback_text.{case_id}").input("已对造谣者依法处理。")
    police.checkbox(key=f"escalation.resolved.{case_id}").check()
    assert "反馈已记录" in act(police, "提交反馈")
    case = data.workflow().escalations.get(SYSTEM, case_id)
    assert case.status == "resolved" and case.feedback[-1].text == "已对造谣者依法处理。"
