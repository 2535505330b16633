"""business hours, time zone and holidays per queue

Revision ID: 0018
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_hours",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.JSON(), nullable=False),
        sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"]),
        sa.PrimaryKeyConstraint("queue_id"),
    )


def downgrade() -> None:
    op.drop_table("queue_hours")
