"""Migrations: ``repository.upgrade`` builds the whole schema the models describe, idempotently."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import repository.schema  # noqa: F401  (registers every table)
from repository import Database, upgrade
from repository.core.models import Customer, Interaction, Queue
from repository.migrate import alembic_config
from repository.search.index import include_name


def head_revisions() -> set[str]:
    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    assert heads
    return heads


def test_upgrade_on_an_empty_database_creates_every_table_the_models_declare(empty_database_url: str) -> None:
    upgrade(empty_database_url)

    db = Database(empty_database_url)
    try:
        inspector = inspect(db.engine)
        tables = set(inspector.get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        for name, table in SQLModel.metadata.tables.items():
            columns = {c["name"] for c in inspector.get_columns(name)}
            assert columns == {c.name for c in table.columns}, name
        with db.engine.connect() as conn:
            assert (
                set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
                == head_revisions()
            )
    finally:
        db.dispose()


def test_the_migrations_match_the_models_exactly(empty_database_url: str) -> None:
    """Nothing a model declares (column, type, index, constraint) is missing from the migrations."""
    upgrade(empty_database_url)

    db = Database(empty_database_url)
    try:
        with db.engine.connect() as conn:
            # The search index tables are not models (FTS5 / tsvector, see repository/search/index.py).
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        db.dispose()

    assert diff == []


def test_the_schema_allows_one_live_interaction_per_thread_but_any_number_of_ended_ones(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url)
    db = Database(empty_database_url)

    def add(status: str) -> None:
        with db.write() as session:
            session.add(Interaction(customer_id=customer_id, channel="chat", thread_key="t-1", status=status))

    try:
        with db.write() as session:
            customer = Customer()
            session.add(customer)
            session.flush()
            customer_id: int = customer.id  # type: ignore[assignment]
        add("closed")
        add("closed")
        add("wrapup")
        add("queued")
        for live in ("queued", "offered", "active"):
            with pytest.raises(IntegrityError):
                add(live)
    finally:
        db.dispose()


def test_running_upgrade_twice_changes_nothing_and_keeps_the_data(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    db = Database(empty_database_url)
    try:
        with db.write() as session:
            session.add(Queue(name="support"))
        before = set(inspect(db.engine).get_table_names())

        upgrade(empty_database_url)

        db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) == before
        with db.read() as session:
            assert [q.name for q in session.query(Queue).all()] == ["support"]
        with db.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert set(versions) == head_revisions()
    finally:
        db.dispose()
