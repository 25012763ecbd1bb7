"""Schema migrations through Alembic (`ordertrail migrate`); the scripts live in migrations/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str, **engine_options: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    config.attributes["engine_options"] = engine_options
    return config


def upgrade(database_url: str, revision: str = "head", **engine_options: Any) -> None:
    """Bring the database to `revision`. Runs its own event loop: call it outside async code."""
    command.upgrade(alembic_config(database_url, **engine_options), revision)


def autogenerate(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
