"""First start of a database: system migrations, then the system collections (once)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.collections.service import install_system_collections
from baas.db import tables
from baas.db.migrate import upgrade

__all__ = ["prepare_database"]

_MARKER = "_installed"


async def prepare_database(engine: AsyncEngine) -> bool:
    """Migrate and install the system collections; True if this call installed them."""
    await upgrade(engine)
    async with engine.begin() as connection:
        from baas.collections.sync import lock_schema

        await lock_schema(connection)
        marker = select(tables.settings.c.key).where(tables.settings.c.key == _MARKER)
        if (await connection.execute(marker)).first() is not None:
            return False
        await install_system_collections(connection)
        await connection.execute(insert(tables.settings).values(key=_MARKER, value=True).on_conflict_do_nothing())
    return True
