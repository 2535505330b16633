"""pending and snoozed: an active interaction set aside until the customer answers or a time

Revision ID: 0017e
Revises: 0017d
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017e"
down_revision = "0017d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.add_column(
            sa.Column("pending_reason", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.add_column(sa.Column("pending_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index("ix_interactions_snoozed_until", "interactions", ["snoozed_until"])


def downgrade() -> None:
    op.drop_index("ix_interactions_snoozed_until", table_name="interactions")
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("pending_since")
        batch_op.drop_column("pending_reason")
