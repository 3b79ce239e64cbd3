"""Auth use cases: sign in with a password, refresh a token, manage superusers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from baas import dates
from baas.auth.identity import Identity
from baas.auth.passwords import PasswordHasher
from baas.auth.tokens import issue_token
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.scaffolds import SUPERUSERS
from baas.errors import BadRequestError, FieldError, ForbiddenError, NotFoundError, ValidationError
from baas.ids import new_record_id, random_string
from baas.records.serialize import record_json

__all__ = [
    "auth_collection_or_404",
    "auth_response",
    "authenticate_with_password",
    "refresh",
    "upsert_superuser",
]

LOAD_MESSAGE = "An error occurred while loading the submitted data."
_TOKEN_KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def auth_collection_or_404(schema: Schema, id_or_name: str) -> Collection:
    collection = schema.find(id_or_name)
    if collection is None:
        raise NotFoundError("Missing or invalid collection context.")
    if not collection.is_auth:
        raise NotFoundError("Missing or invalid auth collection context.")
    return collection


def new_auth_token(collection: Collection, record: Mapping[str, Any], *, refreshable: bool = True,
                   duration: int | None = None) -> str:  # fmt: skip
    options = collection.auth_options["authToken"]
    claims = {"collectionId": collection.id, "id": record["id"], "refreshable": refreshable, "type": "auth"}
    return issue_token(
        claims,
        collection_secret=options["secret"],
        token_key=record["tokenKey"],
        duration_seconds=duration or options["duration"],
    )


def auth_response(collection: Collection, record: Mapping[str, Any], token: str) -> dict[str, Any]:
    # The auth response always shows the record's own email.
    return {"record": record_json(collection, record, show_email=True), "token": token}


def _credentials(collection: Collection, body: Any) -> tuple[str, str, list[str]]:
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise BadRequestError(LOAD_MESSAGE)
    identity, password, field = body.get("identity", ""), body.get("password", ""), body.get("identityField", "")
    if not all(isinstance(v, str) for v in (identity, password, field)):
        raise BadRequestError(LOAD_MESSAGE)
    allowed = list(collection.auth_options["passwordAuth"]["identityFields"])
    errors: dict[str, FieldError] = {}
    if not identity:
        errors["identity"] = FieldError("validation_required", "Cannot be blank.")
    elif len(identity) > 255:
        errors["identity"] = FieldError("validation_length_out_of_range", "The length must be between 1 and 255.",
                                        {"max": 255, "min": 1})  # fmt: skip
    if not password:
        errors["password"] = FieldError("validation_required", "Cannot be blank.")
    if field and field not in allowed:
        errors["identityField"] = FieldError("validation_in_invalid", "Must be a valid value.")
    if errors:
        raise ValidationError(errors)
    return identity, password, [field] if field else allowed


async def authenticate_with_password(
    engine: AsyncEngine, hasher: PasswordHasher, collection: Collection, body: Any
) -> dict[str, Any]:
    if not collection.auth_options["passwordAuth"]["enabled"]:
        raise ForbiddenError("The collection is not configured to allow password authentication.")
    identity, password, fields = _credentials(collection, body)
    table = collection.table
    record: Mapping[str, Any] | None = None
    async with engine.connect() as connection:
        for name in fields:
            if name not in table.c:
                continue
            row = (await connection.execute(select(table).where(table.c[name] == identity).limit(1))).mappings().first()
            if row is not None:
                record = row
                break
    matched = await hasher.verify(record["password"] if record else None, password)
    if record is None or not matched:
        raise BadRequestError("Failed to authenticate.")
    if collection.auth_options["authRule"] is None:
        raise ForbiddenError("The request doesn't satisfy the collection requirements to authenticate.")
    if hasher.needs_rehash(record["password"]):
        async with engine.begin() as connection:
            new_hash = await hasher.hash(password)
            await connection.execute(update(table).where(table.c.id == record["id"]).values(password=new_hash))
    return auth_response(collection, record, new_auth_token(collection, record))


def refresh(collection: Collection, identity: Identity) -> dict[str, Any]:
    if identity.collection.id != collection.id:
        raise ForbiddenError(f"The request requires auth record from {identity.collection.name} collection.")
    # Impersonation tokens cannot be refreshed: they are returned unchanged.
    token = new_auth_token(collection, identity.record) if identity.refreshable else identity.token
    return auth_response(collection, identity.record, token)


async def upsert_superuser(engine: AsyncEngine, schema: Schema, hasher: PasswordHasher, email: str,
                           password: str) -> str:  # fmt: skip
    """Create the superuser or change its password; returns ``created`` or ``updated``."""
    collection = schema.find(SUPERUSERS)
    if collection is None:
        raise RuntimeError("the _superusers collection is missing; run the migrations first")
    errors = {}
    email_field, password_field = collection.get_field("email"), collection.get_field("password")
    assert email_field is not None and password_field is not None
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
    token_key = random_string(50, _TOKEN_KEY_ALPHABET)
    async with engine.begin() as connection:
        existing = (await connection.execute(select(table.c.id).where(table.c.email == email))).first()
        if existing is not None:
            await connection.execute(
                update(table).where(table.c.id == existing.id)
                .values(password=password_hash, tokenKey=token_key, updated=now)
            )
            return "updated"
        await connection.execute(
            insert(table).values(
                id=new_record_id(), email=email, password=password_hash, tokenKey=token_key,
                emailVisibility=False, verified=True, created=now, updated=now,
            )
        )  # fmt: skip
    return "created"
