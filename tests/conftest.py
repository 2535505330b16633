"""Shared fixtures: settings, a migrated store on every backend, a bus on every backend.

``db`` and ``bus`` are parametrised, so a test that uses them runs on SQLite and
PostgreSQL, on memory:// and Redis. Real services come from TEST_DATABASE_URL and
TEST_REDIS_URL, or are started privately (see tests/services.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# argon2's cheapest parameters for the whole run, servers started by tests included
# (repository/directory/passwords.py); set before anything hashes a password.
os.environ.setdefault("ARGON2_PROFILE", "test")

from config import Settings, load_settings  # noqa: E402
from contact_center.bus import Bus, create_bus
from repository import Database, upgrade
from tests.live import WEBCHAT_LIMITS_OFF
from tests.services import PrivatePostgres, PrivateRedis, create_database, drop_database


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        server = PrivatePostgres()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no PostgreSQL: set TEST_DATABASE_URL or install postgresql ({exc})")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    try:
        server = PrivateRedis()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no Redis: set TEST_REDIS_URL or install redis-server ({exc})")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to every head, once per run; tests get copies of it.

    Alembic takes about a second to apply every migration and a tenth of that to see a
    database is already at head, so a copy makes every SQLite test's store (and every
    app's start-up check) cheap. The migration tests themselves start from empty files.
    """
    path = tmp_path_factory.mktemp("migrated") / "ccr.db"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:  # everything into the main file, none left in a WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_migrated(template: Path, target: Path) -> str:
    """A migrated, empty SQLite store at ``target`` (a copy of the run's template); its URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def make_settings(tmp_path: Path, migrated_sqlite: Path) -> Callable[..., Settings]:
    """Settings for a test, with a private data dir; keyword overrides are env vars.

    The default store is a copy of the migrated template, so the app's start-up
    migration finds it at head."""

    def make(**env: str) -> Settings:
        if "DATABASE_URL" not in env and not (tmp_path / "data" / "cc.db").exists():
            copy_migrated(migrated_sqlite, tmp_path / "data" / "cc.db")
        base = {
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'cc.db'}",
            "BUS_URL": "memory://",
            **WEBCHAT_LIMITS_OFF,
        }
        base.update(env)
        return load_settings(environ=base, env_file=None)

    return make


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: str) -> Iterator[str]:
    """One migrated PostgreSQL database for the session; tests get it emptied."""
    url, name = create_database(postgres_server)
    upgrade(url)
    yield url
    drop_database(postgres_server, name)


def _empty_postgres(url: str) -> None:
    import psycopg
    from sqlmodel import SQLModel

    import repository.schema  # noqa: F401  (registers every table)

    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store URL on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield copy_migrated(request.getfixturevalue("migrated_sqlite"), tmp_path / "ccr.db")
        return
    url = request.getfixturevalue("migrated_postgres")
    # Emptying one migrated database is ~50x faster than creating one per test.
    _empty_postgres(url)
    yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new database with no schema at all, for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url, name = create_database(server)
    yield url
    drop_database(server, name)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated, empty store on SQLite and on PostgreSQL."""
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    """A connected bus on memory:// and on a real Redis (a private stream per test)."""
    if request.param == "memory":
        instance = create_bus("memory://")
    else:
        import uuid

        from contact_center.bus.redis import RedisBus

        instance = RedisBus(request.getfixturevalue("redis_url"), stream=f"cc:test:{uuid.uuid4().hex}")
    await instance.connect()
    yield instance
    if request.param == "redis":
        await instance.client.delete(instance.stream)  # type: ignore[attr-defined]
    await instance.disconnect()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium (tests/chromium.py)."""
    from tests.chromium import launch

    async with launch() as instance:
        yield instance
