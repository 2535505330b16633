"""SLA policies and marks, queue overflow and minimum skill level, agent skill levels

Revision ID: 0019_sla
Revises: every head at the time (a merge point)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019_sla"
down_revision = (
    "0002",
    "0003",
    "0006",
    "0007",
    "0010",
    "0011",
    "0012",
    "0013",
    "0014",
    "0016",
    "0017e",
    "0018",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queues") as batch_op:
        batch_op.add_column(sa.Column("overflow_queue_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_wait_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("overflow_when_unstaffed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("widened_skills", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("min_skill_level", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key("fk_queues_overflow_queue_id", "queues", ["overflow_queue_id"], ["id"])
    with op.batch_alter_table("agents") as batch_op:
        batch_op.add_column(sa.Column("skill_levels", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.add_column(sa.Column("sla_status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.add_column(sa.Column("sla_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("overflowed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("skills_widened", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("resolution_seconds", sa.Integer(), nullable=True),
        sa.Column("warning_percent", sa.Integer(), nullable=False),
        sa.Column("business_hours_only", sa.Boolean(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("priority_step", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sla_policies_queue_id", "sla_policies", ["queue_id"])
    op.create_table(
        "sla_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interaction_id", "target", "stage", name="uq_sla_mark"),
    )
    op.create_index("ix_sla_marks_interaction_id", "sla_marks", ["interaction_id"])


def downgrade() -> None:
    op.drop_index("ix_sla_marks_interaction_id", table_name="sla_marks")
    op.drop_table("sla_marks")
    op.drop_index("ix_sla_policies_queue_id", table_name="sla_policies")
    op.drop_table("sla_policies")
    with op.batch_alter_table("interactions") as batch_op:
        for column in ("skills_widened", "overflowed_at", "sla_due_at", "sla_status"):
            batch_op.drop_column(column)
    with op.batch_alter_table("agents") as batch_op:
        batch_op.drop_column("skill_levels")
    with op.batch_alter_table("queues") as batch_op:
        batch_op.drop_constraint("fk_queues_overflow_queue_id", type_="foreignkey")
        for column in ("min_skill_level", "widened_skills", "overflow_when_unstaffed", "max_wait_seconds"):
            batch_op.drop_column(column)
        batch_op.drop_column("overflow_queue_id")
