"""Settings read from the environment: an empty value means the default, not a crash."""

from __future__ import annotations

from pathlib import Path

from config.settings import load_settings


def test_empty_database_and_bus_urls_mean_the_embedded_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": "", "BUS_URL": "", "SECRET_KEY": ""}, env_file=None
    )
    assert settings.database_url == f"sqlite:///{tmp_path / 'contact_center.db'}"
    assert settings.bus_url == "memory://"
    assert str(settings.secret_key)  # generated and kept under DATA_DIR


def test_set_urls_are_kept(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://cc@db/cc",
            "BUS_URL": "redis://cache:6379/0",
        },
        env_file=None,
    )
    assert (settings.database_url, settings.bus_url) == ("postgresql://cc@db/cc", "redis://cache:6379/0")
