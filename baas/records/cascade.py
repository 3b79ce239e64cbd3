"""Deleting records and what points at them: cascade deletes, cleared references, refusals.

For every relation field that references the deleted records: ``cascadeDelete`` deletes the
referencing records too (recursively); otherwise the reference is removed, unless the field is
required and would become empty, which refuses the whole deletion. Every deleted record's files are
doomed in the same transaction (deleted from storage after the commit, by the request or the sweep).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, literal, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import Text

from baas.collections.model import Collection
from baas.collections.registry import CollectionRegistry, Schema
from baas.collections.scaffolds import SUPERUSERS
from baas.collections.service import find_or_404
from baas.errors import BadRequestError
from baas.files import journal
from baas.records.attachments import file_keys

__all__ = [
    "DeletedRecord",
    "LastSuperuserError",
    "RequiredReferenceError",
    "delete_where",
    "ensure_a_superuser_remains",
    "truncate_collection",
]


@dataclass(frozen=True)
class DeletedRecord:
    collection: Collection
    row: dict[str, Any]


class RequiredReferenceError(BadRequestError):
    default_message = "Failed to delete record. Make sure that the record is not part of a required relation reference."


async def delete_where(
    connection: AsyncConnection, schema: Schema, collection: Collection, condition: ColumnElement[bool]
) -> list[DeletedRecord]:
    """Delete the matching rows of ``collection`` and follow relations; returns everything deleted."""
    table = collection.table
    rows = (await connection.execute(delete(table).where(condition).returning(*table.c))).mappings().all()
    deleted = [DeletedRecord(collection, dict(row)) for row in rows]
    # Their files go once this transaction commits (baas.files.journal).
    await journal.doom(connection, [key for row in rows for key in file_keys(collection, dict(row))])
    ids = [row["id"] for row in rows]
    if not ids:
        return deleted
    for referrer, field_name in schema.references_to(collection.id):
        if referrer.is_view:
            continue
        deleted += await _follow(connection, schema, referrer, field_name, ids)
    return deleted


async def _follow(
    connection: AsyncConnection, schema: Schema, referrer: Collection, field_name: str, ids: list[str]
) -> list[DeletedRecord]:
    field = referrer.get_field(field_name)
    assert field is not None
    column = referrer.table.c[field_name]
    id_array = array([literal(i, Text()) for i in ids]) if len(ids) < 1000 else literal(ids, ARRAY(Text()))
    if field.is_multiple:
        points_here = column.op("&&")(id_array)
        emptied: ColumnElement[bool] = column.op("<@")(id_array)
    else:
        points_here = column.in_(ids)
        emptied = true()
    if getattr(field, "cascadeDelete", False):
        return await delete_where(connection, schema, referrer, points_here)
    if field.required:
        blocked = select(literal(1)).select_from(referrer.table).where(and_(points_here, emptied)).limit(1)
        if (await connection.execute(blocked)).first() is not None:
            raise RequiredReferenceError()
    if field.is_multiple:
        element = func.unnest(column).table_valued("value").render_derived()
        kept = select(func.array_agg(element.c.value)).where(element.c.value.not_in(ids)).scalar_subquery()
        empty = literal([], ARRAY(Text()))
        await connection.execute(
            update(referrer.table).where(points_here).values({field_name: func.coalesce(kept, empty)})
        )
    else:
        await connection.execute(update(referrer.table).where(points_here).values({field_name: None}))
    return []


class LastSuperuserError(BadRequestError):
    default_message = "The last superuser cannot be deleted."


async def ensure_a_superuser_remains(connection: AsyncConnection, schema: Schema) -> None:
    """Refuse (and so roll back) a deletion that would leave no superuser: nobody could manage the server."""
    superusers = schema.find(SUPERUSERS)
    if superusers is None:
        return
    table = superusers.table
    if (await connection.execute(select(literal(1)).select_from(table).limit(1))).first() is None:
        raise LastSuperuserError()


async def truncate_collection(engine: AsyncEngine, registry: CollectionRegistry, id_or_name: str) -> None:
    collection = find_or_404(registry.schema, id_or_name)
    if collection.is_view:
        raise BadRequestError("View collections cannot be truncated since they don't store their own records.")
    async with engine.begin() as connection:
        try:
            await delete_where(connection, registry.schema, collection, true())
            await ensure_a_superuser_remains(connection, registry.schema)
        except (RequiredReferenceError, LastSuperuserError) as exc:
            raise BadRequestError(
                "Failed to truncate collection (most likely due to required cascade delete record references)."
            ) from exc
