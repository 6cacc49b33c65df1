"""Logins resist guessing and end with a password change: failed logins are counted per username and per
client (``login_throttle``), and each user has a session epoch that a password change or reset raises;
a session records the epoch it began in.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))
    op.add_column("sessions", sa.Column("epoch", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("login_throttle")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("epoch")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
