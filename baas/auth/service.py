"""Auth use cases that need no credentials check of their own: refresh, impersonate, superusers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from baas import dates
from baas.auth.identity import Identity
from baas.auth.passwords import PasswordHasher
from baas.auth.signin import auth_token, check_auth_rule
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.scaffolds import SUPERUSERS
from baas.errors import BadRequestError, FieldError, ForbiddenError, NotFoundError, ValidationError
from baas.ids import new_record_id, new_token_key
from baas.records.caller import Caller
from baas.records.reading import read_documents
from baas.records.visibility import CAN_MANAGE
from baas.runtime import Runtime

__all__ = [
    "LOAD_MESSAGE",
    "VALIDATION_MESSAGE",
    "auth_collection_or_404",
    "impersonate",
    "read_body",
    "record_response",
    "refresh",
    "upsert_superuser",
]

LOAD_MESSAGE = "An error occurred while loading the submitted data."
VALIDATION_MESSAGE = "An error occurred while validating the submitted data."


def auth_collection_or_404(schema: Schema, id_or_name: str) -> Collection:
    collection = schema.find(id_or_name)
    if collection is None:
        raise NotFoundError("Missing or invalid collection context.")
    if not collection.is_auth:
        raise NotFoundError("Missing or invalid auth collection context.")
    return collection


def read_body(body: Any, spec: Mapping[str, type]) -> dict[str, Any]:
    """The expected keys of a JSON body with their types (missing keys are zero values)."""
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise BadRequestError(LOAD_MESSAGE)
    values: dict[str, Any] = {}
    for key, kind in spec.items():
        value = body.get(key)
        if value is None:
            value = kind()
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise BadRequestError(LOAD_MESSAGE)
        values[key] = value
    return values


async def record_response(
    runtime: Runtime, collection: Collection, record: Mapping[str, Any], token: str, query: Mapping[str, str]
) -> dict[str, Any]:
    identity = Identity(collection=collection, record=dict(record), claims={}, token=token)
    async with runtime.engine.connect() as connection:
        documents = await read_documents(
            connection,
            runtime.registry.schema,
            collection,
            Caller(identity=identity, query=query),
            [{**record, CAN_MANAGE: True}],
            query,
        )
    return {"record": documents[0], "token": token}


async def refresh(runtime: Runtime, collection: Collection, identity: Identity, caller: Caller) -> dict[str, Any]:
    """A new token (the same one for an impersonation token), if the authRule still lets the record in."""
    if identity.collection.id != collection.id:
        raise ForbiddenError(f"The request requires auth record from {identity.collection.name} collection.")
    async with runtime.engine.connect() as connection:
        await check_auth_rule(connection, runtime, collection, caller, identity.id)
    query = caller.query
    # Impersonation tokens cannot be refreshed: they are returned unchanged.
    token = auth_token(collection, identity.record) if identity.refreshable else identity.token
    return await record_response(runtime, collection, identity.record, token, query)


async def impersonate(
    runtime: Runtime,
    collection: Collection,
    identity: Identity | None,
    record_id: str,
    body: Any,
    query: Mapping[str, str],
) -> dict[str, Any]:
    if identity is None or not identity.is_superuser:
        raise ForbiddenError("The authorized record is not allowed to perform this action.")
    values = read_body(body, {"duration": int})
    duration = values["duration"]
    if duration < 0:
        raise ValidationError(
            {
                "duration": FieldError(
                    "validation_min_greater_equal_than_required", "Must be no less than 0.", {"threshold": 0}
                )
            },
            VALIDATION_MESSAGE,
        )
    table = collection.table
    async with runtime.engine.connect() as connection:
        found = (await connection.execute(select(table).where(table.c.id == record_id))).mappings().first()
    if found is None:
        raise NotFoundError()
    row = dict(found)
    token = auth_token(collection, row, refreshable=False, duration=duration or None)
    return await record_response(runtime, collection, row, token, query)


async def upsert_superuser(
    engine: AsyncEngine, schema: Schema, hasher: PasswordHasher, email: str, password: str
) -> str:
    """Create the superuser or change its password; returns ``created`` or ``updated``."""
    collection = schema.find(SUPERUSERS)
    if collection is None:
        raise RuntimeError("the _superusers collection is missing; run the migrations first")
    errors = {}
    email_field, password_field = collection.get_field("email"), collection.get_field("password")
    assert email_field is not None
    assert password_field is not None
    try:
        email_field.validate(email_field.prepare(email))
    except FieldError as exc:
        errors["email"] = exc
    try:
        password_field.validate_plain(password)  # type: ignore[attr-defined]
    except FieldError as exc:
        errors["password"] = exc
    if errors:
        raise ValidationError(errors)
    table = collection.table
    password_hash = await hasher.hash(password)
    now = dates.now()
    token_key = new_token_key()
    async with engine.begin() as connection:
        existing = (await connection.execute(select(table.c.id).where(table.c.email == email))).first()
        if existing is not None:
            await connection.execute(
                update(table)
                .where(table.c.id == existing.id)
                .values(password=password_hash, tokenKey=token_key, updated=now)
            )
            return "updated"
        await connection.execute(
            insert(table).values(
                id=new_record_id(),
                email=email,
                password=password_hash,
                tokenKey=token_key,
                emailVisibility=False,
                verified=True,
                created=now,
                updated=now,
            )
        )
    return "created"
