"""Email-based flows: verification, password reset and email change.

Requests always answer 204 (whether or not the address belongs to a record: no enumeration; the
same work is done either way up to the mail, which is queued). Confirmation tokens are JWTs signed
with the record's tokenKey plus the collection's secret for that token type, carry a ``jti`` that
is recorded on use (so each token works once, even when two requests race), and are checked under
a row lock.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.auth.identity import Identity
from baas.auth.mails import send_auth_mail
from baas.auth.service import VALIDATION_MESSAGE, read_body
from baas.auth.tokens import TOKEN_OPTIONS, TokenError, decode_unverified, issue_token, verify_token
from baas.collections.fields.password import PasswordField
from baas.collections.model import Collection
from baas.errors import FieldError, ForbiddenError, UnauthorizedError, ValidationError
from baas.ids import new_token_key
from baas.runtime import Runtime

__all__ = [
    "confirm_email_change",
    "confirm_password_reset",
    "confirm_verification",
    "issue_action_token",
    "request_email_change",
    "request_password_reset",
    "request_verification",
]


def _required(**values: str) -> None:
    errors = {k: FieldError("validation_required", "Cannot be blank.") for k, v in values.items() if not v}
    if errors:
        raise ValidationError(errors, VALIDATION_MESSAGE)


def _email_error(email: str) -> FieldError | None:
    if len(email) > 255 or email.count("@") != 1 or email.startswith("@") or email.endswith("@") or " " in email:
        return FieldError("validation_is_email", "Must be a valid email address.")
    return None


def issue_action_token(collection: Collection, record: dict[str, Any], kind: str, **claims: str) -> str:
    options = collection.auth_options[TOKEN_OPTIONS[kind]]
    body = {
        "collectionId": collection.id,
        "id": record["id"],
        "type": kind,
        "email": record.get("email", ""),
        "jti": secrets.token_hex(16),
        **claims,
    }
    return issue_token(
        body, collection_secret=options["secret"], token_key=record["tokenKey"], duration_seconds=options["duration"]
    )


async def _find_by_email(connection: AsyncConnection, collection: Collection, email: str) -> dict[str, Any] | None:
    table = collection.table
    row = (await connection.execute(select(table).where(table.c.email == email).limit(1))).mappings().first()
    return dict(row) if row is not None else None


async def _request(
    runtime: Runtime, collection: Collection, body: Any, kind: str, template: str, skip_verified: bool
) -> None:
    email = read_body(body, {"email": str})["email"]
    _required(email=email)
    problem = _email_error(email)
    if problem:
        raise ValidationError({"email": problem}, VALIDATION_MESSAGE)
    async with runtime.engine.begin() as connection:
        record = await _find_by_email(connection, collection, email)
        if record is None or (skip_verified and record.get("verified")):
            return
        token = issue_action_token(collection, record, kind)
        await send_auth_mail(connection, runtime, collection, template, record, email, {"{TOKEN}": token})


async def request_verification(runtime: Runtime, collection: Collection, body: Any) -> None:
    await _request(runtime, collection, body, "verification", "verification", skip_verified=True)


async def request_password_reset(runtime: Runtime, collection: Collection, body: Any) -> None:
    await _request(runtime, collection, body, "passwordReset", "password-reset", skip_verified=False)


async def _redeem(
    connection: AsyncConnection, collection: Collection, token: str, kind: str, field: str = "token"
) -> dict[str, Any]:
    """The locked record a valid, unused token of ``kind`` belongs to; marks the token used."""
    # PocketBase's codes: a bad verification token fails its claims check, the others the token check.
    code = "validation_invalid_token_claims" if kind == "verification" else "validation_invalid_token"
    invalid = ValidationError({field: FieldError(code, "Invalid or expired token.")}, VALIDATION_MESSAGE)
    try:
        claims = decode_unverified(token)
    except TokenError as exc:
        raise invalid from exc
    if claims.get("type") != kind or claims.get("collectionId") != collection.id or not claims.get("jti"):
        raise invalid
    table = collection.table
    locked = select(table).where(table.c.id == str(claims.get("id"))).with_for_update()
    row = (await connection.execute(locked)).mappings().first()
    if row is None:
        raise invalid
    record = dict(row)
    secret = collection.auth_options[TOKEN_OPTIONS[kind]]["secret"]
    try:
        verified = verify_token(token, collection_secret=secret, token_key=record["tokenKey"])
    except TokenError as exc:
        raise invalid from exc
    if verified.get("email") != record.get("email"):
        raise invalid  # the address changed since the token was issued
    expires = datetime.fromtimestamp(int(verified["exp"]), UTC)
    savepoint = await connection.begin_nested()
    try:
        await connection.execute(
            text("INSERT INTO baas.used_tokens (jti, expires) VALUES (:jti, :expires)"),
            {"jti": str(verified["jti"]), "expires": expires},
        )
    except IntegrityError as exc:
        await savepoint.rollback()
        raise invalid from exc
    await savepoint.commit()
    await connection.execute(text("DELETE FROM baas.used_tokens WHERE expires < now()"))
    record["_claims"] = verified
    return record


async def confirm_verification(runtime: Runtime, collection: Collection, body: Any) -> None:
    token = read_body(body, {"token": str})["token"]
    _required(token=token)
    async with runtime.engine.begin() as connection:
        record = await _redeem(connection, collection, token, "verification")
        table = collection.table
        await connection.execute(update(table).where(table.c.id == record["id"]).values(verified=True))


def _new_password(collection: Collection, password: str, confirm: str) -> None:
    field = collection.get_field("password")
    errors: dict[str, FieldError] = {}
    if isinstance(field, PasswordField):
        try:
            field.validate_plain(password)
        except FieldError as exc:
            errors["password"] = exc
    if password != confirm:
        errors["passwordConfirm"] = FieldError("validation_values_mismatch", "Values don't match.")
    if errors:
        raise ValidationError(errors, VALIDATION_MESSAGE)


async def confirm_password_reset(runtime: Runtime, collection: Collection, body: Any) -> None:
    values = read_body(body, {"token": str, "password": str, "passwordConfirm": str})
    _required(token=values["token"], password=values["password"], passwordConfirm=values["passwordConfirm"])
    _new_password(collection, values["password"], values["passwordConfirm"])
    password_hash = await runtime.hasher.hash(values["password"])
    async with runtime.engine.begin() as connection:
        record = await _redeem(connection, collection, values["token"], "passwordReset")
        table = collection.table
        # A new tokenKey signs every older token (auth and reset alike) out.
        await connection.execute(
            update(table)
            .where(table.c.id == record["id"])
            .values(password=password_hash, tokenKey=new_token_key(), verified=True)
        )


async def request_email_change(runtime: Runtime, collection: Collection, identity: Identity | None, body: Any) -> None:
    if identity is None:
        raise UnauthorizedError()
    if identity.collection.id != collection.id:
        raise ForbiddenError(f"The request requires auth record from {identity.collection.name} collection.")
    new_email = read_body(body, {"newEmail": str})["newEmail"]
    _required(newEmail=new_email)
    problem = _email_error(new_email)
    if problem is None and new_email == identity.record.get("email"):
        problem = FieldError("validation_email_taken", "The email is invalid or already in use.")
    if problem:
        raise ValidationError({"newEmail": problem}, VALIDATION_MESSAGE)
    async with runtime.engine.begin() as connection:
        if await _find_by_email(connection, collection, new_email) is not None:
            # Another record's address: answered like a free one (no enumeration), but nothing is
            # sent; confirm-email-change would refuse it anyway.
            return
        token = issue_action_token(collection, identity.record, "emailChange", newEmail=new_email)
        await send_auth_mail(
            connection, runtime, collection, "email-change", identity.record, new_email, {"{TOKEN}": token}
        )


async def confirm_email_change(runtime: Runtime, collection: Collection, body: Any) -> None:
    values = read_body(body, {"token": str, "password": str})
    _required(token=values["token"], password=values["password"])
    async with runtime.engine.begin() as connection:
        record = await _redeem(connection, collection, values["token"], "emailChange")
        if not await runtime.hasher.verify(record.get("password"), values["password"]):
            raise ValidationError(
                {"password": FieldError("validation_invalid_password", "Missing or invalid password.")},
                VALIDATION_MESSAGE,
            )
        new_email = str(record["_claims"].get("newEmail", ""))
        if not new_email or await _find_by_email(connection, collection, new_email) is not None:
            raise ValidationError(
                {"token": FieldError("validation_invalid_token", "Invalid or expired token.")}, VALIDATION_MESSAGE
            )
        table = collection.table
        await connection.execute(
            update(table)
            .where(table.c.id == record["id"])
            .values(email=new_email, verified=True, tokenKey=new_token_key())
        )
