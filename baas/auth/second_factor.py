"""TOTP endpoints (ours): enrol, confirm, disable, and sign in with a code as the second factor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from baas.auth import totp
from baas.auth.identity import Identity
from baas.auth.lockout import check_lockout, lockout_key, record_failure
from baas.auth.service import VALIDATION_MESSAGE, read_body
from baas.auth.signin import SignIn, complete_sign_in
from baas.auth.system_records import find_row, is_expired, system_collection
from baas.collections.model import Collection
from baas.errors import BadRequestError, FieldError, ForbiddenError, UnauthorizedError, ValidationError
from baas.runtime import Runtime

__all__ = ["auth_with_totp", "confirm", "disable", "remaining_methods", "setup"]

INVALID_CODE = "Invalid or expired code."


def _own(collection: Collection, identity: Identity | None) -> Identity:
    if identity is None:
        raise UnauthorizedError()
    if identity.collection.id != collection.id:
        raise ForbiddenError(f"The request requires auth record from {identity.collection.name} collection.")
    return identity


def _code(body: Any) -> str:
    code = str(read_body(body, {"code": str})["code"]).strip()
    if not code:
        raise ValidationError({"code": FieldError("validation_required", "Cannot be blank.")}, VALIDATION_MESSAGE)
    return code


async def setup(runtime: Runtime, collection: Collection, identity: Identity | None) -> dict[str, str]:
    me = _own(collection, identity)
    issuer = runtime.app_settings.current["meta"]["appName"]
    async with runtime.engine.begin() as connection:
        try:
            return await totp.start_enrolment(
                connection, collection.id, me.id, issuer, str(me.record.get("email") or me.id)
            )
        except ValueError as exc:
            raise BadRequestError(str(exc)) from exc


async def confirm(runtime: Runtime, collection: Collection, identity: Identity | None, body: Any) -> dict[str, Any]:
    me = _own(collection, identity)
    code = _code(body)
    async with runtime.engine.begin() as connection:
        codes = await totp.confirm_totp(connection, collection.id, me.id, code)
    if codes is None:
        raise BadRequestError(INVALID_CODE)
    return {"recoveryCodes": codes}


async def disable(runtime: Runtime, collection: Collection, identity: Identity | None, body: Any) -> None:
    me = _own(collection, identity)
    code = _code(body)
    async with runtime.engine.begin() as connection:
        disabled = await totp.disable_totp(connection, collection.id, me.id, code)
    if not disabled:
        raise BadRequestError(INVALID_CODE)


async def auth_with_totp(runtime: Runtime, collection: Collection, body: Any, sign_in: SignIn) -> dict[str, Any]:
    values = read_body(body, {"mfaId": str, "code": str})
    mfa_id = values["mfaId"] or sign_in.mfa_id
    errors = {}
    if not mfa_id:
        errors["mfaId"] = FieldError("validation_required", "Cannot be blank.")
    if not values["code"]:
        errors["code"] = FieldError("validation_required", "Cannot be blank.")
    if errors:
        raise ValidationError(errors, VALIDATION_MESSAGE)
    lockout = runtime.app_settings.current["lockout"]
    mfas = system_collection(runtime.registry.schema, "_mfas")
    table = collection.table
    async with runtime.engine.connect() as connection:
        session = await find_row(connection, mfas, mfa_id)
    # Checked before the code, so that an expired session does not use a code up.
    duration = int(collection.auth_options["mfa"]["duration"] or 600)
    if session is None or session["collectionRef"] != collection.id or is_expired(session, duration):
        raise BadRequestError("Invalid or expired MFA session.")
    # Failures count per record, not per MFA session: someone who has the password could otherwise
    # open session after session to try codes without end.
    key = lockout_key(collection.id, f"totp:{session['recordRef']}")
    await check_lockout(runtime.engine, lockout, key)
    async with runtime.engine.begin() as connection:
        valid = await totp.verify_totp(connection, collection.id, session["recordRef"], values["code"])
        record = (await connection.execute(select(table).where(table.c.id == session["recordRef"]))).mappings().first()
    if not valid or record is None:
        await record_failure(runtime.engine, lockout, key)
        raise BadRequestError(INVALID_CODE)
    step = SignIn(
        caller=sign_in.caller, ip=sign_in.ip, user_agent=sign_in.user_agent, mfa_id=mfa_id, query=sign_in.query
    )
    return await complete_sign_in(runtime, collection, dict(record), "totp", step)


async def remaining_methods(runtime: Runtime, collection: Collection, mfa_id: str) -> tuple[str, list[str]]:
    """For a pending MFA session: the record's email and the second methods it can finish with
    (``totp`` when the record enrolled an authenticator, ``otp`` when the collection allows OTP)."""
    mfas = system_collection(runtime.registry.schema, "_mfas")
    table = collection.table
    async with runtime.engine.connect() as connection:
        session = await find_row(connection, mfas, mfa_id)
        if session is None or session["collectionRef"] != collection.id:
            return "", []
        record = (await connection.execute(select(table.c.email).where(table.c.id == session["recordRef"]))).first()
        enrolled = await totp.has_totp(connection, collection.id, str(session["recordRef"]))
    methods = ["totp"] if enrolled else []
    if collection.auth_options["otp"]["enabled"]:
        methods.append("otp")
    return (str(record.email) if record is not None else ""), methods
