"""argon2id password hashing, off the event loop, with a constant-time path for unknown identities."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from baas.config import PasswordHashing

__all__ = ["PasswordHasher"]


class PasswordHasher:
    def __init__(self, params: PasswordHashing) -> None:
        self._hasher = Argon2Hasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            type=Type.ID,
        )
        # Verifying against this when the identity is unknown makes both failure paths take as long.
        self._dummy = self._hasher.hash("baas-dummy-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; an empty/unknown hash costs the same time as a real one."""
        return await asyncio.to_thread(self._verify, stored_hash, password)

    def _verify(self, stored_hash: str | None, password: str) -> bool:
        target = stored_hash or self._dummy
        try:
            matched = self._hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and bool(stored_hash)

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
