"""email: one polling node per mailbox (lease with expiry, last health)

Revision ID: 0008
Revises: 0004

Passwords stored in plain text by 0004-era code are sealed by the running channel at
start-up (``repository.email.secrets.seal_stored_passwords``), not here: the key is
derived from SECRET_KEY, which migrations do not see.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_poll_leases",
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("health", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["email_mailboxes.id"]),
        sa.PrimaryKeyConstraint("mailbox_id"),
    )


def downgrade() -> None:
    op.drop_table("email_poll_leases")
