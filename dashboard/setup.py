"""The first run: a one-time link that lets whoever started the server create the first superuser.

``baas serve`` calls ``setup_link`` when no superuser exists: a random token, stored only as its
SHA-256, valid for ``SETUP_LIFETIME`` and for one use; issuing a new one voids the previous one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from baas import dates
from baas.auth.service import upsert_superuser
from baas.collections.registry import Schema
from baas.collections.scaffolds import SUPERUSERS
from baas.runtime import Runtime
from dashboard.sessions import digest
from dashboard.tables import setup_tokens

__all__ = ["SETUP_LIFETIME", "SetupError", "create_first_superuser", "setup_link", "superuser_exists", "token_valid"]

SETUP_LIFETIME = timedelta(hours=1)
# Serialises concurrent first-run submissions (an arbitrary constant of this feature).
_SETUP_LOCK = 0x0BAA5_5E7


class SetupError(Exception):
    """The setup link cannot be used (the message says why)."""


async def superuser_exists(engine: AsyncEngine, schema: Schema) -> bool:
    collection = schema.find(SUPERUSERS)
    if collection is None:
        return False
    table = collection.table
    async with engine.connect() as connection:
        return (await connection.execute(select(literal(1)).select_from(table).limit(1))).first() is not None


async def setup_link(engine: AsyncEngine, schema: Schema, base_url: str) -> str | None:
    """A fresh setup link when no superuser exists yet, else None."""
    if await superuser_exists(engine, schema):
        return None
    token = secrets.token_urlsafe(32)
    async with engine.begin() as connection:
        await connection.execute(delete(setup_tokens))
        await connection.execute(insert(setup_tokens).values(hash=digest(token), expires=dates.now() + SETUP_LIFETIME))
    return f"{base_url.rstrip('/')}/_/setup?token={token}"


async def token_valid(engine: AsyncEngine, token: str) -> bool:
    if not token or len(token) > 200:
        return False
    query = select(literal(1)).where(setup_tokens.c.hash == digest(token), setup_tokens.c.expires > func.now())
    async with engine.connect() as connection:
        return (await connection.execute(query)).first() is not None


async def create_first_superuser(runtime: Runtime, token: str, email: str, password: str) -> None:
    """Create the first superuser through ``upsert_superuser`` and use up the token, atomically.

    Raises:
        SetupError: the token is unknown, expired or used, or a superuser exists already.
        ValidationError: an invalid email or password (the token stays usable).
    """
    async with runtime.engine.begin() as connection:
        await connection.execute(select(func.pg_advisory_xact_lock(_SETUP_LOCK)))
        found = await connection.execute(
            delete(setup_tokens)
            .where(setup_tokens.c.hash == digest(token), setup_tokens.c.expires > func.now())
            .returning(setup_tokens.c.hash)
        )
        if not token or found.first() is None:
            raise SetupError("This setup link is invalid, expired or already used. Restart `baas serve` for a new one.")
        if await superuser_exists(runtime.engine, runtime.registry.schema):
            raise SetupError("A superuser exists already: sign in instead.")
        # A validation error raises before anything is written and rolls the token's deletion back.
        await upsert_superuser(runtime.engine, runtime.registry.schema, runtime.hasher, email, password)
