"""Who is calling: the auth record behind the request's token, or a guest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.auth.tokens import TokenError, decode_unverified, verify_token
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.scaffolds import SUPERUSERS
from baas.db.engine import reading

__all__ = ["Identity", "identify", "token_from_header"]


@dataclass(frozen=True)
class Identity:
    collection: Collection
    record: dict[str, Any]  # the whole row, hidden fields included
    claims: dict[str, Any]
    token: str

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def is_superuser(self) -> bool:
        return self.collection.name == SUPERUSERS

    @property
    def refreshable(self) -> bool:
        return bool(self.claims.get("refreshable", False))


def token_from_header(value: str | None) -> str:
    """The raw token from an Authorization header, with or without the ``Bearer`` prefix.

    Exactly one space follows the prefix, as in PocketBase: ``Bearer  <token>`` is no valid token.
    """
    if not value:
        return ""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:]
    return value


async def identify(
    engine: AsyncEngine, schema: Schema, token: str, *, kind: Literal["auth", "file"] = "auth"
) -> Identity | None:
    """The auth record for a valid token of ``kind``; None for a missing, invalid, expired or revoked one.

    ``file`` tokens (``POST /api/files/token``) are signed with the collection's ``fileToken`` secret,
    auth tokens with its ``authToken`` secret; both with the record's ``tokenKey``.
    """
    if not token or len(token) > 4096:
        return None
    try:
        claims = decode_unverified(token)
    except TokenError:
        return None
    collection_id, record_id = claims.get("collectionId"), claims.get("id")
    if claims.get("type") != kind or not isinstance(collection_id, str) or not isinstance(record_id, str):
        return None
    collection = schema.find(collection_id)
    if collection is None or not collection.is_auth or collection.id != collection_id:
        return None
    table = collection.table
    async with reading(engine) as connection:
        row = (await connection.execute(select(table).where(table.c.id == record_id))).mappings().first()
    if row is None:
        return None
    secret = collection.auth_options[f"{kind}Token"]["secret"]
    try:
        verified = verify_token(token, collection_secret=secret, token_key=row["tokenKey"])
    except TokenError:
        return None
    return Identity(collection=collection, record=dict(row), claims=verified, token=token)
