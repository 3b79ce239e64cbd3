"""The end of every sign-in method: authRule, the MFA step, the login alert, then the token."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from baas import dates
from baas.auth.identity import Identity
from baas.auth.mails import send_auth_mail
from baas.auth.mfa import MfaRequiredError, check_mfa
from baas.auth.system_records import system_collection
from baas.auth.tokens import issue_token
from baas.collections.model import Collection
from baas.errors import ForbiddenError
from baas.ids import new_record_id
from baas.records.caller import Caller
from baas.records.reading import read_documents
from baas.records.visibility import CAN_MANAGE, rule_condition
from baas.runtime import Runtime

__all__ = ["SignIn", "auth_token", "check_auth_rule", "complete_sign_in"]

AUTH_ORIGINS = "_authOrigins"
MAX_AUTH_ORIGINS = 5


@dataclass(frozen=True)
class SignIn:
    """What the request contributes to a sign-in."""

    caller: Caller
    ip: str = ""
    user_agent: str = ""
    mfa_id: str = ""
    query: Mapping[str, str] = field(default_factory=dict)


def auth_token(
    collection: Collection, record: Mapping[str, Any], *, refreshable: bool = True, duration: int | None = None
) -> str:
    options = collection.auth_options["authToken"]
    claims = {"collectionId": collection.id, "id": record["id"], "refreshable": refreshable, "type": "auth"}
    return issue_token(
        claims,
        collection_secret=options["secret"],
        token_key=record["tokenKey"],
        duration_seconds=duration or options["duration"],
    )


async def check_auth_rule(
    connection: AsyncConnection, runtime: Runtime, collection: Collection, caller: Caller, record_id: str
) -> None:
    """PocketBase checks the authRule on every auth answer (sign-ins, refresh): 403 when it fails.
    ``caller`` is the request as the rule sees it (a guest for a sign-in, the record for a refresh)."""
    rule = collection.auth_options["authRule"]
    failure = "The request doesn't satisfy the collection requirements to authenticate."
    if caller.is_superuser or rule == "":
        return
    if rule is None:
        raise ForbiddenError(failure)
    table = collection.table
    condition = rule_condition(collection, runtime.registry.schema, caller, rule, table)
    found = await connection.execute(select(literal(1)).select_from(table).where(table.c.id == record_id, condition))
    if found.first() is None:
        raise ForbiddenError(failure)


async def _login_alert(
    connection: AsyncConnection, runtime: Runtime, collection: Collection, record: Mapping[str, Any], sign_in: SignIn
) -> None:
    origins = system_collection(runtime.registry.schema, AUTH_ORIGINS)
    table = origins.table
    fingerprint = hashlib.md5((sign_in.ip + sign_in.user_agent[:300]).encode(), usedforsecurity=False).hexdigest()
    mine = (table.c.collectionRef == collection.id, table.c.recordRef == record["id"])
    now = dates.now()
    touched = await connection.execute(
        update(table).where(*mine, table.c.fingerprint == fingerprint).values(updated=now).returning(table.c.id)
    )
    if touched.first() is not None:
        return  # a known device (now the most recent one)
    # Two sign-ins from one new device at once: the second one finds the row inserted and stays quiet.
    inserted = await connection.execute(
        pg_insert(table)
        .values(
            id=new_record_id(),
            collectionRef=collection.id,
            recordRef=record["id"],
            fingerprint=fingerprint,
            created=now,
            updated=now,
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    new_id = inserted.scalar_one_or_none()
    if new_id is None:
        return
    others = (
        (
            await connection.execute(
                select(table.c.id).where(*mine, table.c.id != new_id).order_by(table.c.updated.desc())
            )
        )
        .scalars()
        .all()
    )
    if others and record.get("email"):
        info = f"{sign_in.ip} — {sign_in.user_agent[:200]} — {dates.format_datetime(now)}"
        await send_auth_mail(
            connection, runtime, collection, "login-alert", record, record["email"], {"{ALERT_INFO}": info}
        )
    stale = list(others[MAX_AUTH_ORIGINS - 1 :])
    if stale:
        await connection.execute(delete(table).where(table.c.id.in_(stale)))


async def complete_sign_in(
    runtime: Runtime,
    collection: Collection,
    record: Mapping[str, Any],
    method: str,
    sign_in: SignIn,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The auth response ``{record, token[, meta]}``, after authRule and MFA; ``method`` names the
    sign-in method for MFA ("password", "otp", "oauth2", "totp").

    Raises:
        MfaRequiredError: (after committing the new MFA session) when a second method is needed.
    """
    schema = runtime.registry.schema
    async with runtime.engine.begin() as connection:
        # Evaluated with the original request (a guest, in its context: "password", "oauth2", ...).
        caller = sign_in.caller
        guest = Caller(
            identity=None, query=caller.query, headers=caller.headers, method=caller.method, context=caller.context
        )
        await check_auth_rule(connection, runtime, collection, guest, record["id"])
        pending = await check_mfa(connection, schema, collection, sign_in.caller, dict(record), method, sign_in.mfa_id)
        if pending is None:
            if collection.auth_options["authAlert"]["enabled"]:
                await _login_alert(connection, runtime, collection, record, sign_in)
            identity = Identity(collection=collection, record=dict(record), claims={}, token="")
            viewer = Caller(identity=identity, query=sign_in.query)
            # The auth response always shows the record's own email.
            row = {**record, CAN_MANAGE: True}
            documents = await read_documents(connection, schema, collection, viewer, [row], sign_in.query)
    if pending is not None:
        raise MfaRequiredError(pending)
    body: dict[str, Any] = {}
    if meta is not None:
        body["meta"] = dict(meta)
    body["record"] = documents[0]
    body["token"] = auth_token(collection, record)
    return body
