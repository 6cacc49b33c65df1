"""The first workflow schema: users, sessions, alerts, clocks, releases, versions, publications,
escalations, and the hash-chained audit log with its head.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name, nullable=True):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id():
    return sa.Column("id", sa.String(200), primary_key=True)


def _version():
    return sa.Column("version", sa.Integer, nullable=False)


def _text(name):
    return sa.Column(name, sa.Text, nullable=False)


def _str(name, length):
    return sa.Column(name, sa.String(length), nullable=False)


def _json(name, nullable=False):
    return sa.Column(name, sa.JSON, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users", _id(), _str("username", 64), _str("display_name", 200), _str("role", 32),
        _str("password_hash", 200), _str("email", 320), _str("unit", 200),
        sa.Column("on_duty", sa.Boolean, nullable=False), sa.Column("active", sa.Boolean, nullable=False),
        _time("created_at"), _version(), sa.UniqueConstraint("username"))
    op.create_table(
        "sessions", _id(), _str("user_id", 200), _time("created_at", False), _time("expires_at", False),
        _str("token", 10), _version())
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "alerts", _id(), _str("event_id", 200), _text("title"), _str("grade", 4), _str("state", 32),
        _time("t0", False), _time("raised_at", False), _str("raised_by", 64), _json("rules"), _json("schools"),
        _json("incident_types"), sa.Column("rumour_share", sa.Float, nullable=False),
        sa.Column("heat", sa.Float, nullable=False), _json("post_ids"), _json("facts"), _text("analysis"),
        _str("unit_kind", 32), _str("unit", 200), _str("person", 200), _time("deadline"),
        _text("dismiss_reason"), _json("grade_history"), _time("confirmed_at"), _time("closed_at"),
        _time("updated_at"), _version(), sa.UniqueConstraint("event_id"))
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table(
        "clocks", _id(), _str("alert_id", 200), _str("kind", 32), _time("t0", False), _time("due_at", False),
        _str("stage", 32), _time("started_at"), _time("met_at"), _str("met_by_release", 200),
        _text("cancelled_reason"), _version())
    op.create_index("ix_clocks_alert_id", "clocks", ["alert_id"])
    op.create_index("ix_clocks_stage", "clocks", ["stage"])
    op.create_table(
        "releases", _id(), _str("alert_id", 200), _str("template", 64), _text("title"), _text("body"),
        _str("status", 32), _str("created_by", 64), _time("created_at", False), _str("first_release_id", 200),
        sa.Column("checked_version", sa.Integer, nullable=False), _json("findings"), _str("signed_by", 64),
        _time("signed_at"), _str("approved_by", 64), _time("approved_at"), _time("published_at"),
        _time("updated_at"), _version())
    op.create_index("ix_releases_alert_id", "releases", ["alert_id"])
    op.create_table(
        "release_versions", _id(), _str("release_id", 200), sa.Column("number", sa.Integer, nullable=False),
        _text("title"), _text("body"), _str("saved_by", 64), _time("saved_at", False), _text("note"))
    op.create_index("ix_release_versions_release_id", "release_versions", ["release_id"])
    op.create_table(
        "publications", _id(), _str("release_id", 200), sa.Column("release_version", sa.Integer, nullable=False),
        _str("channel", 64), _text("location"), _time("published_at", False), _str("published_by", 64),
        _str("content_sha256", 64), sa.Column("ok", sa.Boolean, nullable=False), _text("error"))
    op.create_index("ix_publications_release_id", "publications", ["release_id"])
    op.create_table(
        "escalations", _id(), _str("alert_id", 200), _str("kind", 32), _str("target", 32), _str("status", 32),
        _text("summary"), _json("post_ids"), _str("created_by", 64), _time("created_at", False),
        _str("person", 200), _time("deadline"), _str("approved_by", 64), _time("approved_at"),
        _json("feedback"), _json("attachments"), _text("pack_path"), _str("pack_sha256", 64),
        _time("updated_at"), _version())
    op.create_index("ix_escalations_alert_id", "escalations", ["alert_id"])
    op.create_table(
        "audit_log", sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        _time("at", False), _str("actor", 64), _str("action", 64), _str("target", 200), _str("outcome", 16),
        _json("before", True), _json("after", True), _text("detail"), _str("prev_hash", 64), _str("hash", 64))
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    op.create_table(
        "audit_head", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False), _str("hash", 64))


def downgrade() -> None:
    for table in ("audit_head", "audit_log", "escalations", "publications", "release_versions", "releases",
                  "clocks", "alerts", "sessions", "users"):
        op.drop_table(table)
