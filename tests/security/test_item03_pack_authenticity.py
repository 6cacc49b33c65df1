"""Item 3: a tampered copy hidden behind a second entry of the same name is caught; a pack whose manifest was
re-hashed is not called intact without the recorded hash; the recorded hash may be typed in upper case; an
attachment changed on disk after upload never goes into a pack."""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from pathlib import Path

import pytest

from core.errors import Conflict
from core.workflow.evidence import verify_pack
from infra.cli import main as cli
from tests.security.desk import open_case, open_desk

RAW = "posts/001-weibo_1/raw.json"


@pytest.fixture
def sent_case(tmp_path):
    desk = open_desk(tmp_path)
    case = open_case(desk)
    sent = desk.wf.escalations.approve(desk.users["leader"], case.id)
    yield desk, sent
    desk.close()


def cli_verify(tmp_path, capsys, *args) -> tuple[int, str]:
    code = cli(["--set", f"data_dir={tmp_path / 'data'}", "verify-pack", *args])
    return code, capsys.readouterr().out


def test_a_second_entry_of_the_same_name_is_refused_even_with_the_recorded_hash(sent_case, tmp_path, capsys):
    _, sent = sent_case
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(Path(sent.pack_path).read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # zipfile warns about the duplicate name: the attacker does not care
        with zipfile.ZipFile(tampered, "a") as archive:
            archive.writestr(RAW, json.dumps({"text": "改过的内容"}))
    report = verify_pack(tampered, sent.pack_sha256)
    assert not report.ok and not report.authenticated and "同名" in report.message
    code, out = cli_verify(tmp_path, capsys, str(tampered), "--expect", sent.pack_sha256)
    assert code == 1 and "同名" in out


def test_a_re_hashed_manifest_is_only_internally_consistent_without_the_recorded_hash(sent_case, tmp_path, capsys):
    _, sent = sent_case
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(sent.pack_path) as original, zipfile.ZipFile(forged, "w") as copy:
        manifest = json.loads(original.read("manifest.json"))
        raw = json.dumps({"text": "伪造的原始数据"}).encode()
        for entry in manifest["files"]:
            if entry["path"] == RAW:
                entry["sha256"], entry["size"] = hashlib.sha256(raw).hexdigest(), len(raw)
        manifest_bytes = json.dumps(manifest).encode()
        for info in original.infolist():
            if info.filename not in (RAW, "manifest.json", "manifest.sha256"):
                copy.writestr(info, original.read(info))
        copy.writestr(RAW, raw)
        copy.writestr("manifest.json", manifest_bytes)
        copy.writestr("manifest.sha256", hashlib.sha256(manifest_bytes).hexdigest() + "  manifest.json\n")
    code, out = cli_verify(tmp_path, capsys, str(forged))
    assert code != 0 and "证据包完整" not in out and "不能证明" in out
    code, out = cli_verify(tmp_path, capsys, str(forged), "--expect", sent.pack_sha256)
    assert code == 1 and "不符" in out


def test_the_recorded_hash_may_be_typed_in_upper_case(sent_case, tmp_path, capsys):
    _, sent = sent_case
    code, out = cli_verify(tmp_path, capsys, sent.pack_path, "--expect", f" {sent.pack_sha256.upper()} ")
    assert code == 0 and "与登记值相符" in out
    code, out = cli_verify(tmp_path, capsys, sent.pack_path, "--expect", "not-a-hash")
    assert code == 1 and "64 位十六进制" in out


def test_an_attachment_changed_on_disk_after_upload_stops_the_pack(tmp_path):
    desk = open_desk(tmp_path)
    try:
        case = open_case(desk)
        attached = desk.wf.escalations.attach(desk.users["monitor"], case.id, "现场照片.png",
                                              b"\x89PNG\r\n\x1a\n" + b"original" * 100)
        stored = Path(attached.attachments[0].path)
        stored.write_bytes(b"\x89PNG\r\n\x1a\n" + b"replaced" * 100)        # edited behind the system's back
        with pytest.raises(Conflict, match="现场照片.png.*被改动"):
            desk.wf.escalations.approve(desk.users["leader"], case.id)
        assert desk.wf.escalations.get(desk.users["leader"], case.id).status == "opened"
        assert not list((tmp_path / "data" / "evidence").glob("evidence-*.zip"))
    finally:
        desk.close()
