"""The platform's own tables, in schema ``baas`` (managed by Alembic; user tables live in ``data``)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["DATA_SCHEMA", "SYSTEM_SCHEMA", "collections", "metadata", "settings"]

SYSTEM_SCHEMA = "baas"
DATA_SCHEMA = "data"

metadata = MetaData(schema=SYSTEM_SCHEMA)

collections = Table(
    "collections",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("system", Boolean, nullable=False, server_default="false"),
    # The whole collection document (fields, rules, indexes, options, secrets) as the API sees it.
    Column("definition", JSONB, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

settings = Table(
    "settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
