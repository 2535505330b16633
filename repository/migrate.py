"""Schema changes go through Alembic, from the first version on."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an INI file underneath: a literal % must be doubled.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database at ``database_url`` up to ``revision`` (default: every head).

    Features add their tables as branches off the core schema, so "heads", not
    "head": each branch is applied, whatever order they were written in.
    """
    from repository.db import normalise_url

    command.upgrade(alembic_config(normalise_url(database_url)), revision)
