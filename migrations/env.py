"""Alembic environment for the ``baas`` system schema only.

Run through ``baas migrate`` (or ``baas.db.migrate.upgrade``), which hands over an open connection.
User tables in schema ``data`` are outside Alembic's view: ``include_name`` filters them out.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from baas.db.tables import SYSTEM_SCHEMA, metadata


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "schema":
        return name == SYSTEM_SCHEMA
    return True


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=SYSTEM_SCHEMA,
        include_schemas=True,
        include_name=include_name,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `baas migrate`")
run_migrations(connection)
