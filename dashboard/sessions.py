"""Superuser cookie sessions, kept server-side in ``baas.dashboard_sessions``.

The cookie carries 32 random bytes; the table keeps only their SHA-256, so a leaked table opens
nothing. A session ends when it is idle longer than the ``_superusers`` auth token duration, when it
is older than ``MAX_AGE``, on sign-out, when the superuser is deleted, and when the superuser's
``tokenKey`` changes (a password change rotates it), which revokes every session at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from baas import dates
from baas.auth.identity import Identity
from baas.collections.model import Collection
from baas.collections.scaffolds import SUPERUSERS
from baas.records.caller import Caller
from baas.runtime import Runtime
from dashboard.tables import sessions

__all__ = ["COOKIE", "MAX_AGE", "DashboardSession", "add_flash", "end", "load", "start", "take_flashes"]

COOKIE = "baas_session"
MAX_AGE = timedelta(days=30)
# Sliding expiry is written at most this often, not on every request.
_TOUCH_EVERY = timedelta(minutes=1)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class DashboardSession:
    id: str
    csrf: str
    collection: Collection
    superuser: dict[str, Any]
    flashes: list[dict[str, str]] = field(default_factory=list)

    @property
    def email(self) -> str:
        return str(self.superuser.get("email", ""))

    @property
    def identity(self) -> Identity:
        return Identity(collection=self.collection, record=self.superuser, claims={}, token="")

    @property
    def caller(self) -> Caller:
        return Caller(identity=self.identity)


def _lifetime(collection: Collection) -> timedelta:
    return timedelta(seconds=int(collection.auth_options["authToken"]["duration"]))


def _superusers(runtime: Runtime) -> Collection:
    collection = runtime.registry.schema.find(SUPERUSERS)
    if collection is None:
        raise RuntimeError("the _superusers collection is missing")
    return collection


async def start(runtime: Runtime, superuser_id: str, user_agent: str = "") -> str:
    """Open a session for a superuser; returns the cookie value."""
    collection = _superusers(runtime)
    table = collection.table
    token = secrets.token_urlsafe(32)
    now = dates.now()
    async with runtime.engine.begin() as connection:
        superuser = (await connection.execute(select(table).where(table.c.id == superuser_id))).mappings().one()
        await connection.execute(
            delete(sessions).where(or_(sessions.c.expires < now, sessions.c.created < now - MAX_AGE))
        )
        await connection.execute(
            insert(sessions).values(
                id=digest(token),
                superuser_id=str(superuser["id"]),
                fingerprint=digest(str(superuser["tokenKey"])),
                csrf=secrets.token_urlsafe(32),
                user_agent=user_agent[:300],
                expires=now + _lifetime(collection),
            )
        )
    return token


async def load(runtime: Runtime, cookie: str | None) -> DashboardSession | None:
    """The live session behind a cookie value, or None (an ended session's row is deleted)."""
    if not cookie or len(cookie) > 200:
        return None
    collection = runtime.registry.schema.find(SUPERUSERS)
    if collection is None:
        return None
    key = digest(cookie)
    table = collection.table
    query = (
        select(sessions, table.c.tokenKey.label("_token_key"), func.now().label("_now"))
        .select_from(sessions.outerjoin(table, table.c.id == sessions.c.superuser_id))
        .where(sessions.c.id == key)
    )
    async with runtime.engine.connect() as connection:
        row = (await connection.execute(query)).mappings().first()
    if row is None:
        return None
    now: datetime = row["_now"]
    revoked = row["_token_key"] is None or digest(str(row["_token_key"])) != row["fingerprint"]
    if revoked or row["expires"] <= now or row["created"] <= now - MAX_AGE:
        async with runtime.engine.begin() as connection:
            await connection.execute(delete(sessions).where(sessions.c.id == key))
        return None
    async with runtime.engine.begin() as connection:
        superuser = (await connection.execute(select(table).where(table.c.id == row["superuser_id"]))).mappings().one()
        lifetime = _lifetime(collection)
        if row["expires"] < now + lifetime - _TOUCH_EVERY:
            await connection.execute(update(sessions).where(sessions.c.id == key).values(expires=now + lifetime))
    return DashboardSession(
        id=key, csrf=row["csrf"], collection=collection, superuser=dict(superuser), flashes=list(row["flash"] or [])
    )


async def end(runtime: Runtime, session: DashboardSession) -> None:
    async with runtime.engine.begin() as connection:
        await connection.execute(delete(sessions).where(sessions.c.id == session.id))


async def add_flash(runtime: Runtime, session: DashboardSession, text: str, kind: str = "success") -> None:
    """A message shown once, on the next page this session renders."""
    session.flashes.append({"kind": kind, "text": text})
    async with runtime.engine.begin() as connection:
        await connection.execute(update(sessions).where(sessions.c.id == session.id).values(flash=session.flashes))


async def take_flashes(runtime: Runtime, session: DashboardSession) -> list[dict[str, str]]:
    taken, session.flashes = session.flashes, []
    if taken:
        async with runtime.engine.begin() as connection:
            await connection.execute(update(sessions).where(sessions.c.id == session.id).values(flash=[]))
    return taken
