"""Apply one collection change to the database: metadata row plus table/view DDL, in the caller's
transaction. Database errors become field errors pointing at what caused them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.collections import ddl
from baas.collections.fields import FileField
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.views import ViewQueryError, infer_fields, normalise_query, source_tables, unsafe_functions
from baas.db import tables
from baas.db.tables import DATA_SCHEMA
from baas.errors import FieldError
from baas.files import journal

__all__ = ["SCHEMA_LOCK_KEY", "SyncError", "apply_change", "lock_schema"]

# Serialises collection changes across processes (pg_advisory_xact_lock key).
SCHEMA_LOCK_KEY = 0x62616173_0001


class SyncError(Exception):
    """The database refused the change; ``errors`` are field errors keyed like the collection JSON."""

    def __init__(self, errors: dict[str, Any], message: str = "") -> None:
        self.errors = errors
        self.message = message
        super().__init__(message or str(errors))


async def lock_schema(connection: AsyncConnection) -> None:
    await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def _nest(path: tuple[str, ...], error: FieldError) -> dict[str, Any]:
    """``error`` under ``path``; nothing to blame (e.g. CREATE TABLE) means PocketBase's plain "Raw error"."""
    result: Any = error
    for key in reversed(path):
        result = {key: result}
    return result if isinstance(result, dict) else {}


def _sqlstate(exc: DBAPIError) -> str:
    original = getattr(exc.orig, "__cause__", None) or exc.orig
    return str(getattr(original, "sqlstate", "") or "")


def _reason(exc: DBAPIError) -> str:
    original = getattr(exc.orig, "__cause__", None) or exc.orig
    return str(original).strip().splitlines()[0] if str(original).strip() else "database error"


async def _run(connection: AsyncConnection, statement: ddl.Statement) -> None:
    if statement.check:
        row = (await connection.exec_driver_sql(statement.check)).first()
        if row is not None:
            shown = str(row[0])[:50]
            error = FieldError("validation_field_type_conversion", f"{statement.check_message}: {shown!r}.")
            raise SyncError(_nest(statement.blame, error))
    savepoint = await connection.begin_nested()
    try:
        await connection.exec_driver_sql(statement.sql)
    except DBAPIError as exc:
        await savepoint.rollback()
        raise SyncError(_nest(statement.blame, _translate(statement, exc)), _reason(exc)) from exc
    await savepoint.commit()


def _translate(statement: ddl.Statement, exc: DBAPIError) -> FieldError:
    state, reason = _sqlstate(exc), _reason(exc)
    if statement.blame[:1] == ("indexes",):
        return FieldError("validation_invalid_index_expression", f"Failed to create index - {reason}.")
    if statement.blame[-1:] == ("type",) or state.startswith("22"):
        what = statement.check_message or "Cannot convert the existing values"
        return FieldError("validation_field_type_conversion", f"{what} - {reason}.")
    if state == "23503":
        return FieldError("validation_missing_rel_records", f"Existing values do not match the relation - {reason}.")
    return FieldError("validation_invalid_schema_change", f"{reason}.")


async def _write_definition(connection: AsyncConnection, collection: Collection, is_new: bool) -> None:
    definition = collection.to_json(include_secrets=True)
    definition.pop("created", None)
    definition.pop("updated", None)
    values = {
        "name": collection.name,
        "type": collection.type,
        "system": collection.system,
        "definition": json.loads(json.dumps(definition)),
    }
    if is_new:
        # clock_timestamp(): collections created in one transaction keep their creation order.
        moment = text("clock_timestamp()")
        await connection.execute(
            insert(tables.collections).values(id=collection.id, created=moment, updated=moment, **values)
        )
    else:
        await connection.execute(
            update(tables.collections)
            .where(tables.collections.c.id == collection.id)
            .values(**values, updated=text("now()"))
        )


async def _create_view(connection: AsyncConnection, candidate: Collection, schema: Schema) -> None:
    query = normalise_query(candidate.view_query)
    if not query:
        raise SyncError(
            {
                "viewQuery": FieldError("validation_required", "Cannot be blank."),
                "fields": FieldError("validation_required", "Cannot be blank."),
            }
        )
    await connection.exec_driver_sql(f"SET LOCAL search_path = {DATA_SCHEMA}, pg_catalog")
    try:
        try:
            await _run(connection, ddl.create_view(candidate.name, query))
        except SyncError as exc:
            raise _view_error(exc.message or "invalid query") from exc
        try:
            sources = await source_tables(connection, candidate.name)
        except ViewQueryError as exc:
            raise _view_error(str(exc)) from exc
        outside = [f"{s}.{t}" for s, t in sources if s != DATA_SCHEMA]
        if outside:
            raise _view_error(f"views can only read collections, not {outside[0]}")
        forbidden = await unsafe_functions(connection, candidate.name)
        if forbidden:
            raise _view_error(f"views may not call {forbidden[0]}()")
        try:
            candidate.fields = await infer_fields(connection, query, schema, [t for _, t in sources])
        except ViewQueryError as exc:
            raise _view_error(str(exc)) from exc
    finally:
        await connection.exec_driver_sql("SET LOCAL search_path TO DEFAULT")


def _view_error(message: str) -> SyncError:
    if "multiple commands" in message:
        message = "multiple statements are not supported."
    text_message = message if message.endswith(".") else message + "."
    missing_id = "missing required id" in message
    return SyncError(
        {
            "fields": FieldError("validation_missing_primary_key", 'Missing or invalid "id" PK field.')
            if missing_id
            else FieldError("validation_required", "Cannot be blank."),
            "viewQuery": FieldError("validation_invalid_view_query", f"Invalid query - {text_message}"),
        }
    )


async def _doom_dropped_files(connection: AsyncConnection, old: Collection | None, new: Collection | None) -> None:
    """The stored files of file fields that go (removed, turned into another type, or with their
    collection) are doomed in this transaction: deleted after it commits, kept if it fails."""
    if old is None or old.is_view:
        return
    kept = {item.id for item in new.fields if isinstance(item, FileField)} if new is not None else set()
    for item in old.fields:
        if isinstance(item, FileField) and item.id not in kept:
            await journal.doom_column(connection, old.id, old.table, item.name, item.is_multiple)


async def apply_change(
    connection: AsyncConnection,
    old: Collection | None,
    new: Collection | None,
    old_schema: Schema,
    new_schema: Schema,
) -> None:
    """Create (old None), update, or delete (new None) one collection, metadata and storage."""
    await _doom_dropped_files(connection, old, new)
    if new is None:
        assert old is not None
        await connection.execute(delete(tables.collections).where(tables.collections.c.id == old.id))
        await _run(connection, ddl.drop_view(old) if old.is_view else ddl.drop_table(old))
        return
    if new.is_view:
        if old is not None:
            await _run(connection, ddl.drop_view(old))
        await _create_view(connection, new, new_schema)
    elif old is None:
        for statement in ddl.create_table(new, new_schema):
            await _run(connection, statement)
    else:
        try:
            statements = ddl.alter_table(old, new, old_schema, new_schema)
        except ddl.ConversionRefusedError as exc:
            error = FieldError("validation_field_type_conversion", str(exc))
            raise SyncError(_nest(("fields", str(exc.position), "type"), error)) from exc
        for statement in statements:
            await _run(connection, statement)
    await _write_definition(connection, new, is_new=old is None)
