"""The publishing channels against a real folder and a real local HTTP receiver, and the workflow CLI
commands. (The workflow database's own tests moved to tests/state.)"""

from __future__ import annotations

import json
import threading
import zipfile
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.clock import ManualClock
from core.errors import StorageUnavailable
from core.settings import load_settings
from core.workflow import SYSTEM
from core.workflow.channels import OutgoingRelease
from infra.cli import main as cli
from infra.publish.webhook import WebhookChannel, signature
from infra.publish.website import WebsiteChannel
from infra.runtime import open_runtime

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)


def _release(**changes) -> OutgoingRelease:
    values = dict(release_id="R-1", alert_id="A-1", template="first_response", title="关于<渠县二中>的通报",
                  body="第一段<script>alert(1)</script>\n\n第二段 & 更多", version=3, published_at=NOW,
                  publisher="渠县教育局")
    values.update(changes)
    return OutgoingRelease(**values)


def test_website_channel_writes_escaped_html_and_rss(tmp_path):
    channel = WebsiteChannel(tmp_path / "site", "https://www.example.gov.cn/xxgk/")
    location = channel.publish(_release())
    channel.publish(_release(release_id="R-2", title="续发通报", first_release_id="R-1"))
    page = open(location, encoding="utf-8").read()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;渠县二中&gt;" in page
    rss = (tmp_path / "site" / "rss.xml").read_text(encoding="utf-8")
    assert rss.index("续发通报") < rss.index("&lt;渠县二中&gt;")           # newest first
    assert "https://www.example.gov.cn/xxgk/releases/R-1.html" in rss
    import xml.etree.ElementTree as ET
    assert len(ET.fromstring(rss).findall("./channel/item")) == 2
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="releases/R-2.html"' in index


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((dict(self.headers), body))
        self.send_response(_Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received, _Receiver.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_posts_signed_json_to_a_real_receiver(receiver):
    location = WebhookChannel(receiver, secret="s3cret").publish(_release())
    headers, body = _Receiver.received[0]
    document = json.loads(body)
    assert document["title"] == "关于<渠县二中>的通报" and document["release_id"] == "R-1"
    assert headers["X-Yuqing-Signature"] == signature("s3cret", body) and "HTTP 200" in location


def test_webhook_failures_are_errors_with_a_sentence(receiver):
    _Receiver.status = 500
    with pytest.raises(StorageUnavailable, match="HTTP 500"):
        WebhookChannel(receiver).publish(_release())
    with pytest.raises(StorageUnavailable, match="无法连接"):
        WebhookChannel("http://127.0.0.1:9/none", timeout=1).publish(_release())


@pytest.mark.slow
def test_the_runtime_publishes_through_the_configured_channels(tmp_path, receiver):
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path), "webhook_url": receiver})
    with open_runtime(settings, clock=ManualClock(NOW), bcrypt_rounds=4) as runtime:
        wf = runtime.workflow
        assert wf.releases.channel_names() == ["webhook", "website"]
        release = _approved_release(wf)
        wf.releases.publish(SYSTEM, release.id)
        records = wf.releases.publications(SYSTEM, release.id)
        assert {(p.channel, p.ok) for p in records} == {("webhook", True), ("website", True)}
        assert (tmp_path / "published" / "rss.xml").exists() and len(_Receiver.received) == 1


@pytest.mark.slow
def test_cli_users_seed_ledger_verify(tmp_path, capsys, monkeypatch):
    base = ["--set", f"data_dir={tmp_path}"]
    assert cli(base + ["seed-demo-users"]) == 0
    assert cli(base + ["seed-demo-users"]) == 0                       # idempotent
    out = capsys.readouterr().out
    assert "leader-demo-1" in out and "exists  leader" in out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-good-password\n"))
    assert cli(base + ["users", "add", "wang", "--role", "reviewer", "--password-stdin", "--email", "w@x.cn"]) == 0
    assert cli(base + ["users", "list"]) == 0
    assert "wang" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert cli(base + ["users", "add", "li", "--role", "reviewer", "--password-stdin"]) == 1
    assert cli(base + ["ledger-export", "-o", str(tmp_path / "l.xlsx")]) == 0
    assert (tmp_path / "l.xlsx").read_bytes()[:2] == b"PK"
    assert cli(base + ["verify-audit"]) == 0
    import sqlite3
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
    assert cli(base + ["verify-audit"]) == 1
    assert "第 2 条" in capsys.readouterr().out


def test_cli_verify_pack_names_the_changed_file(tmp_path, capsys):
    from core.workflow.evidence import build_pack
    from core.workflow.model import Escalation, EscalationKind, EscalationStatus, EscalationTarget
    case = Escalation(id="E-1", alert_id="A-1", kind=EscalationKind.RUMOUR, target=EscalationTarget.POLICE,
                      status=EscalationStatus.SENT, summary="谣言", post_ids=(), created_by="m", created_at=NOW)
    info = build_pack(tmp_path / "p.zip", case, [], "leader", NOW)
    assert cli(["verify-pack", str(info.path), "--expect", info.manifest_sha256]) == 0
    with zipfile.ZipFile(info.path) as src, zipfile.ZipFile(tmp_path / "q.zip", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item.filename, data + b"x" if item.filename == "summary.docx" else data)
    capsys.readouterr()
    assert cli(["verify-pack", str(tmp_path / "q.zip")]) == 1
    assert "CHANGED  summary.docx" in capsys.readouterr().out


def _approved_release(wf):
    """A release taken through review, drafting, the minors' check and both sign-offs."""
    from core.event import Event

    event = Event(id="ev", title="二中学生受伤", schools=("x",), incident_types=(), first_seen=NOW, last_seen=NOW,
                  post_ids=("p",), representative_post_id="p", post_count=3, grade="II")
    alert = wf.alerts.raise_from_events([event])[0]
    wf.alerts.start_review(SYSTEM, alert.id)
    wf.alerts.confirm(SYSTEM, alert.id)
    wf.alerts.set_facts(SYSTEM, alert.id, {"school": "渠县第二中学", "occurred_at": "今日上午",
                                           "incident_summary": "一名学生摔伤。", "measures": ["已送医"]})
    release = wf.releases.draft(SYSTEM, alert.id, "first_response")
    wf.releases.check_minors(SYSTEM, release.id)
    wf.releases.sign(SYSTEM, release.id)
    return wf.releases.approve(SYSTEM, release.id)
