"""File use cases that need records and auth: finding the file to serve (protected files checked
with the collection's viewRule as the file token's owner) and issuing file tokens.

Every refusal is a 404, so a protected file's existence is never revealed. Thumb sizes must be
declared on the field (or be ``100x100``); other sizes are a 400 (PocketBase serves the original).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import any_, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.auth.identity import Identity, identify
from baas.auth.tokens import issue_token
from baas.collections.fields import FileField
from baas.collections.fields.select import as_list
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.views import ViewQueryError, source_tables
from baas.db.engine import reading
from baas.db.tables import DATA_SCHEMA
from baas.errors import BadRequestError, FieldError, NotFoundError
from baas.files.names import file_key, is_safe_segment, thumb_key
from baas.files.storage import ObjectInfo, Storage
from baas.files.thumbs import DEFAULT_THUMB, THUMB_FORMATS, parse_size
from baas.records.caller import Caller
from baas.records.visibility import rule_condition
from baas.runtime import Runtime

__all__ = ["ServedFile", "file_identity", "file_token", "find_file"]

PROTECTED_CONTEXT = "protectedFile"


@dataclass(frozen=True)
class ServedFile:
    storage: Storage
    key: str
    name: str  # the name the client sees (a thumb's is ``{size}_{name}``)
    info: ObjectInfo


def file_token(identity: Identity) -> str:
    """A short-lived token for protected files (``fileToken`` secret and duration)."""
    options = identity.collection.auth_options["fileToken"]
    claims = {"collectionId": identity.collection.id, "id": identity.id, "type": "file"}
    return issue_token(
        claims,
        collection_secret=options["secret"],
        token_key=identity.record["tokenKey"],
        duration_seconds=options["duration"],
    )


async def file_identity(runtime: Runtime, token: str) -> Identity | None:
    """The auth record behind a valid file token; None for anything else."""
    return await identify(runtime.engine, runtime.registry.schema, token, kind="file")


async def _readable(
    runtime: Runtime, collection: Collection, record_id: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> bool:
    identity = await file_identity(runtime, query.get("token", "").strip())
    caller = Caller(identity=identity, query=query, headers=headers, method="GET", context=PROTECTED_CONTEXT)
    rule = collection.rules["viewRule"]
    if rule is None and not caller.is_superuser:
        return False
    table = collection.table
    condition = rule_condition(collection, runtime.registry.schema, caller, rule, table)
    statement = select(literal(1)).select_from(table).where(table.c.id == literal(record_id), condition)
    async with reading(runtime.engine) as connection:
        return (await connection.execute(statement)).first() is not None


async def _field_of(runtime: Runtime, collection: Collection, record_id: str, filename: str) -> FileField:
    fields = [item for item in collection.fields if isinstance(item, FileField)]
    if not fields:
        raise NotFoundError()
    table = collection.table
    statement = select(*[table.c[item.name] for item in fields]).where(table.c.id == literal(record_id))
    async with reading(runtime.engine) as connection:
        row = (await connection.execute(statement)).mappings().first()
    if row is None:
        raise NotFoundError()
    for item in fields:
        if filename in as_list(row[item.name]):
            return item
    raise NotFoundError()


async def _view_file_key(
    connection: AsyncConnection, schema: Schema, view: Collection, filename: str, *, depth: int
) -> str | None:
    """Where a file a view shows is stored: under the record of a collection the view reads that
    holds it (through views over views). Stored names carry a random suffix, so one record holds it.
    The view's own rule has been checked already, as PocketBase does."""
    if depth > 5:
        return None
    try:
        sources = await source_tables(connection, view.name)
    except ViewQueryError:
        return None
    for schema_name, table_name in sources:
        source = schema.find(table_name) if schema_name == DATA_SCHEMA else None
        if source is None or source.name != table_name:
            continue
        if source.is_view:
            found = await _view_file_key(connection, schema, source, filename, depth=depth + 1)
            if found is not None:
                return found
            continue
        table = source.table
        for item in source.fields:
            if not isinstance(item, FileField):
                continue
            column = table.c[item.name]
            holds = literal(filename) == any_(column) if item.is_multiple else column == literal(filename)
            owner = (await connection.execute(select(table.c.id).where(holds).limit(1))).scalar_one_or_none()
            if owner is not None:
                return file_key(source.id, str(owner), filename)
    return None


def _thumb_size(item: FileField, thumb: str) -> str:
    if thumb != DEFAULT_THUMB and thumb not in item.thumbs:
        allowed = ", ".join([DEFAULT_THUMB, *[size for size in item.thumbs if size != DEFAULT_THUMB]])
        error = FieldError("validation_invalid_thumb", f"The thumb size must be one of: {allowed}.")
        raise BadRequestError("Invalid thumb size.", {"thumb": error.to_json()})
    return thumb


async def find_file(
    runtime: Runtime,
    collection_ref: str,
    record_id: str,
    filename: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
) -> ServedFile:
    """The object to serve for ``GET /api/files/{collection}/{record}/{filename}``."""
    collection = runtime.registry.schema.find(collection_ref)
    if collection is None or not is_safe_segment(record_id) or not is_safe_segment(filename):
        raise NotFoundError()
    item = await _field_of(runtime, collection, record_id, filename)
    if item.protected and not await _readable(runtime, collection, record_id, query, headers):
        raise NotFoundError()
    storage = runtime.files.storage
    if collection.is_view:
        async with runtime.engine.connect() as connection:
            found = await _view_file_key(connection, runtime.registry.schema, collection, filename, depth=0)
        if found is None:
            raise NotFoundError()
        key = found
    else:
        key = file_key(collection.id, record_id, filename)
    info = await storage.stat(key)
    if info is None:
        raise NotFoundError()
    thumb = query.get("thumb", "")
    if not thumb:
        return ServedFile(storage, key, filename, info)
    size_text = _thumb_size(item, thumb)
    size = parse_size(size_text)
    fmt = THUMB_FORMATS.get(info.content_type)
    if size is None or fmt is None:
        return ServedFile(storage, key, filename, info)  # not an image: the original, like PocketBase
    target = thumb_key(key, size_text)
    thumbnailer = runtime.files.thumbnailer
    if await thumbnailer.ensure(storage, key, target, size, fmt, info.content_type):
        made = await storage.stat(target)
        if made is not None:
            return ServedFile(storage, target, f"{size_text}_{filename}", made)
    return ServedFile(storage, key, filename, info)
