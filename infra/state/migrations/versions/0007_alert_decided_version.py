"""Alerts keep the version at which a person last changed what a reviewer decides on
(``core.workflow.model.Alert.decided_version``): the worker's refresh of an alert's heat and posts no longer
refuses a reviewer's confirmation as "modified by someone else". Existing alerts start at their version.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("decided_version", sa.Integer, nullable=False, server_default="1"))
    op.execute("UPDATE alerts SET decided_version = version")


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("decided_version")
