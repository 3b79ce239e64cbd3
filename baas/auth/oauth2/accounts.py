"""Which auth record an OAuth2 identity signs in to, and the writes that sign-in makes.

In one transaction, in PocketBase's order: the record already linked to (provider, providerId); else
the signed-in caller's own record (linking a provider to it); else the record with the provider's
verified email; else a new record from ``createData`` and the mapped fields. Then the link row in
``_externalAuths``.

The pre-registration defence: an unverified record with an email that is taken over by an OAuth2
sign-in (someone else may have registered that email with a password) gets a new random password
and a new ``tokenKey``, so every password and token of the earlier holder stops working. Ours on
top of PocketBase: the provider links of that record, other than the one signing in, are removed
too, so an account linked while it was unverified cannot keep a way in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from baas import dates
from baas.auth.oauth2.providers import AuthUser
from baas.auth.oauth2.providers.http import OAuth2Error, new_client, send
from baas.auth.system_records import insert_row, system_collection
from baas.collections.fields.autodate import AutodateField
from baas.collections.fields.file import FileField
from baas.collections.fields.text import TextField
from baas.collections.indexes import InvalidIndexError, parse_index
from baas.collections.model import Collection
from baas.collections.scaffolds import SUPERUSERS
from baas.errors import ApiError, BadRequestError, FieldError
from baas.events import RecordEvent
from baas.files.sniff import HEAD_SIZE
from baas.files.uploads import Upload, new_spool
from baas.ids import new_token_key, random_string
from baas.records.attachments import FileChanges, planned_id
from baas.records.caller import Caller
from baas.records.cascade import delete_where
from baas.records.writing import create_record, update_record
from baas.runtime import Runtime

__all__ = ["EXTERNAL_AUTHS", "FAILED", "Outcome", "sign_in_account"]

logger = logging.getLogger("baas.auth.oauth2")

EXTERNAL_AUTHS = "_externalAuths"
FAILED = "Failed to authenticate."
_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class _System(Caller):
    """The server's own writes (PocketBase's ``txApp.Save``): no API rules, full field access."""

    @property
    def is_superuser(self) -> bool:
        return True


@dataclass
class Outcome:
    record: dict[str, Any]
    is_new: bool
    events: list[RecordEvent]
    # The downloaded avatar of a sign-up, staged in storage: settled after the transaction.
    files: FileChanges | None = field(default=None)


def _unique_lowercase(collection: Collection, name: str) -> bool | None:
    """None without a single-column UNIQUE index on ``name``; else whether it ignores case (NOCASE)."""
    for text in collection.indexes:
        try:
            index = parse_index(text)
        except InvalidIndexError:
            continue
        if index.unique and len(index.columns) == 1 and index.columns[0].name == name:
            return index.columns[0].function == "lower"
    return None


async def _find_by(connection: AsyncConnection, collection: Collection, name: str, value: str) -> dict[str, Any] | None:
    table = collection.table
    column = table.c[name]
    if _unique_lowercase(collection, name):
        condition = func.lower(column) == func.lower(literal(value))
    else:
        condition = column == value
    row = (await connection.execute(select(table).where(condition).limit(1).with_for_update())).mappings().first()
    return dict(row) if row is not None else None


async def _linked(
    connection: AsyncConnection, runtime: Runtime, collection: Collection, provider: str, provider_id: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the link row, its record); a link whose record is gone is removed and ignored."""
    links = system_collection(runtime.registry.schema, EXTERNAL_AUTHS)
    table = links.table
    query = (
        select(table)
        .where(table.c.collectionRef == collection.id, table.c.provider == provider, table.c.providerId == provider_id)
        .limit(1)
    )
    link = (await connection.execute(query)).mappings().first()
    if link is None:
        return None, None
    record = await _find_by(connection, collection, "id", link["recordRef"])
    if record is None:
        await delete_where(connection, runtime.registry.schema, links, table.c.id == link["id"])
        return None, None
    return dict(link), record


