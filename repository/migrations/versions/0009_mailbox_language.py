"""email: the language of a mailbox's acknowledgements (when the customer's mail does not say)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_mailboxes") as batch:
        batch.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default="en")
        )


def downgrade() -> None:
    with op.batch_alter_table("email_mailboxes") as batch:
        batch.drop_column("language")
