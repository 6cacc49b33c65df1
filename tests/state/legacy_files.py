"""An installation from before the state database, as its files looked: each SQLite side file built with the
schema its old module used (the DDL copied from that module), holding a few rows. ``build`` writes them into
a data folder and returns what the state database must hold afterwards."""

from __future__ import annotations

import json
import pickle
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, insert

from core.crawl_health import CrawlRun
from core.event import Event, TimelinePoint
from infra.state import migrate
from infra.state.tables import audit_head, audit_log, users

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)

EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    last_seen REAL NOT NULL,
    grade_rank INTEGER NOT NULL,
    heat REAL NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_last_seen ON events (last_seen);
"""
CRAWL_HEALTH_DDL = """
CREATE TABLE IF NOT EXISTS crawl_run (
    run_id TEXT PRIMARY KEY, source TEXT NOT NULL, started_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS crawl_run_source ON crawl_run (source, started_at);
"""
CRAWL_STATE_DDL = """
CREATE TABLE IF NOT EXISTS minhash (post_id TEXT PRIMARY KEY, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS minhash_band (band INTEGER NOT NULL, key INTEGER NOT NULL, post_id TEXT NOT NULL,
                                         PRIMARY KEY (band, key, post_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermark (source TEXT PRIMARY KEY, newest TEXT, complete INTEGER NOT NULL,
                                      updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (post_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alias (copy_id TEXT PRIMARY KEY, original_id TEXT NOT NULL) WITHOUT ROWID;
"""
NOTIFY_DDL = """
CREATE TABLE IF NOT EXISTS triggers (
    trigger_id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, planned_at TEXT NOT NULL,
    deliveries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    trigger_id TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL,
    title TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL, last_error TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
    sent_at TEXT, PRIMARY KEY (trigger_id, channel, address));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
"""
WORKER_DDL = """
CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, host TEXT, state TEXT, started_at TEXT,
    beat_at TEXT, interval_s REAL, drill_time TEXT);
CREATE TABLE IF NOT EXISTS job_runs (
    job_id TEXT PRIMARY KEY, last_start TEXT, last_end TEXT, duration_s REAL, outcome TEXT,
    message TEXT NOT NULL DEFAULT '', runs INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    next_run TEXT);
CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY, healthy INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
"""
JOBS_DDL = """
CREATE TABLE apscheduler_jobs (
    id VARCHAR(191) NOT NULL, next_run_time FLOAT, job_state BLOB NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_apscheduler_jobs_next_run_time ON apscheduler_jobs (next_run_time);
"""

EVENT = Event(id="ev-1", title="渠县二小食堂", schools=("quxian-erxiao",), incident_types=("food_safety",),
              first_seen=T0, last_seen=T0 + timedelta(hours=2), post_ids=("weibo:1", "weibo:2"),
              representative_post_id="weibo:1", post_count=3, spread_by_platform={"weibo": 2, "news": 1},
              engagement=12, heat=55.5, grade="II", grade_reasons=("热度",), rumour_share=0.5, negative_share=0.25,
              timeline=(TimelinePoint(T0, 2), TimelinePoint(T0 + timedelta(hours=1), 1)),
              updated_at=T0 + timedelta(hours=2), detected_at=T0)
RUN = CrawlRun(run_id="news-1", source="news", spider="news", started_at=T0, finished_at=T0 + timedelta(minutes=2),
               finish_reason="finished", pages=3, items_parsed=20, items_new=4, error_samples=("HTTP 500",),
               blocked=True, blocked_reasons=("HTTP 403",), truncated=True, truncated_reason="页数上限",
               newest_published_at=T0 - timedelta(hours=1))
SIGNATURE = bytes(range(32))
BAND_KEYS = [2 ** 62 + 7, 5]
JOB_STATE = pickle.dumps({"id": "report", "func": "time:sleep", "args": (0,)})


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _old_document(event: Event) -> dict:
    """The old event store's JSON document of an event (its ``event_to_dict``)."""
    return {"id": event.id, "title": event.title, "schools": list(event.schools),
            "incident_types": list(event.incident_types), "first_seen": event.first_seen.isoformat(),
            "last_seen": event.last_seen.isoformat(), "post_ids": list(event.post_ids),
            "representative_post_id": event.representative_post_id, "post_count": event.post_count,
            "spread_by_platform": dict(event.spread_by_platform), "engagement": event.engagement,
            "heat": event.heat, "grade": event.grade, "grade_reasons": list(event.grade_reasons),
            "rumour_share": event.rumour_share, "negative_share": event.negative_share,
            "timeline": [{"at": p.at.isoformat(), "posts": p.posts} for p in event.timeline],
            "updated_at": event.updated_at.isoformat(), "detected_at": event.detected_at.isoformat()}


def _file(path: Path, ddl: str, *inserts: tuple[str, list[tuple]]) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(ddl)
        for sql, rows in inserts:
            db.executemany(sql, rows)


def build(folder: Path, *, workflow: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in RUN.__dict__.items()}
    _file(folder / "events.db", EVENTS_DDL, ("INSERT INTO events VALUES (?, ?, ?, ?, ?)", [
        (EVENT.id, EVENT.last_seen.timestamp(), 2, EVENT.heat, json.dumps(_old_document(EVENT), ensure_ascii=False))]))
    _file(folder / "crawl_health.db", CRAWL_HEALTH_DDL, ("INSERT INTO crawl_run VALUES (?, ?, ?, ?)", [
        (RUN.run_id, RUN.source, RUN.started_at.isoformat(), json.dumps(body, ensure_ascii=False))]))
    _file(folder / "crawl_state.db", CRAWL_STATE_DDL,
          ("INSERT INTO minhash VALUES (?, ?)", [("weibo:1", SIGNATURE)]),
          ("INSERT INTO minhash_band VALUES (?, ?, ?)", [(band, key, "weibo:1") for band, key in enumerate(BAND_KEYS)]),
          ("INSERT INTO watermark VALUES (?, ?, ?, ?)", [("news", T0.isoformat(), 1, T0.isoformat()),
                                                         ("tieba", None, 0, T0.isoformat())]),
          ("INSERT INTO seen VALUES (?)", [("weibo:1",), ("weibo:2",)]),
          ("INSERT INTO alias VALUES (?, ?)", [("weibo:2", "weibo:1")]))
    _file(folder / "notify.db", NOTIFY_DDL,
          ("INSERT INTO triggers VALUES (?, ?, ?, ?, ?)", [("alert:1", "alert_major", "【重大】", _iso(T0), 2)]),
          ("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
              ("alert:1", "email", "a@qx", "alert_major", "【重大】", "正文", "sent", 1, _iso(T0), "", _iso(T0),
               _iso(T0 + timedelta(minutes=1))),
              ("alert:1", "wecom", "hook", "alert_major", "【重大】", "正文", "pending", 2,
               _iso(T0 + timedelta(minutes=5)), "HTTP 502", _iso(T0), None)]))
    _file(folder / "worker.db", WORKER_DDL,
          ("INSERT INTO heartbeat VALUES (1, ?, ?, ?, ?, ?, ?, ?)", [(4242, "old-host", "running", _iso(T0), _iso(T0),
                                                                      10.0, None)]),
          ("INSERT INTO job_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
              ("enrich", _iso(T0), _iso(T0 + timedelta(seconds=3)), 3.0, "ok", "", 7, 1, _iso(T0 + timedelta(minutes=5)))]),
          ("INSERT INTO source_health VALUES (?, ?, ?, ?)", [("weibo", 0, "采集超时", _iso(T0))]))
    _file(folder / "jobs.db", JOBS_DDL, ("INSERT INTO apscheduler_jobs VALUES (?, ?, ?)", [
        ("report", T0.timestamp(), JOB_STATE)]))
    if workflow:
        _workflow_file(folder / "workflow.db")


def _workflow_file(path: Path) -> None:
    """The workflow database as the old code left it: Alembic revision 0001, a user and an audit entry."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            config = migrate.alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(insert(users).values(id="u1", username="wang", display_name="王", role="monitor",
                                              password_hash="x", email="w@qx", unit="", on_duty=True, active=True,
                                              created_at=T0, version=1))
            conn.execute(insert(audit_log).values(seq=1, at=T0, actor="system", action="user.create", target="u1",
                                                  outcome="ok", before=None, after={"role": "monitor"}, detail="",
                                                  prev_hash="0" * 64, hash="h1"))
            conn.execute(insert(audit_head).values(id=1, seq=1, hash="h1"))
    finally:
        engine.dispose()
