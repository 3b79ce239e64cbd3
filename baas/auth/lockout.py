"""Account lockout (ours): after ``maxAttempts`` failed sign-ins for one identity within ``window``
seconds, that identity is refused for ``duration`` seconds, on every server process.

The key is a hash of the collection and the lower-cased identity, whether or not such a record
exists, so a lockout reveals nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from baas import dates
from baas.errors import TooManyRequestsError

__all__ = ["LOCKED_MESSAGE", "check_lockout", "clear_failures", "lockout_key", "record_failure"]

LOCKED_MESSAGE = "Too many failed attempts. Try again later."


def lockout_key(collection_id: str, identity: str) -> str:
    return hashlib.sha256(f"{collection_id}:{identity.strip().lower()}".encode()).hexdigest()


async def check_lockout(engine: AsyncEngine, config: Mapping[str, Any], key: str) -> None:
    if not config.get("enabled"):
        return
    async with engine.connect() as connection:
        row = (
            await connection.execute(text("SELECT locked_until FROM baas.auth_failures WHERE key = :k"), {"k": key})
        ).first()
    if row is not None and row.locked_until is not None and row.locked_until > dates.now():
        raise TooManyRequestsError(LOCKED_MESSAGE)


async def record_failure(engine: AsyncEngine, config: Mapping[str, Any], key: str) -> None:
    """Count one failure (in its own transaction: the failing request rolls back its own)."""
    if not config.get("enabled"):
        return
    now = dates.now()
    window_start = now - timedelta(seconds=int(config["window"]))
    lock_until = now + timedelta(seconds=int(config["duration"]))
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO baas.auth_failures AS f (key, attempts, first_failed) VALUES (:k, 1, :now) "
                "ON CONFLICT (key) DO UPDATE SET "
                "attempts = CASE WHEN f.first_failed < :window_start THEN 1 ELSE f.attempts + 1 END, "
                "first_failed = CASE WHEN f.first_failed < :window_start THEN :now ELSE f.first_failed END"
            ),
            {"k": key, "now": now, "window_start": window_start},
        )
        await connection.execute(
            text("UPDATE baas.auth_failures SET locked_until = :until WHERE key = :k AND attempts >= :max"),
            {"k": key, "until": lock_until, "max": int(config["maxAttempts"])},
        )


async def clear_failures(engine: AsyncEngine, key: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM baas.auth_failures WHERE key = :k"), {"k": key})
