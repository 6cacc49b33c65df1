import io
import json
import zipfile
from datetime import timedelta

import pytest

from core.errors import Conflict, InvalidInput, PermissionDenied
from core.workflow.evidence import verify_pack
from core.workflow.model import EscalationStatus as ES
from infra.storage.sqlite import SqlitePostStore
from workflow_factories import T0, denied, make_event

POSTS = [
    {"id": "weibo:1", "source": "weibo-search", "platform": "weibo", "url": "https://weibo.example/1",
     "published_at": T0 - timedelta(hours=1), "fetched_at": T0, "text": "渠县二中有学生食物中毒，多人送医！",
     "author": "网友甲", "raw": {"mid": "1", "text": "渠县二中有学生食物中毒"},
     "page": "<html><body>渠县二中有学生食物中毒</body></html>", "capture_method": "scrapy crawl weibo"},
    {"id": "weibo:2", "source": "weibo-search", "platform": "weibo", "url": "https://weibo.example/2",
     "published_at": T0, "fetched_at": T0 + timedelta(minutes=5), "text": "转发：渠县二中食物中毒",
     "raw": {"mid": "2"}, "page": None, "capture_method": "scrapy crawl weibo"},
]


@pytest.fixture
def ewf(make_workflow, tmp_path):
    store = SqlitePostStore(tmp_path / "posts.db")
    store.upsert_many(POSTS)
    yield make_workflow(post_store=store)
    store.close()


@pytest.fixture
def case(ewf, users):
    alert = ewf.alerts.raise_from_events([make_event(rumour_share=0.8, post_ids=("weibo:1", "weibo:2"))])[0]
    return ewf.escalations.open(users["monitor"], alert.id, "rumour", "police", ["weibo:1", "weibo:2", "weibo:404"],
                                "网传渠县二中食物中毒，经核实不实。", person="王警官", deadline=T0 + timedelta(days=3))


def test_escalation_flow_with_feedback(ewf, users, case):
    sent = ewf.escalations.approve(users["leader"], case.id)
    assert sent.status == ES.SENT and sent.approved_by == "leader" and sent.pack_sha256
    assert ewf.escalations.accept(users["police_liaison"], case.id).status == ES.ACCEPTED
    resolved = ewf.escalations.add_feedback(users["police_liaison"], case.id, "已对发布者依法训诫。", resolved=True)
    assert resolved.status == ES.RESOLVED and resolved.feedback[-1].text == "已对发布者依法训诫。"
    assert ewf.escalations.close(users["leader"], case.id).status == ES.CLOSED


@pytest.mark.parametrize("role,action", [("monitor", "approve"), ("police_liaison", "approve"),
                                         ("leader", "accept"), ("spokesperson", "open")])
def test_escalation_rights(ewf, users, case, role, action):
    with pytest.raises(PermissionDenied, match="无权"):
        if action == "open":
            ewf.escalations.open(users[role], case.alert_id, "rumour", "police", ["weibo:1"], "x")
        else:
            getattr(ewf.escalations, action)(users[role], case.id)


def test_out_of_order_escalation_steps_are_refused(ewf, users, case):
    with pytest.raises(Conflict):
        ewf.escalations.accept(users["police_liaison"], case.id)
    with pytest.raises(Conflict):
        ewf.escalations.add_feedback(users["police_liaison"], case.id, "x")
    ewf.escalations.approve(users["leader"], case.id)
    with pytest.raises(Conflict, match="不能审批移交"):
        ewf.escalations.approve(users["leader"], case.id)
    assert denied(ewf, "escalation.approve")


def test_evidence_pack_holds_raw_page_capture_and_hashes(ewf, users, case):
    sent = ewf.escalations.approve(users["leader"], case.id)
    report = verify_pack(sent.pack_path, sent.pack_sha256)
    assert report.ok and "完整" in report.message
    with zipfile.ZipFile(sent.pack_path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        summary = archive.read("summary.docx")
    assert {"posts/001-weibo_1/raw.json", "posts/001-weibo_1/page.html", "posts/002-weibo_2/raw.json",
            "summary.docx", "manifest.sha256"} <= names
    entry = next(f for f in manifest["files"] if f["path"] == "posts/001-weibo_1/raw.json")
    assert entry["captured_at"] == T0.isoformat() and entry["capture_method"] == "scrapy crawl weibo"
    # the person who gathered the evidence, by name, not the leader who approved the hand-over
    assert entry["operator"] == users["monitor"].display_name != users["leader"].display_name
    assert len(entry["sha256"]) == 64
    assert manifest["missing_posts"] == ["weibo:404"]
    from docx import Document
    text = "\n".join(p.text for p in Document(io.BytesIO(summary)).paragraphs)
    assert "网传渠县二中食物中毒" in text and "weibo:404" in text


def _rewrite(path, out, change):
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)


def test_tampered_packs_are_detected_and_the_file_named(ewf, users, case, tmp_path):
    sent = ewf.escalations.approve(users["leader"], case.id)
    edited = tmp_path / "edited.zip"
    _rewrite(sent.pack_path, edited, lambda n, d: d.replace("食物中毒".encode(), "一切正常".encode())
             if n == "posts/001-weibo_1/page.html" else d)
    report = verify_pack(edited)
    assert not report.ok and report.changed == ("posts/001-weibo_1/page.html",)
    assert "posts/001-weibo_1/page.html" in report.message

    removed = tmp_path / "removed.zip"
    _rewrite(sent.pack_path, removed, lambda n, d: None if n == "posts/002-weibo_2/raw.json" else d)
    assert verify_pack(removed).missing == ("posts/002-weibo_2/raw.json",)

    def forge(name, data):
        # Edit a file AND its manifest entry: the manifest hash (and the one in the database) gives it away.
        if name == "manifest.json":
            return data.replace(b'"size": ', b'"size":  ')
        return data
    forged = tmp_path / "forged.zip"
    _rewrite(sent.pack_path, forged, forge)
    assert not verify_pack(forged).manifest_ok
    assert not verify_pack(sent.pack_path, "0" * 64).ok
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert not verify_pack(tmp_path / "junk.zip").ok


def test_bad_uploads_are_refused_with_a_reason_and_audited(make_workflow, tmp_path, users, case):
    wf = make_workflow(post_store=None, upload_max_bytes=1000)
    bad = [("big.png", b"\x89PNG" + b"0" * 2000, "文件过大"), ("shot.png", b"GIF89a....", "不符"),
           ("run.exe", b"MZ..", "不支持"), ("empty.txt", b"", "为空"), ("bad.json", b"{oops", "JSON"),
           ("../../etc/passwd.txt", b"x", "文件名无效")]
    for name, data, reason in bad:
        with pytest.raises(InvalidInput, match=reason):
            wf.escalations.attach(users["monitor"], case.id, name, data)
    assert len(denied(wf, "escalation.attach")) == len(bad)
    ok = wf.escalations.attach(users["monitor"], case.id, "截图.png", b"\x89PNG\r\n" + b"1" * 100)
    assert ok.attachments[0].name == "截图.png" and ok.attachments[0].size == 106


def test_attachments_go_into_the_pack(ewf, users, case):
    ewf.escalations.attach(users["monitor"], case.id, "note.txt", "现场说明".encode())
    ewf.escalations.approve(users["leader"], case.id)           # packs exist only once the leader approved
    path = ewf.escalations.build_pack(users["police_liaison"], case.id)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("attachments/note.txt").decode() == "现场说明"
    assert ewf.escalations.verify(users["police_liaison"], case.id).ok
    assert ewf.escalations.pack_bytes(users["police_liaison"], case.id)[:2] == b"PK"
