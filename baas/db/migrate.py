"""Apply the system migrations (Alembic, schema ``baas``) over an existing async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["migrations_dir", "upgrade"]

# Serialises concurrent `baas serve`/`baas migrate` processes on one database.
_MIGRATION_LOCK = 0x62616173


def migrations_dir() -> Path:
    """``migrations/`` in a source checkout, ``baas/_migrations`` in an installed wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "migrations", package / "_migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise RuntimeError("the migrations directory is missing from this installation")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    return config


def _upgrade(connection: Connection) -> None:
    connection.execute(text("CREATE SCHEMA IF NOT EXISTS baas"))
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring schema ``baas`` to the newest revision, in one transaction."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
