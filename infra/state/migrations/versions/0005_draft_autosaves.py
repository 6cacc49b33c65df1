"""Unsaved release text kept per person (autosave), so a reload of the console loses nothing.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft_autosaves",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("release_id", sa.String(200), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_draft_autosaves_release_id", "draft_autosaves", ["release_id"])


def downgrade() -> None:
    op.drop_index("ix_draft_autosaves_release_id", table_name="draft_autosaves")
    op.drop_table("draft_autosaves")
