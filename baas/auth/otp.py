"""One-time passwords by email: ``request-otp`` and ``auth-with-otp``.

Codes are stored as argon2id hashes in ``_otps``; an unknown email gets a random ``otpId`` after
the same hashing work, so the answer and its timing reveal nothing. A used code is deleted.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from baas.auth.lockout import check_lockout, lockout_key, record_failure
from baas.auth.mails import send_auth_mail
from baas.auth.service import VALIDATION_MESSAGE, read_body
from baas.auth.signin import SignIn, complete_sign_in
from baas.auth.system_records import delete_row, find_row, insert_row, is_expired, system_collection
from baas.collections.model import Collection
from baas.errors import BadRequestError, FieldError, ForbiddenError, ValidationError
from baas.ids import new_record_id
from baas.runtime import Runtime

__all__ = ["auth_with_otp", "request_otp"]

OTPS = "_otps"
INVALID = "Invalid or expired OTP."
# After this many live codes, a request gets the newest otpId again and no new mail (no mailbox flooding).
MAX_LIVE_OTPS = 10


def _email_error(email: str) -> FieldError | None:
    if not email:
        return FieldError("validation_required", "Cannot be blank.")
    if len(email) > 255 or "@" not in email or email.startswith("@") or email.endswith("@"):
        return FieldError("validation_is_email", "Must be a valid email address.")
    return None


async def request_otp(runtime: Runtime, collection: Collection, body: Any) -> dict[str, str]:
    if not collection.auth_options["otp"]["enabled"]:
        raise ForbiddenError("The collection is not configured to allow OTP authentication.")
    email = read_body(body, {"email": str})["email"]
    problem = _email_error(email)
    if problem:
        raise ValidationError({"email": problem}, VALIDATION_MESSAGE)
    options = collection.auth_options["otp"]
    code = "".join(secrets.choice("0123456789") for _ in range(int(options["length"])))
    code_hash = await runtime.hasher.hash(code)
    table = collection.table
    otps = system_collection(runtime.registry.schema, OTPS)
    async with runtime.engine.begin() as connection:
        record = (await connection.execute(select(table).where(table.c.email == email).limit(1))).mappings().first()
        if record is None:
            return {"otpId": new_record_id()}
        live = await connection.execute(
            select(otps.table.c.id)
            .where(
                otps.table.c.collectionRef == collection.id,
                otps.table.c.recordRef == record["id"],
                otps.table.c.created > func.now() - func.make_interval(0, 0, 0, 0, 0, 0, int(options["duration"])),
            )
            .order_by(otps.table.c.created.desc())
            .limit(MAX_LIVE_OTPS)
        )
        newest = list(live.scalars())
        if len(newest) >= MAX_LIVE_OTPS:
            # An error here would tell that the address exists; the newest code stays valid.
            return {"otpId": str(newest[0])}
        row = await insert_row(
            connection,
            otps,
            {"collectionRef": collection.id, "recordRef": record["id"], "password": code_hash, "sentTo": email},
        )
        await send_auth_mail(
            connection, runtime, collection, "otp", dict(record), email, {"{OTP}": code, "{OTP_ID}": str(row["id"])}
        )
    return {"otpId": str(row["id"])}


async def auth_with_otp(runtime: Runtime, collection: Collection, body: Any, sign_in: SignIn) -> dict[str, Any]:
    if not collection.auth_options["otp"]["enabled"]:
        raise ForbiddenError("The collection is not configured to allow OTP authentication.")
    values = read_body(body, {"otpId": str, "password": str})
    errors = {k: FieldError("validation_required", "Cannot be blank.") for k in ("otpId", "password") if not values[k]}
    if errors:
        raise ValidationError(errors, VALIDATION_MESSAGE)
    lockout = runtime.app_settings.current["lockout"]
    key = lockout_key(collection.id, "otp:" + values["otpId"])
    await check_lockout(runtime.engine, lockout, key)
    otps = system_collection(runtime.registry.schema, OTPS)
    table = collection.table
    async with runtime.engine.begin() as connection:
        otp = await find_row(connection, otps, values["otpId"], lock=True)
        duration = int(collection.auth_options["otp"]["duration"])
        valid = otp is not None and otp["collectionRef"] == collection.id and not is_expired(otp, duration)
        matched = await runtime.hasher.verify(otp["password"] if valid and otp else None, values["password"])
        if not valid or not matched or otp is None:
            await record_failure(runtime.engine, lockout, key)
            raise BadRequestError(INVALID)
        record = (await connection.execute(select(table).where(table.c.id == otp["recordRef"]))).mappings().first()
        await delete_row(connection, otps, otp["id"])
        if record is None:
            raise BadRequestError(INVALID)
        row = dict(record)
        if otp["sentTo"] and otp["sentTo"] == row.get("email") and not row.get("verified"):
            # The code reached that mailbox: the address is verified.
            await connection.execute(table.update().where(table.c.id == row["id"]).values(verified=True))
            row["verified"] = True
    return await complete_sign_in(runtime, collection, row, "otp", sign_in)
