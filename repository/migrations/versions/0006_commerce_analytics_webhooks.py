"""commerce and analytics: customer refs, products, orders, analytics results, association rules,
webhook subscriptions and deliveries; per-queue tier boosts

Revision ID: 0006
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # Existing queues get no boosts; the router then ranks every tier alike there.
    op.add_column("queues", sa.Column("tier_boosts", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "customer_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", S(length=120), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index("ix_customer_refs_customer_id", "customer_refs", ["customer_id"])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", S(length=120), nullable=False),
        sa.Column("name", S(length=200), nullable=False),
        sa.Column("category", S(length=120), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", S(length=120), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ordered_at", T(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("currency", S(length=3), nullable=False),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index("ix_orders_customer_date", "orders", ["customer_id", "ordered_at"])
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", S(length=120), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])
    op.create_index("ix_order_lines_product_id", "order_lines", ["product_id"])
    op.create_table(
        "customer_analytics",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tier", S(length=20), nullable=False),
        sa.Column("recency_days", sa.Float(), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary", sa.Float(), nullable=False),
        sa.Column("r_score", sa.Integer(), nullable=False),
        sa.Column("f_score", sa.Integer(), nullable=False),
        sa.Column("m_score", sa.Integer(), nullable=False),
        sa.Column("value_score", sa.Float(), nullable=False),
        sa.Column("churn_flag", sa.Boolean(), nullable=False),
        sa.Column("churn_risk", sa.Float(), nullable=False),
        sa.Column("churn_reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "association_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("antecedents", sa.JSON(), nullable=False),
        sa.Column("consequent", S(length=120), nullable=False),
        sa.Column("support", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        sa.Column("computed_at", T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_association_rules_consequent", "association_rules", ["consequent"])
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", S(length=2000), nullable=False),
        sa.Column("secret", S(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", S(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_type", S(length=60), nullable=False),
        sa.Column("event_key", S(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", S(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", T(), nullable=False),
        sa.Column("locked_until", T(), nullable=True),
        sa.Column("lock_token", S(length=40), nullable=True),
        sa.Column("last_attempt_at", T(), nullable=True),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("last_error", S(length=500), nullable=True),
        sa.Column("delivered_at", T(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "event_key", name="uq_webhook_delivery_event"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_subscription_id", "webhook_deliveries", ["subscription_id"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("association_rules")
    op.drop_table("customer_analytics")
    op.drop_table("order_lines")
    op.drop_table("orders")
    op.drop_table("products")
    op.drop_table("customer_refs")
    with op.batch_alter_table("queues") as batch_op:
        batch_op.drop_column("tier_boosts")
