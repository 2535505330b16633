"""search index: FTS5 tables on SQLite, tsvector + GIN tables on PostgreSQL

Revision ID: 0003
Revises: 0001

The index tables are not SQLModel models (an FTS5 virtual table cannot be one), so
they are created here by hand and ignored by autogenerate (repository/search/index.py
``include_name``). Existing messages and customers are indexed on the way up.
"""

from alembic import op

from repository.search import index as search_index

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    search_index.create_tables(conn)
    search_index.rebuild(conn)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_events")
    op.execute("DROP TABLE IF EXISTS search_customers")
