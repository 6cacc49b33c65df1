"""The state database: events, crawl health and state, notifications, worker status and APScheduler's jobs
join the workflow tables (they lived in their own SQLite files before; ``infra.state.legacy`` imports them).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name, nullable=True):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name, length, primary_key=False):
    return sa.Column(name, sa.String(length), nullable=False, primary_key=primary_key)


def _text(name):
    return sa.Column(name, sa.Text, nullable=False)


def _int(name):
    return sa.Column(name, sa.Integer, nullable=False)


def _float(name, nullable=False):
    return sa.Column(name, sa.Float, nullable=nullable)


def _json(name):
    return sa.Column(name, sa.JSON, nullable=False)


def _bool(name):
    return sa.Column(name, sa.Boolean, nullable=False)


def upgrade() -> None:
    op.create_table(
        "events", _str("id", 200, True), _text("title"), _json("schools"), _json("incident_types"),
        _time("first_seen", False), _time("last_seen", False), _json("post_ids"),
        _str("representative_post_id", 200), _int("post_count"), _json("spread_by_platform"),
        sa.Column("engagement", sa.BigInteger, nullable=False), _float("heat"), _str("grade", 4),
        _int("grade_rank"), _json("grade_reasons"), _float("rumour_share"), _float("negative_share"),
        _json("timeline"), _time("updated_at"), _time("detected_at"))
    op.create_index("ix_events_last_seen", "events", ["last_seen"])
    op.create_index("ix_events_heat", "events", ["heat"])

    op.create_table(
        "crawl_runs", _str("run_id", 200, True), _str("source", 200), _str("spider", 200),
        _time("started_at", False), _time("finished_at"), _str("finish_reason", 64),
        *(_int(name) for name in ("pages", "items_parsed", "items_new", "items_updated", "items_duplicate",
                                  "items_copies", "items_dropped", "errors")),
        _json("error_samples"), _bool("blocked"), _json("blocked_reasons"), _bool("truncated"),
        _text("truncated_reason"), _time("newest_published_at"))
    op.create_index("ix_crawl_runs_source_started_at", "crawl_runs", ["source", "started_at"])

    op.create_table(
        "crawl_watermarks", _str("source", 200, True), _time("newest"), _bool("complete"),
        _time("updated_at", False))
    op.create_table("crawl_seen", _str("post_id", 200, True), sqlite_with_rowid=False)
    op.create_table("crawl_aliases", _str("copy_id", 200, True), _str("original_id", 200), sqlite_with_rowid=False)
    op.create_table(
        "crawl_minhash", _str("post_id", 200, True), sa.Column("signature", sa.LargeBinary, nullable=False))
    op.create_table(
        "crawl_minhash_bands",
        sa.Column("band", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key", sa.BigInteger, primary_key=True, autoincrement=False),
        _str("post_id", 200, True), sqlite_with_rowid=False)

    op.create_table(
        "notify_triggers", _str("trigger_id", 200, True), _str("kind", 64), _text("title"),
        _time("planned_at", False), _int("deliveries"))
    op.create_table(
        "notify_deliveries", _str("trigger_id", 200, True), _str("channel", 64, True), _str("address", 500, True),
        _str("kind", 64), _text("title"), _text("body"), _str("status", 16), _int("attempts"),
        _time("next_attempt_at", False), _text("last_error"), _time("created_at", False), _time("sent_at"))
    op.create_index("ix_notify_deliveries_due", "notify_deliveries", ["status", "next_attempt_at"])

    op.create_table(
        "worker_heartbeat", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("pid", sa.Integer, nullable=True), _str("host", 255), _str("state", 16), _time("started_at"),
        _time("beat_at"), _float("interval_s", True), _time("drill_time"))
    op.create_table(
        "worker_jobs", _str("job_id", 200, True), _time("last_start"), _time("last_end"),
        _float("duration_s", True), sa.Column("outcome", sa.String(16), nullable=True), _text("message"),
        _int("runs"), _int("failures"), _time("next_run"))
    op.create_table(
        "worker_sources", _str("source", 200, True), _bool("healthy"), _text("reason"), _time("at", False))

    # APScheduler 3.11's SQLAlchemyJobStore table, exactly (its own create(checkfirst=True) then does nothing).
    op.create_table(
        "apscheduler_jobs", sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False))
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    for table in ("apscheduler_jobs", "worker_sources", "worker_jobs", "worker_heartbeat", "notify_deliveries",
                  "notify_triggers", "crawl_minhash_bands", "crawl_minhash", "crawl_aliases", "crawl_seen",
                  "crawl_watermarks", "crawl_runs", "events"):
        op.drop_table(table)
