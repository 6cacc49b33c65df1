"""Item 11: what yuqing writes is its service account's only: databases, attachments, evidence packs and
exports are 0600 and their folders 0700, even when the process was started with the usual umask 022."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from infra.storage.sqlite import SqlitePostStore
from tests.core.workflow.workflow_factories import T0, make_event
from tests.security.conftest import users_of

ROOT = Path(__file__).resolve().parents[2]
POST = {"id": "weibo:1", "source": "weibo-search", "platform": "weibo", "url": "https://weibo.example/1",
        "published_at": T0, "fetched_at": T0, "text": "渠县二中有学生食物中毒", "raw": {"mid": "1"},
        "capture_method": "scrapy crawl weibo"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_databases_attachments_and_packs_are_owner_only(make_workflow, tmp_path, usual_umask):
    store = SqlitePostStore(tmp_path / "posts.db")
    store.upsert_many([POST])
    wf = make_workflow(post_store=store)
    users = users_of(wf)
    alert = wf.alerts.raise_from_events([make_event(rumour_share=0.8, post_ids=("weibo:1",))])[0]
    case = wf.escalations.open(users["monitor"], alert.id, "rumour", "police", ["weibo:1"], "网传食物中毒，经核实不实。")
    wf.escalations.attach(users["monitor"], case.id, "现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    pack = Path(wf.escalations.approve(users["leader"], case.id).pack_path)
    store.close()
    attachment = next((tmp_path / "evidence" / "attachments").rglob("*.png"))
    for path in [tmp_path / "posts.db", tmp_path / "state.db", attachment, pack,
                 *tmp_path.glob("*.db-wal")]:
        assert mode(path) == 0o600, (path, oct(mode(path)))
    for folder in (attachment.parent, pack.parent):
        assert mode(folder) == 0o700, (folder, oct(mode(folder)))


def test_the_command_line_creates_private_files_whatever_the_shells_umask(tmp_path):
    data = tmp_path / "data"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "YUQING_DATA_DIR": str(data),
                   "YUQING_CONFIG": str(tmp_path / "none.toml")}
    for command in (["init"], ["ledger-export", "-o", str(tmp_path / "台账.xlsx")]):
        done = subprocess.run([sys.executable, "-m", "infra.cli", *command], cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
        assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    for path in [data / "state.db", data / "posts.db", tmp_path / "台账.xlsx"]:
        assert mode(path) == 0o600, (path, oct(mode(path)))
