"""logged contacts: an interaction's category (calls, visits and letters recorded by hand)

Revision ID: 0017b
Revises: 0017
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017b"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.add_column(sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
    op.create_index("ix_interactions_category", "interactions", ["category"])


def downgrade() -> None:
    op.drop_index("ix_interactions_category", table_name="interactions")
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.drop_column("category")