async def _can_assign_username(connection: AsyncConnection, collection: Collection, name: str, username: str) -> bool:
    item = collection.get_field(name)
    if not isinstance(item, TextField):
        return False
    try:
        item.validate(item.prepare(username))
    except FieldError:
        return False
    if _unique_lowercase(collection, name) is None:
        return True
    return await _find_by(connection, collection, name, username) is None


async def _sign_up(
    connection: AsyncConnection,
    runtime: Runtime,
    collection: Collection,
    caller: Caller,
    user: AuthUser,
    create_data: Mapping[str, Any],
) -> Outcome:
    if collection.name == SUPERUSERS:
        raise BadRequestError(FAILED)  # superusers never sign up through OAuth2
    payload = dict(create_data)
    if not isinstance(payload.get("email"), str) or not payload["email"]:
        payload["email"] = user.email
    mapped = collection.auth_options["oauth2"]["mappedFields"]
    # Mapped fields fill only what createData left out.
    if mapped.get("id") and mapped["id"] not in payload:
        payload[mapped["id"]] = user.id
    if mapped.get("name") and mapped["name"] not in payload:
        payload[mapped["name"]] = user.name
    username = mapped.get("username")
    if (
        username
        and username not in payload
        and await _can_assign_username(connection, collection, username, user.username)
    ):
        payload[username] = user.username
    avatar = mapped.get("avatarURL")
    files = None
    if avatar and avatar not in payload and user.avatar_url:
        target = collection.get_field(avatar)
        if isinstance(target, FileField):
            files = await _avatar_file(collection, target, user.avatar_url)
            if files is not None:
                payload = files.values(payload)
        else:
            payload[avatar] = user.avatar_url
    if "password" not in payload:
        payload["password"] = payload["passwordConfirm"] = random_string(30, _ALPHANUMERIC)
    schema, hasher = runtime.registry.schema, runtime.hasher
    try:
        if files is not None:
            await files.stage(runtime.files, planned_id(collection, payload))
        row, events = await create_record(connection, schema, hasher, collection, caller, payload, files=files)
    except BaseException:
        if files is not None:
            await files.abort(runtime.files)
        raise
    if row["email"] == user.email and not row["verified"]:
        # The provider vouches for this address (or neither side has one).
        verified = {"verified": True}
        row, more = await update_record(connection, schema, hasher, collection, _System(), row["id"], verified)
        events += more
    return Outcome(row, True, events, files)


async def _avatar_file(collection: Collection, target: FileField, url: str) -> FileChanges | None:
    """The provider's avatar as an upload to ``target`` (as PocketBase downloads it for a file field).

    Best effort: an avatar that cannot be fetched (at most 1 MB) or that the field refuses (type,
    size) is left out and logged; the sign-up goes on without it.
    """
    try:
        async with new_client() as http:
            reply = await send(http, "GET", url)
    except OAuth2Error as exc:
        logger.info("oauth2: avatar not downloaded: %s", exc)
        return None
    if not reply.ok or not reply.body:
        logger.info("oauth2: avatar not downloaded: %s answered %d", urlsplit(url).netloc, reply.status)
        return None
    spool = new_spool()
    spool.write(reply.body)
    spool.seek(0)
    filename = PurePosixPath(urlsplit(url).path).name or "avatar"
    upload = Upload(key=target.name, filename=filename, size=len(reply.body), head=reply.body[:HEAD_SIZE], file=spool)
    files = FileChanges.prepare(collection, [upload])
    refused = [item.error for item in files.files if item.error is not None]
    if refused:
        logger.info("oauth2: avatar left out, the %s field refuses it: %s", target.name, refused[0].message)
        files.close()
        return None
    return files


async def _reset_credentials(
    connection: AsyncConnection, runtime: Runtime, collection: Collection, record_id: str
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "password": await runtime.hasher.hash(random_string(30, _ALPHANUMERIC)),
        "tokenKey": new_token_key(),
    }
    for item in collection.fields:
        if isinstance(item, AutodateField) and item.onUpdate:
            values[item.name] = dates.now()
    table = collection.table
    statement = update(table).where(table.c.id == record_id).values(values).returning(*table.c)
    return dict((await connection.execute(statement)).mappings().one())


