"""Claims: one row per one-time action (publishing a release on a channel) committed before the action is taken,
so that two people publishing the same release at once send it once (issue 12, item 5).

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims", sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_table("claims")
