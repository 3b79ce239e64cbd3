"""Multi-factor sign-in: the first method answers 401 ``{"mfaId"}``, a different second method
completes it within ``mfa.duration``. A record with TOTP enrolled always needs a second factor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.auth.system_records import delete_row, find_row, insert_row, is_expired, system_collection
from baas.auth.totp import has_totp
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.errors import ApiError, BadRequestError
from baas.records.caller import Caller
from baas.records.visibility import rule_condition

__all__ = ["MfaRequiredError", "check_mfa"]

MFAS = "_mfas"


class MfaRequiredError(ApiError):
    """401 with only ``{"mfaId": ...}`` in the body, as PocketBase answers."""

    status = 401

    def __init__(self, mfa_id: str) -> None:
        super().__init__("MFA required.")
        self.mfa_id = mfa_id

    def to_json(self) -> dict[str, Any]:
        return {"mfaId": self.mfa_id}


async def _wants_mfa(
    connection: AsyncConnection, schema: Schema, collection: Collection, caller: Caller, record: dict[str, Any]
) -> bool:
    options = collection.auth_options["mfa"]
    if not options["enabled"]:
        return False
    rule = options["rule"]
    if not rule:
        return True
    table = collection.table
    guest = Caller(
        identity=None, query=caller.query, headers=caller.headers, method=caller.method, context=caller.context
    )
    condition = rule_condition(collection, schema, guest, rule, table)
    found = await connection.execute(select(literal(1)).select_from(table).where(table.c.id == record["id"], condition))
    return found.first() is not None


async def check_mfa(
    connection: AsyncConnection,
    schema: Schema,
    collection: Collection,
    caller: Caller,
    record: dict[str, Any],
    method: str,
    mfa_id: str,
) -> str | None:
    """None when no second factor is needed or ``mfa_id`` completes one; else the id of a new MFA
    session that the client must complete (answer it with MfaRequiredError after committing)."""
    needed = await _wants_mfa(connection, schema, collection, caller, record)
    needed = needed or await has_totp(connection, collection.id, record["id"])
    if not needed and not mfa_id:
        return None
    mfas = system_collection(schema, MFAS)
    if not mfa_id:
        created = await insert_row(
            connection, mfas, {"collectionRef": collection.id, "recordRef": record["id"], "method": method}
        )
        return str(created["id"])
    row = await find_row(connection, mfas, mfa_id, lock=True)
    duration = int(collection.auth_options["mfa"]["duration"] or 600)
    if row is None or is_expired(row, duration):
        if row is not None:
            await delete_row(connection, mfas, mfa_id)
        raise BadRequestError("Invalid or expired MFA session.")
    if row["recordRef"] != record["id"] or row["collectionRef"] != collection.id:
        raise BadRequestError("Invalid MFA session.")
    if row["method"] == method:
        raise BadRequestError("A different authentication method is required.")
    await delete_row(connection, mfas, mfa_id)
    return None
