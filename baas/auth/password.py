"""``auth-with-password``: identity fields, constant-time failures, lockout, rehash on login."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from baas.auth.lockout import check_lockout, clear_failures, lockout_key, record_failure
from baas.auth.service import VALIDATION_MESSAGE, read_body
from baas.auth.signin import SignIn, complete_sign_in
from baas.collections.model import Collection
from baas.errors import BadRequestError, FieldError, ForbiddenError, ValidationError
from baas.runtime import Runtime

__all__ = ["FAILED", "authenticate_with_password"]

FAILED = "Failed to authenticate."


def _credentials(collection: Collection, body: Any) -> tuple[str, str, list[str]]:
    values = read_body(body, {"identity": str, "password": str, "identityField": str})
    identity, password, field = values["identity"], values["password"], values["identityField"]
    allowed = list(collection.auth_options["passwordAuth"]["identityFields"])
    errors: dict[str, FieldError] = {}
    if not identity:
        errors["identity"] = FieldError("validation_required", "Cannot be blank.")
    elif len(identity) > 255:
        errors["identity"] = FieldError(
            "validation_length_out_of_range", "The length must be between 1 and 255.", {"max": 255, "min": 1}
        )
    if not password:
        errors["password"] = FieldError("validation_required", "Cannot be blank.")
    if field and field not in allowed:
        errors["identityField"] = FieldError("validation_in_invalid", "Must be a valid value.")
    if errors:
        raise ValidationError(errors, VALIDATION_MESSAGE)
    if field:
        return identity, password, [field]
    # Like PocketBase: an identity that looks like an email is looked up as an email first.
    looks_like_email = "@" in identity.strip("@")
    return identity, password, sorted(allowed, key=lambda name: name != "email") if looks_like_email else allowed


async def authenticate_with_password(
    runtime: Runtime, collection: Collection, body: Any, sign_in: SignIn
) -> dict[str, Any]:
    if not collection.auth_options["passwordAuth"]["enabled"]:
        raise ForbiddenError("The collection is not configured to allow password authentication.")
    identity, password, fields = _credentials(collection, body)
    lockout = runtime.app_settings.current["lockout"]
    key = lockout_key(collection.id, identity)
    await check_lockout(runtime.engine, lockout, key)
    table = collection.table
    record = None
    async with runtime.engine.connect() as connection:
        for name in fields:
            if name not in table.c:
                continue
            query = select(table).where(table.c[name] == identity).limit(1)
            record = (await connection.execute(query)).mappings().first()
            if record is not None:
                break
    # The unknown-identity path verifies a dummy hash, so both failures take as long.
    matched = await runtime.hasher.verify(record["password"] if record else None, password)
    if record is None or not matched:
        await record_failure(runtime.engine, lockout, key)
        raise BadRequestError(FAILED)
    await clear_failures(runtime.engine, key)
    row = dict(record)
    if runtime.hasher.needs_rehash(row["password"]):
        row["password"] = await runtime.hasher.hash(password)
        async with runtime.engine.begin() as connection:
            await connection.execute(update(table).where(table.c.id == row["id"]).values(password=row["password"]))
    return await complete_sign_in(runtime, collection, row, "password", sign_in)
