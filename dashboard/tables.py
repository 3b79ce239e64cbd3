"""The dashboard's own tables in schema ``baas`` (created by the migration ``0007_dashboard``)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from baas.db.tables import SYSTEM_SCHEMA

__all__ = ["sessions", "setup_tokens"]

_metadata = MetaData(schema=SYSTEM_SCHEMA)

# One row per signed-in browser; the cookie holds a random token, the row only its SHA-256.
sessions = Table(
    "dashboard_sessions",
    _metadata,
    Column("id", Text, primary_key=True),
    Column("superuser_id", Text, nullable=False),
    # SHA-256 of the superuser's tokenKey at sign-in: a password change rotates it, ending the session.
    Column("fingerprint", Text, nullable=False),
    Column("csrf", Text, nullable=False),
    Column("flash", JSONB, nullable=False, server_default="[]"),
    Column("user_agent", Text, nullable=False, server_default=""),
    Column("created", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires", DateTime(timezone=True), nullable=False),
)

# The first-run link's token (SHA-256), single use, while no superuser exists.
setup_tokens = Table(
    "dashboard_setup_tokens",
    _metadata,
    Column("hash", Text, primary_key=True),
    Column("expires", DateTime(timezone=True), nullable=False),
)
