"""The state database's tables (SQLAlchemy Core): the workflow's, events, crawl state and health,
notifications, worker status and APScheduler's job table.

One table per record type; a column per field (``infra.state.codec`` converts); nested values (tuples of
findings, feedback, grade changes, timelines; fact mappings) as JSON; times as UTC. Migrations under
``migrations/versions`` create exactly these; ``tests/state`` compares the two."""

from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Float, Index, Integer, LargeBinary, MetaData,
                        String, Table, Text, Unicode, false)

from core.workflow import model

metadata = MetaData()


def _time(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _id() -> Column:
    return Column("id", String(200), primary_key=True)


def _version() -> Column:
    return Column("version", Integer, nullable=False, default=1)


users = Table(
    "users", metadata, _id(),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("on_duty", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    _time("created_at"), _version(),
    Column("session_epoch", Integer, nullable=False, server_default="0"),
)

sessions = Table(
    "sessions", metadata, _id(),
    Column("user_id", String(200), nullable=False, index=True),
    _time("created_at", False), _time("expires_at", False),
    Column("token", String(10), nullable=False),       # always empty: tokens are never stored
    _version(),
    Column("epoch", Integer, nullable=False, server_default="0"),
)

# Failed logins per username and per client (core.workflow.throttle): id is "user:<name>" / "client:<addr>".
login_throttle = Table(
    "login_throttle", metadata, _id(),
    Column("failures", Integer, nullable=False),
    _time("window_started_at", False), _time("locked_until"), _version(),
)

alerts = Table(
    "alerts", metadata, _id(),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("grade", String(4), nullable=False),
    Column("state", String(32), nullable=False, index=True),
    _time("t0", False), _time("raised_at", False),
    Column("raised_by", String(64), nullable=False),
    Column("rules", JSON, nullable=False),
    Column("schools", JSON, nullable=False),
    Column("incident_types", JSON, nullable=False),
    Column("rumour_share", Float, nullable=False),
    Column("heat", Float, nullable=False),
    Column("post_ids", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("analysis", Text, nullable=False),
    Column("unit_kind", String(32), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("person", String(200), nullable=False),
    _time("deadline"),
    Column("dismiss_reason", Text, nullable=False),
    Column("grade_history", JSON, nullable=False),
    _time("confirmed_at"), _time("closed_at"), _time("updated_at"), _version(),
    Column("decided_version", Integer, nullable=False, server_default="1"),
)

clocks = Table(
    "clocks", metadata, _id(),
    Column("alert_id", String(200), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    _time("t0", False), _time("due_at", False),
    Column("stage", String(32), nullable=False, index=True),
    _time("started_at"), _time("met_at"),
    Column("met_by_release", String(200), nullable=False),
    Column("cancelled_reason", Text, nullable=False),
    _version(),
)

releases = Table(
    "releases", metadata, _id(),
    Column("alert_id", String(200), nullable=False, index=True),
    Column("template", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
    _time("created_at", False),
    Column("first_release_id", String(200), nullable=False),
    Column("checked_version", Integer, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("signed_by", String(64), nullable=False), _time("signed_at"),
    Column("approved_by", String(64), nullable=False), _time("approved_at"),
    _time("published_at"), _time("updated_at"), _version(),
)

release_versions = Table(
    "release_versions", metadata, _id(),
    Column("release_id", String(200), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("saved_by", String(64), nullable=False),
    _time("saved_at", False),
    Column("note", Text, nullable=False),
)

draft_autosaves = Table(
    "draft_autosaves", metadata, _id(),
    Column("release_id", String(200), nullable=False, index=True),
    Column("username", String(64), nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    _time("saved_at", False),
    _version(),
)

publications = Table(
    "publications", metadata, _id(),
    Column("release_id", String(200), nullable=False, index=True),
    Column("release_version", Integer, nullable=False),
    Column("channel", String(64), nullable=False),
    Column("location", Text, nullable=False),
    _time("published_at", False),
    Column("published_by", String(64), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text, nullable=False),
)

escalations = Table(
    "escalations", metadata, _id(),
    Column("alert_id", String(200), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("target", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("post_ids", JSON, nullable=False),
    Column("created_by", String(64), nullable=False),
    _time("created_at", False),
    Column("person", String(200), nullable=False),
    _time("deadline"),
    Column("approved_by", String(64), nullable=False), _time("approved_at"),
    Column("feedback", JSON, nullable=False),
    Column("attachments", JSON, nullable=False),
    Column("pack_path", Text, nullable=False),
    Column("pack_sha256", String(64), nullable=False),
    _time("updated_at"), _version(),
)

audit_log = Table(
    "audit_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    _time("at", False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_log_target", audit_log.c.target)

# One row (id = 1): the last appended seq and hash, kept apart so that a cut-off tail shows.
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row per claimed one-time action, e.g. "publish:<release id>:<channel>": committed before the action is
# taken (a webhook POST), so two people publishing one release at once send it once.
claims = Table(
    "claims", metadata,
    Column("key", String(200), primary_key=True),
    Column("holder", String(64), nullable=False),
    _time("claimed_at", False),
)

TABLES = {
    model.User: users, model.Session: sessions, model.Alert: alerts, model.ResponseClock: clocks,
    model.Release: releases, model.ReleaseVersion: release_versions, model.Publication: publications,
    model.Escalation: escalations, model.LoginThrottle: login_throttle, model.DraftAutosave: draft_autosaves,
}

# --- events (core.event.Event); last_seen, grade_rank and heat are what list_events filters and sorts on

events = Table(
    "events", metadata, _id(),
    Column("title", Text, nullable=False),
    Column("schools", JSON, nullable=False),
    Column("incident_types", JSON, nullable=False),
    _time("first_seen", False), _time("last_seen", False),
    Column("post_ids", JSON, nullable=False),
    Column("representative_post_id", String(200), nullable=False),
    Column("post_count", Integer, nullable=False),
    Column("spread_by_platform", JSON, nullable=False),
    Column("engagement", BigInteger, nullable=False),
    Column("heat", Float, nullable=False),
    Column("grade", String(4), nullable=False),
    Column("grade_rank", Integer, nullable=False),          # 0 (IV) .. 3 (I), for "at least this grade"
    Column("grade_reasons", JSON, nullable=False),
    Column("rumour_share", Float, nullable=False),
    Column("negative_share", Float, nullable=False),
    Column("timeline", JSON, nullable=False),
    _time("updated_at"), _time("detected_at"),
)
Index("ix_events_last_seen", events.c.last_seen)
Index("ix_events_heat", events.c.heat)

# --- crawl health (core.crawl_health.CrawlRun)

crawl_runs = Table(
    "crawl_runs", metadata,
    Column("run_id", String(200), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("spider", String(200), nullable=False),
    _time("started_at", False), _time("finished_at"),
    Column("finish_reason", String(64), nullable=False),
    *(Column(name, Integer, nullable=False) for name in (
        "pages", "items_parsed", "items_new", "items_updated", "items_duplicate", "items_copies", "items_dropped",
        "errors")),
    Column("error_samples", JSON, nullable=False),
    Column("blocked", Boolean, nullable=False),
    Column("blocked_reasons", JSON, nullable=False),
    Column("truncated", Boolean, nullable=False),
    Column("truncated_reason", Text, nullable=False),
    _time("newest_published_at"),
    Column("format_drift", Boolean, nullable=False, server_default=false()),
    Column("drift_reason", Text, nullable=False, server_default=""),
    Column("drift_sample", Text, nullable=False, server_default=""),
)
Index("ix_crawl_runs_source_started_at", crawl_runs.c.source, crawl_runs.c.started_at)

# --- crawl state (core.crawl_state.CrawlStateStore)

crawl_watermarks = Table(
    "crawl_watermarks", metadata,
    Column("source", String(200), primary_key=True),
    _time("newest"),
    Column("complete", Boolean, nullable=False),
    _time("updated_at", False),
)

crawl_seen = Table(
    "crawl_seen", metadata,
    Column("post_id", String(200), primary_key=True),
    sqlite_with_rowid=False,
)

crawl_aliases = Table(
    "crawl_aliases", metadata,
    Column("copy_id", String(200), primary_key=True),
    Column("original_id", String(200), nullable=False),
    sqlite_with_rowid=False,
)

crawl_minhash = Table(
    "crawl_minhash", metadata,
    Column("post_id", String(200), primary_key=True),
    Column("signature", LargeBinary, nullable=False),
)

# One row per band of each indexed post; the primary key (band, key, post_id) is the lookup index.
crawl_minhash_bands = Table(
    "crawl_minhash_bands", metadata,
    Column("band", Integer, primary_key=True, autoincrement=False),
    Column("key", BigInteger, primary_key=True, autoincrement=False),   # 63-bit band hash
    Column("post_id", String(200), primary_key=True),
    sqlite_with_rowid=False,
)

# --- notifications (core.notifications)

notify_triggers = Table(
    "notify_triggers", metadata,
    Column("trigger_id", String(200), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("title", Text, nullable=False),
    _time("planned_at", False),
    Column("deliveries", Integer, nullable=False),
)

notify_deliveries = Table(
    "notify_deliveries", metadata,
    Column("trigger_id", String(200), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("address", String(500), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    _time("next_attempt_at", False),
    Column("last_error", Text, nullable=False),
    _time("created_at", False), _time("sent_at"),
)
Index("ix_notify_deliveries_due", notify_deliveries.c.status, notify_deliveries.c.next_attempt_at)

# --- worker status (core.worker_status)

# One row (id = 1): the worker's last heartbeat.
worker_heartbeat = Table(
    "worker_heartbeat", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("pid", Integer, nullable=True),
    Column("host", String(255), nullable=False),
    Column("state", String(16), nullable=False),
    _time("started_at"), _time("beat_at"),
    Column("interval_s", Float, nullable=True),
    _time("drill_time"),
)

worker_jobs = Table(
    "worker_jobs", metadata,
    Column("job_id", String(200), primary_key=True),
    _time("last_start"), _time("last_end"),
    Column("duration_s", Float, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("message", Text, nullable=False),
    Column("runs", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    _time("next_run"),
)

worker_sources = Table(
    "worker_sources", metadata,
    Column("source", String(200), primary_key=True),
    Column("healthy", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    _time("at", False),
)

# APScheduler 3.11's SQLAlchemyJobStore table, column for column, so its own create(checkfirst) finds it.
apscheduler_jobs = Table(
    "apscheduler_jobs", metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

# Every table this database holds, children before parents (for dropping).
STATE_TABLES = [events, crawl_runs, crawl_watermarks, crawl_seen, crawl_aliases, crawl_minhash,
                crawl_minhash_bands, notify_triggers, notify_deliveries, worker_heartbeat, worker_jobs,
                worker_sources, apscheduler_jobs]
