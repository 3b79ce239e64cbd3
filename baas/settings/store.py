"""Loading and saving the settings document (``baas.settings``, key ``app``), cached per process."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from baas.db import tables
from baas.db.notify import publish
from baas.errors import BadRequestError, ValidationError
from baas.settings.model import InvalidSettingsError, default_settings, merge_settings, validate_settings

__all__ = ["SETTINGS_TOPIC", "SettingsStore"]

SETTINGS_TOPIC = "settings"
_KEY = "app"


class SettingsStore:
    """The current settings of this process; reloaded when any process saves them."""

    def __init__(self) -> None:
        self.current: dict[str, Any] = default_settings()
        self._lock = asyncio.Lock()

    async def reload(self, engine: AsyncEngine) -> dict[str, Any]:
        async with self._lock:
            async with engine.connect() as connection:
                self.current = await _load(connection)
            return self.current

    async def update(self, engine: AsyncEngine, body: Any) -> dict[str, Any]:
        if not isinstance(body, Mapping):
            raise BadRequestError("An error occurred while loading the submitted data.")
        async with engine.begin() as connection:
            # Serialise concurrent PATCHes: each merges over the latest stored document.
            await connection.execute(
                select(tables.settings.c.key).where(tables.settings.c.key == _KEY).with_for_update()
            )
            stored = await _load(connection)
            try:
                merged = merge_settings(stored, body)
            except InvalidSettingsError as exc:
                raise BadRequestError("An error occurred while loading the submitted data.") from exc
            errors = validate_settings(merged)
            if errors:
                raise ValidationError(errors, "An error occurred while saving the new settings.")
            statement = insert(tables.settings).values(key=_KEY, value=merged)
            await connection.execute(
                statement.on_conflict_do_update(index_elements=["key"], set_={"value": merged, "updated": func.now()})
            )
            await publish(connection, SETTINGS_TOPIC)
        return await self.reload(engine)


async def _load(connection: AsyncConnection) -> dict[str, Any]:
    row = (await connection.execute(select(tables.settings.c.value).where(tables.settings.c.key == _KEY))).first()
    defaults = default_settings()
    if row is None:
        return defaults
    # Settings saved by an older version may miss newer keys.
    return merge_settings(defaults, row.value)
