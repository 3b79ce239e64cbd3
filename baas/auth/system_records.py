"""Rows of the system collections that auth keeps its state in (``_otps``, ``_mfas``, ``_authOrigins``).

They are ordinary collections (tables in schema ``data``); auth writes them directly, without the
record API's rules, because only the server creates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from baas import dates
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.ids import new_record_id

__all__ = ["delete_row", "find_row", "insert_row", "is_expired", "system_collection"]


def system_collection(schema: Schema, name: str) -> Collection:
    collection = schema.find(name)
    if collection is None:
        raise RuntimeError(f"the system collection {name} is missing")
    return collection


async def insert_row(connection: AsyncConnection, collection: Collection, values: Mapping[str, Any]) -> dict[str, Any]:
    now = dates.now()
    row = {"id": new_record_id(), "created": now, "updated": now, **values}
    table = collection.table
    stored = await connection.execute(insert(table).values(row).returning(*table.c))
    return dict(stored.mappings().one())


async def find_row(
    connection: AsyncConnection, collection: Collection, row_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    """The row, or None; ``lock`` holds it until the transaction ends, so that a concurrent request
    using the same one-time row (an OTP, an MFA session) waits and then finds it gone."""
    table = collection.table
    query = select(table).where(table.c.id == row_id)
    found = await connection.execute(query.with_for_update() if lock else query)
    row = found.mappings().first()
    return dict(row) if row is not None else None


async def delete_row(connection: AsyncConnection, collection: Collection, row_id: str) -> None:
    table = collection.table
    await connection.execute(delete(table).where(table.c.id == row_id))


def is_expired(row: Mapping[str, Any], seconds: int) -> bool:
    created = row.get("created")
    return created is None or dates.now() - created > timedelta(seconds=seconds)
