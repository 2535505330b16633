"""labels and custom fields on customers and interactions

Revision ID: 0017c
Revises: 0017b
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017c"
down_revision = "0017b"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_when = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _str(length=60), nullable=False),
        sa.Column("colour", _str(length=7), nullable=False),
        sa.Column("description", _str(length=200), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "label_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("target", _str(length=12), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label_id", "target", "target_id", name="uq_label_link"),
    )
    op.create_index("ix_label_links_label_id", "label_links", ["label_id"])
    op.create_index("ix_label_links_target", "label_links", ["target", "target_id"])
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", _str(length=12), nullable=False),
        sa.Column("key", _str(length=40), nullable=False),
        sa.Column("name", _str(length=80), nullable=False),
        sa.Column("type", _str(length=10), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target", "key", name="uq_custom_field_key"),
    )
    op.create_table(
        "custom_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(["field_id"], ["custom_fields.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("field_id", "target_id", name="uq_custom_value"),
    )
    op.create_index("ix_custom_values_field_id", "custom_values", ["field_id"])
    op.create_index("ix_custom_values_target_id", "custom_values", ["target_id"])


def downgrade() -> None:
    op.drop_table("custom_values")
    op.drop_table("custom_fields")
    op.drop_index("ix_label_links_target", table_name="label_links")
    op.drop_index("ix_label_links_label_id", table_name="label_links")
    op.drop_table("label_links")
    op.drop_table("labels")
