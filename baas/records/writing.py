"""Writing records: create, update, delete — each one transaction, rules checked in the same
statement (or under the row lock) as the write, events published only after commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, cast, func, insert, literal, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import FromClause

from baas.auth.passwords import PasswordHasher
from baas.collections.fields import Field
from baas.collections.fields.relation import RelationField, missing_records_error
from baas.collections.indexes import InvalidIndexError, parse_index
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.errors import BadRequestError, FieldError, ForbiddenError, NotFoundError, ValidationError
from baas.events import RecordEvent
from baas.records.attachments import FileChanges, check_files, doom_removed, file_keys
from baas.records.caller import Caller
from baas.records.cascade import delete_where, ensure_a_superuser_remains
from baas.records.draft import Draft, build_draft
from baas.records.reading import SUPERUSERS_ONLY
from baas.records.visibility import CAN_MANAGE, rule_condition

__all__ = ["CREATE_FAILED", "UPDATE_FAILED", "candidate_table", "create_record", "delete_record", "update_record"]

CREATE_FAILED = "Failed to create record."
UPDATE_FAILED = "Failed to update record."
UNSUPPORTED = "Unsupported collection type."


def _writable(collection: Collection, caller: Caller, rule_name: str) -> str | None:
    if collection.is_view:
        raise BadRequestError(UNSUPPORTED)
    rule = collection.rules[rule_name]
    if rule is None and not caller.is_superuser:
        raise ForbiddenError(SUPERUSERS_ONLY)
    return rule


def _bind(item: Field, value: Any) -> ColumnElement[Any]:
    """A typed bind parameter; None is SQL NULL (also for json fields, not JSON ``null``)."""
    if value is None:
        return cast(null(), item.sql_type())
    return cast(literal(value, item.sql_type()), item.sql_type())


def candidate_table(collection: Collection, row: Mapping[str, Any]) -> FromClause:
    """A row not (or no longer) in the table, as a one-row derived table named like the collection, for
    rules to query: the record about to be created, or one as an event carries it (realtime)."""
    columns = [_bind(item, row.get(item.name)).label(item.name) for item in collection.fields]
    columns.append(cast(null(), BigInteger()).label("_rowid"))
    return select(*columns).subquery(collection.name)


async def _can_manage(
    connection: AsyncConnection, collection: Collection, schema: Schema, caller: Caller, record_id: str
) -> bool:
    if caller.is_superuser:
        return True
    rule = collection.auth_options.get("manageRule") if collection.is_auth else None
    if rule is None:
        return False
    table = collection.table
    condition = rule_condition(collection, schema, caller, rule, table)
    found = await connection.execute(select(literal(1)).select_from(table).where(table.c.id == record_id, condition))
    return found.first() is not None


async def _check_relations(
    connection: AsyncConnection,
    collection: Collection,
    schema: Schema,
    draft: Draft,
    previous: Mapping[str, Any] | None,
) -> None:
    for item in collection.fields:
        if not isinstance(item, RelationField) or item.name in draft.errors:
            continue
        ids = item.ids(draft.row.get(item.name))
        if previous is not None and ids == item.ids(previous.get(item.name)):
            continue
        target = schema.find(item.collectionId)
        if not ids:
            continue
        if target is None:
            draft.fail(item.name, missing_records_error())
            continue
        table = target.table
        found = await connection.execute(select(func.count()).select_from(table).where(table.c.id.in_(set(ids))))
        if int(found.scalar_one()) != len(set(ids)):
            draft.fail(item.name, missing_records_error())


async def _check_identity_id(connection: AsyncConnection, collection: Collection, schema: Schema, draft: Draft) -> None:
    """A chosen id must not be the id of a record in another auth collection.

    Rules usually compare ids only (``id = @request.auth.id``), so a record sharing another auth
    collection's id would be taken for it. (A deliberate difference: PocketBase allows it.)
    """
    record_id = draft.row.get("id")
    if not record_id or "id" in draft.errors:
        return
    for other in schema:
        if other.is_auth and other.id != collection.id:
            table = other.table
            found = await connection.execute(select(literal(1)).select_from(table).where(table.c.id == record_id))
            if found.first() is not None:
                draft.fail("id", FieldError("validation_not_unique", "Value must be unique."))
                return


def _auth_permissions(collection: Collection, draft: Draft, previous: Mapping[str, Any] | None, manager: bool) -> None:
    """Only managers (superusers, manageRule) may set ``verified`` or change an existing email."""
    if not collection.is_auth or manager:
        return
    if "verified" in draft.changed and (previous is not None or draft.row.get("verified")):
        draft.fail("verified", FieldError("validation_values_mismatch", "Values don't match."))
    if previous is not None and "email" in draft.changed:
        draft.fail("email", FieldError("validation_values_mismatch", "Values don't match."))


async def _finish_password(
    hasher: PasswordHasher, collection: Collection, draft: Draft, previous: Mapping[str, Any] | None, manager: bool
) -> None:
    if not collection.is_auth or draft.new_password is None or draft.errors:
        return
    if previous is not None and not manager:
        # Changing one's own password needs the old one (PocketBase's codes for missing and wrong).
        if not draft.old_password:
            draft.fail("oldPassword", FieldError("validation_required", "Cannot be blank."))
            return
        if not await hasher.verify(previous.get("password"), draft.old_password):
            draft.fail("oldPassword", FieldError("validation_invalid_old_password", "Missing or invalid old password."))
            return
    draft.row["password"] = await hasher.hash(draft.new_password)


def _unique_violation(collection: Collection, exc: IntegrityError) -> ValidationError | None:
    original = getattr(exc.orig, "__cause__", None) or exc.orig
    if getattr(original, "sqlstate", "") != "23505":
        return None
    constraint = getattr(original, "constraint_name", "") or ""
    field_name = "id"
    for text in collection.indexes:
        try:
            index = parse_index(text)
        except InvalidIndexError:
            continue
        if index.name == constraint and index.columns:
            field_name = index.columns[0].name
    return ValidationError({field_name: FieldError("validation_not_unique", "Value must be unique.")})


async def create_record(
    connection: AsyncConnection,
    schema: Schema,
    hasher: PasswordHasher,
    collection: Collection,
    caller: Caller,
    values: Mapping[str, Any],
    *,
    files: FileChanges | None = None,
) -> tuple[dict[str, Any], list[RecordEvent]]:
    """Insert a record (in the caller's transaction); returns the stored row and its event.

    ``files``: the request's uploads, already staged under ``files.record_id`` (which the record gets).
    """
    rule = _writable(collection, caller, "createRule")
    draft = build_draft(collection, None, values, is_superuser=caller.is_superuser)
    if files is not None and files.record_id:
        draft.row["id"] = files.record_id
    manager = caller.is_superuser
    _auth_permissions(collection, draft, None, manager)
    await _check_relations(connection, collection, schema, draft, None)
    if collection.is_auth and "id" in values:
        await _check_identity_id(connection, collection, schema, draft)
    check_files(collection, draft, None, files)
    candidate = candidate_table(collection, draft.row)
    condition = rule_condition(collection, schema, caller, rule, candidate, draft.body)
    if draft.errors:
        # PocketBase reports a failing create rule before any field error.
        passes = await connection.execute(select(literal(1)).select_from(candidate).where(condition))
        if passes.first() is None:
            raise BadRequestError(CREATE_FAILED)
        raise ValidationError(draft.errors, CREATE_FAILED)
    await _finish_password(hasher, collection, draft, None, manager)
    candidate = candidate_table(collection, draft.row)
    condition = rule_condition(collection, schema, caller, rule, candidate, draft.body)
    table = collection.table
    names = [item.name for item in collection.fields]
    statement = (
        insert(table)
        .from_select(names, select(*[candidate.c[n] for n in names]).where(condition))
        .returning(*[table.c[n] for n in names])
    )
    savepoint = await connection.begin_nested()
    try:
        row = (await connection.execute(statement)).mappings().first()
    except IntegrityError as exc:
        await savepoint.rollback()
        error = _unique_violation(collection, exc)
        if error is None:
            raise
        error.message = CREATE_FAILED
        raise error from exc
    await savepoint.commit()
    if row is None:
        raise BadRequestError(CREATE_FAILED)
    stored = dict(row)
    if files is not None:
        await files.claim(connection, stored)
    return stored, [RecordEvent("create", collection.id, collection.name, stored)]


async def update_record(
    connection: AsyncConnection,
    schema: Schema,
    hasher: PasswordHasher,
    collection: Collection,
    caller: Caller,
    record_id: str,
    values: Mapping[str, Any],
    *,
    files: FileChanges | None = None,
) -> tuple[dict[str, Any], list[RecordEvent]]:
    """Update a record; files it no longer references are doomed (deleted after the commit)."""
    rule = _writable(collection, caller, "updateRule")
    table = collection.table
    body = build_draft(collection, None, values, is_superuser=caller.is_superuser).body
    condition = rule_condition(collection, schema, caller, rule, table, body)
    locked = select(table).where(table.c.id == literal(record_id), condition).with_for_update(of=table)
    locked_row = (await connection.execute(locked)).mappings().first()
    if locked_row is None:
        raise NotFoundError()
    previous: dict[str, Any] = dict(locked_row)
    draft = build_draft(collection, previous, values, is_superuser=caller.is_superuser)
    manager = await _can_manage(connection, collection, schema, caller, record_id) if collection.is_auth else False
    _auth_permissions(collection, draft, previous, manager)
    await _check_relations(connection, collection, schema, draft, previous)
    check_files(collection, draft, previous, files)
    if collection.is_auth and "email" in draft.changed and not draft.errors:
        draft.row["tokenKey"] = build_draft(collection, None, {}, is_superuser=True).row["tokenKey"]
    await _finish_password(hasher, collection, draft, previous, manager)
    if draft.errors:
        raise ValidationError(draft.errors, UPDATE_FAILED)
    statement = (
        update(table)
        .where(table.c.id == literal(record_id))
        .values({item.name: _bind(item, draft.row.get(item.name)) for item in collection.fields if item.name != "id"})
        .returning(*[table.c[item.name] for item in collection.fields])
    )
    savepoint = await connection.begin_nested()
    try:
        row = (await connection.execute(statement)).mappings().one()
    except IntegrityError as exc:
        await savepoint.rollback()
        error = _unique_violation(collection, exc)
        if error is None:
            raise
        error.message = UPDATE_FAILED
        raise error from exc
    await savepoint.commit()
    stored = dict(row)
    if files is not None:
        await files.claim(connection, stored)
    removed = await doom_removed(connection, collection, dict(previous), stored)
    if files is not None:
        files.trash += removed
    # The answer shows a manager the email (like a GET would); the event keeps the plain row.
    answer = {**stored, CAN_MANAGE: True} if manager else stored
    return answer, [RecordEvent("update", collection.id, collection.name, stored)]


async def delete_record(
    connection: AsyncConnection,
    schema: Schema,
    collection: Collection,
    caller: Caller,
    record_id: str,
    *,
    files: FileChanges | None = None,
) -> list[RecordEvent]:
    """Delete a record and what cascades from it; their files are doomed (deleted after the commit)."""
    rule = _writable(collection, caller, "deleteRule")
    table = collection.table
    condition = and_(table.c.id == literal(record_id), rule_condition(collection, schema, caller, rule, table))
    deleted = await delete_where(connection, schema, collection, condition)
    if not any(d.collection.id == collection.id and d.row.get("id") == record_id for d in deleted):
        raise NotFoundError()
    await ensure_a_superuser_remains(connection, schema)
    if files is not None:
        files.trash += [key for d in deleted for key in file_keys(d.collection, d.row)]
    return [RecordEvent("delete", d.collection.id, d.collection.name, d.row) for d in deleted]
