"""The workflow tables (SQLAlchemy Core). One table per record type of ``core.workflow.model``; a column
per field; nested values (tuples of findings, feedback, grade changes; fact mappings) as JSON.
Migrations under ``migrations/versions`` create exactly these; a test compares the two."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text

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
)

sessions = Table(
    "sessions", metadata, _id(),
    Column("user_id", String(200), nullable=False, index=True),
    _time("created_at", False), _time("expires_at", False),
    Column("token", String(10), nullable=False),       # always empty: tokens are never stored
    _version(),
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

TABLES = {
    model.User: users, model.Session: sessions, model.Alert: alerts, model.ResponseClock: clocks,
    model.Release: releases, model.ReleaseVersion: release_versions, model.Publication: publications,
    model.Escalation: escalations,
}
