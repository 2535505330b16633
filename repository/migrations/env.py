"""Alembic environment: runs against the URL the product was configured with."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import repository.schema  # noqa: F401  (registers every table on SQLModel.metadata)
from repository.db import create_db_engine
from repository.search.index import include_name

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            # The search index tables are built by hand (FTS5 / tsvector), not from models.
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
