"""An installation from before the state database keeps its data: workflow.db becomes state.db (or is copied
into PostgreSQL), every other old file's rows arrive and the file is renamed *.imported; importing again is
harmless; an unreadable file stops the open, named, and is left as it was."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import ConfigurationError
from core.workflow.model import User
from infra.state import migrate
from infra.state.tables import apscheduler_jobs, crawl_minhash_bands, crawl_seen, notify_deliveries

from . import legacy_files as old
from .conftest import finish

OLD_NAMES = ["crawl_health.db", "crawl_state.db", "events.db", "jobs.db", "notify.db", "worker.db"]


def _folder(target, tmp_path) -> Path:
    """The data folder: for SQLite the one holding the state database's default file."""
    return Path(target.url.removeprefix("sqlite:///")).parent if target.kind == "sqlite" else tmp_path / "data"


def _count(state, table) -> int:
    with state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _assert_everything_arrived(state) -> None:
    assert state.events.get_event(old.EVENT.id) == old.EVENT
    assert state.crawl_health.get(old.RUN.run_id) == old.RUN
    crawl = state.crawl_state
    assert crawl.watermark("news") == (old.T0, True) and crawl.watermark("tieba") == (None, False)
    assert crawl.seen(["weibo:1", "weibo:2", "weibo:3"]) == {"weibo:1", "weibo:2"}
    assert crawl.alias_of("weibo:2") == "weibo:1"
    assert crawl.candidates([0, old.BAND_KEYS[1]]) == {"weibo:1": old.SIGNATURE}
    assert crawl.candidates([old.BAND_KEYS[0], 0]) == {"weibo:1": old.SIGNATURE}
    ledger = state.notifications
    assert ledger.is_planned("alert:1") and ledger.planned_triggers() == 1
    sent, pending = sorted(ledger.deliveries(), key=lambda d: d.channel)
    assert (sent.status, sent.sent_at, sent.attempts) == ("sent", old.T0 + timedelta(minutes=1), 1)
    assert (pending.status, pending.last_error, pending.next_attempt_at) == (
        "pending", "HTTP 502", old.T0 + timedelta(minutes=5))
    status = state.worker_status.read()
    assert status.state == "never"                                       # the stale heartbeat stays behind
    [job] = status.jobs
    assert (job.job_id, job.runs, job.failures, job.outcome, job.next_run) == (
        "enrich", 7, 1, "ok", old.T0 + timedelta(minutes=5))
    assert [(s.source, s.healthy, s.reason) for s in status.sources] == [("weibo", False, "采集超时")]
    with state.engine.connect() as conn:
        assert conn.execute(select(apscheduler_jobs)).all() == [("report", old.T0.timestamp(), old.JOB_STATE)]
    repo = state.workflow_repository()
    assert repo.get(User, "u1").username == "wang" and repo.audit_head() == (1, "h1")
    assert [e.after for e in repo.audit_entries()] == [{"role": "monitor"}]


def test_an_older_installation_keeps_all_its_data(target, tmp_path, caplog):
    folder = _folder(target, tmp_path)
    old.build(folder)
    caplog.set_level("INFO", logger="infra.state.legacy")
    state = target.open(legacy_dir=folder)
    try:
        assert migrate.current_revision(state.engine) == migrate.HEAD_REVISION
        _assert_everything_arrived(state)
    finally:
        state.close()
    left = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    imported = [f"{name}.imported" for name in OLD_NAMES]
    if target.kind == "sqlite":                                          # workflow.db became state.db
        assert left == sorted(imported + ["state.db"] + [n for n in left if n.startswith("state.db-")])
    else:                                                                # ... or was copied into PostgreSQL
        assert left == sorted(imported + ["workflow.db.imported"])
    assert len([r for r in caplog.records if "imported" in r.getMessage()]) == len(OLD_NAMES) + (
        target.kind != "sqlite")
    again = target.open(legacy_dir=folder)                               # nothing left to import
    try:
        _assert_everything_arrived(again)
    finally:
        again.close()


def test_an_import_interrupted_before_the_rename_repeats_safely(target, tmp_path):
    folder = _folder(target, tmp_path)
    old.build(folder)
    target.open(legacy_dir=folder).close()
    for name in ("crawl_state.db", "notify.db", "jobs.db"):             # as if the renames never happened
        shutil.copy(folder / f"{name}.imported", folder / name)
    state = target.open(legacy_dir=folder)
    try:
        _assert_everything_arrived(state)
        assert (_count(state, crawl_seen), _count(state, crawl_minhash_bands), _count(state, notify_deliveries),
                _count(state, apscheduler_jobs)) == (2, 2, 2, 1)
        assert not (folder / "notify.db").exists()
    finally:
        state.close()


def test_a_file_that_cannot_be_read_stops_the_open_and_is_left_untouched(target, tmp_path):
    folder = _folder(target, tmp_path)
    old.build(folder, workflow=False)
    (folder / "notify.db").unlink()
    (folder / "notify.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigurationError, match="notify.db"):
        target.open(legacy_dir=folder)
    assert (folder / "notify.db").read_bytes() == b"this is not a database" * 100
    (folder / "notify.db").unlink()
    state = target.open(legacy_dir=folder)                               # the rest imports once it is gone
    try:
        assert state.events.get_event(old.EVENT.id) == old.EVENT and state.notifications.planned_triggers() == 0
    finally:
        state.close()


def test_processes_opening_an_older_installation_together_import_it_once(target, tmp_path):
    folder = _folder(target, tmp_path)
    old.build(folder)
    body = "print(json.dumps(state.notifications.planned_triggers()))"
    openers = [target.spawn(body, legacy_dir=folder) for _ in range(3)]
    assert [finish(p) for p in openers] == [[1]] * 3
    state = target.open()
    try:
        _assert_everything_arrived(state)
        assert _count(state, crawl_minhash_bands) == 2
        assert not (folder / "workflow.db").exists() and (target.kind == "sqlite") == (
            not (folder / "workflow.db.imported").exists())
    finally:
        state.close()
