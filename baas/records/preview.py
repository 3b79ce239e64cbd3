"""Rule previews for the dashboard: which of some records a given caller's rules let through.

The conditions are the ones the records API compiles for the same caller (``rule_scope``), so the
preview shows exactly what that caller would be allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.auth.identity import Identity
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.records.caller import Caller
from baas.records.visibility import rule_scope

__all__ = ["allowed_ids", "load_identity"]


async def allowed_ids(
    engine: AsyncEngine, schema: Schema, collection: Collection, caller: Caller, rule_name: str, ids: Sequence[str]
) -> set[str]:
    """The ids among ``ids`` that ``rule_name`` (``listRule``, ``viewRule``, ...) allows ``caller``.

    Rules that read ``@request.body`` see an empty body. Raises the rule language's errors.
    """
    scope = rule_scope(collection, schema, caller, rule_name)
    if scope is None or not ids:
        return set()
    table, where, _extra = scope
    async with engine.connect() as connection:
        rows = await connection.execute(select(table.c.id).where(table.c.id.in_(list(ids)), where))
        return {str(row.id) for row in rows}


async def load_identity(engine: AsyncEngine, collection: Collection, record_id: str) -> Identity | None:
    """An auth record as the rules see a caller signed in as it (no token involved)."""
    if not collection.is_auth:
        return None
    table = collection.table
    async with engine.connect() as connection:
        row = (await connection.execute(select(table).where(table.c.id == record_id))).mappings().first()
    return None if row is None else Identity(collection=collection, record=dict(row), claims={}, token="")
