"""Crawl runs record format drift (格式异常): a flag, the reason and a bounded sample of the page that yielded
nothing (``core.crawl_health.CrawlRun.format_drift``). Runs recorded before are not drift.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("format_drift", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("drift_reason", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("drift_sample", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        for name in ("drift_sample", "drift_reason", "format_drift"):
            batch.drop_column(name)
