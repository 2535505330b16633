"""supervision: agent state log, supervisor audit log, per-queue service levels

Revision ID: 0007
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("cause", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_state_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_state_changes_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_state_changes_at"), ["at"], unique=False)

    op.create_table(
        "supervisor_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["supervisor_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supervisor_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervisor_actions_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supervisor_actions_supervisor_id"), ["supervisor_id"], unique=False
        )

    op.create_table(
        "queue_service_levels",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("threshold_seconds", sa.Integer(), nullable=False),
        sa.Column("target_percent", sa.Float(), nullable=False),
        sa.Column("formula", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("short_abandon_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"]),
        sa.PrimaryKeyConstraint("queue_id"),
    )


def downgrade() -> None:
    op.drop_table("queue_service_levels")
    with op.batch_alter_table("supervisor_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervisor_actions_supervisor_id"))
        batch_op.drop_index(batch_op.f("ix_supervisor_actions_at"))
    op.drop_table("supervisor_actions")
    with op.batch_alter_table("agent_state_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_state_changes_at"))
        batch_op.drop_index(batch_op.f("ix_agent_state_changes_agent_id"))
    op.drop_table("agent_state_changes")
