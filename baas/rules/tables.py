"""SQLAlchemy table objects for collections, matching the storage model.

Each base/auth collection is the table ``data."<name>"`` (a view collection is a VIEW of that name)
with one column per field, named exactly like the field. Base and auth tables also have a hidden
``_rowid`` identity column (insertion order).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import quoted_name
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

from baas.rules.schema import CollectionInfo, FieldInfo

__all__ = [
    "DATA_SCHEMA",
    "MULTI_VALUE_TYPES",
    "ROWID_COLUMN",
    "TEXT_TYPES",
    "column_type",
    "table_for",
]

DATA_SCHEMA = "data"
ROWID_COLUMN = "_rowid"
#: Field types stored as ``text NOT NULL DEFAULT ''`` (unknown types are treated the same way).
TEXT_TYPES = frozenset({"text", "email", "url", "editor", "password"})
#: Field types that can hold several values (PocketBase's "MultiValuer" fields).
MULTI_VALUE_TYPES = frozenset({"select", "file", "relation"})


def column_type(field: FieldInfo) -> TypeEngine[Any]:
    """The SQLAlchemy type of a field's column."""
    return _type(field.type, field.is_multiple)


def _type(kind: str, multiple: bool) -> TypeEngine[Any]:
    if kind in MULTI_VALUE_TYPES and multiple:
        return ARRAY(sa.Text())
    if kind == "number":
        return sa.Double()
    if kind == "bool":
        return sa.Boolean()
    if kind in ("date", "autodate"):
        return sa.DateTime(timezone=True)
    if kind in ("json", "geoPoint"):
        return JSONB()
    return sa.Text()


def table_for(collection: CollectionInfo) -> TableClause:
    """The table object for ``collection``; alias it (``.alias()``) for each extra use.

    The same object is returned for the same collection shape, so a query built with one call
    and a condition compiled with another refer to the same FROM. Column names are always quoted,
    so any field name the collections package allows is safe.
    """
    shape = (
        collection.name,
        collection.type,
        tuple((f.name, f.type, f.is_multiple) for f in collection.fields),
    )
    return _table_for_shape(shape)


@lru_cache(maxsize=1024)
def _table_for_shape(shape: tuple[str, str, tuple[tuple[str, str, bool], ...]]) -> TableClause:
    name, kind, fields = shape
    columns = [sa.column(quoted_name(f, True), _type(t, multiple)) for f, t, multiple in fields]
    if all(f != "id" for f, _, _ in fields):
        columns.insert(0, sa.column(quoted_name("id", True), sa.Text()))
    if kind != "view":
        columns.append(sa.column(quoted_name(ROWID_COLUMN, True), sa.BigInteger()))
    return sa.table(quoted_name(name, True), *columns, schema=DATA_SCHEMA)
