"""email: what a human decided about a quarantined mail (released as which event, or deleted)

Revision ID: 0013
Revises: 0009
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_quarantine") as batch:
        batch.add_column(sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch.add_column(sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch.create_index("ix_email_quarantine_open", ["mailbox_id", "resolved"])


def downgrade() -> None:
    with op.batch_alter_table("email_quarantine") as batch:
        batch.drop_index("ix_email_quarantine_open")
        batch.drop_column("event_id")
        batch.drop_column("resolved_by")
        batch.drop_column("resolved_at")
        batch.drop_column("resolution")