async def _unlink_others(
    connection: AsyncConnection, runtime: Runtime, collection: Collection, record_id: str, keep: str
) -> list[RecordEvent]:
    links = system_collection(runtime.registry.schema, EXTERNAL_AUTHS)
    table = links.table
    condition = (table.c.collectionRef == collection.id) & (table.c.recordRef == record_id) & (table.c.id != keep)
    deleted = await delete_where(connection, runtime.registry.schema, links, condition)
    return [RecordEvent("delete", d.collection.id, d.collection.name, d.row) for d in deleted]


async def _sign_in_existing(
    connection: AsyncConnection,
    runtime: Runtime,
    collection: Collection,
    caller: Caller,
    user: AuthUser,
    record: dict[str, Any],
    link_id: str,
) -> Outcome:
    events: list[RecordEvent] = []
    own = caller.owns(collection.id, str(record["id"]))
    taken_over = not own and bool(record["email"]) and not record["verified"]
    if taken_over:
        record = await _reset_credentials(connection, runtime, collection, record["id"])
        events += await _unlink_others(connection, runtime, collection, record["id"], link_id)
    values: dict[str, Any] = {}
    email = record["email"]
    if not email and user.email:
        values["email"] = email = user.email  # a record made by a provider that gave no email
    if not record["verified"] and (not email or email == user.email):
        values["verified"] = True
    if values:
        try:
            record, more = await update_record(
                connection, runtime.registry.schema, runtime.hasher, collection, _System(), record["id"], values
            )
        except ApiError as exc:
            raise BadRequestError(FAILED, exc.data) from exc
        events += more
    elif taken_over:
        events.append(RecordEvent("update", collection.id, collection.name, record))
    return Outcome(record, False, events)


async def _link(
    connection: AsyncConnection,
    runtime: Runtime,
    collection: Collection,
    record_id: str,
    provider: str,
    provider_id: str,
) -> RecordEvent:
    links = system_collection(runtime.registry.schema, EXTERNAL_AUTHS)
    values = {"collectionRef": collection.id, "recordRef": record_id, "provider": provider, "providerId": provider_id}
    savepoint = await connection.begin_nested()
    try:
        row = await insert_row(connection, links, values)
    except IntegrityError as exc:
        # e.g. the record already has another account of this provider linked
        await savepoint.rollback()
        raise BadRequestError(FAILED) from exc
    await savepoint.commit()
    return RecordEvent("create", links.id, links.name, row)


async def sign_in_account(
    runtime: Runtime,
    collection: Collection,
    caller: Caller,
    provider: str,
    user: AuthUser,
    create_data: Mapping[str, Any],
) -> Outcome:
    """Find, link or create the record ``user`` signs in to; one transaction, events to publish after."""
    outcome: Outcome | None = None
    try:
        async with runtime.engine.begin() as connection:
            link, record = await _linked(connection, runtime, collection, provider, user.id)
            identity = caller.identity
            if record is None and identity is not None and identity.collection.id == collection.id:
                record = await _find_by(connection, collection, "id", identity.id)
            if record is None and user.email:
                record = await _find_by(connection, collection, "email", user.email)
            if record is None:
                outcome = await _sign_up(connection, runtime, collection, caller, user, create_data)
            else:
                link_id = link["id"] if link is not None else ""
                outcome = await _sign_in_existing(connection, runtime, collection, caller, user, record, link_id)
            if link is None:
                linked = await _link(connection, runtime, collection, outcome.record["id"], provider, user.id)
                outcome.events.append(linked)
    except BaseException:
        if outcome is not None and outcome.files is not None:
            await outcome.files.abort(runtime.files)
        raise
    if outcome.files is not None:
        await outcome.files.finish(runtime.files)
    return outcome
