"""View collections: check a view query and infer the collection's fields from its result columns.

The query is run (``LIMIT 0``) inside a read-only savepoint with a statement timeout, so it must be
a single, read-only SELECT; its columns and types come from PostgreSQL. A column that is a plain
reference to a collection's field (``posts.title``, ``p.owner AS author``) becomes a clone of that
field; ``x.id AS y`` becomes a relation to x's collection; everything else is typed from the column's
PostgreSQL type.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.collections.fields import Field, field_from_json
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.scaffolds import id_field
from baas.db.tables import DATA_SCHEMA
from baas.ids import field_id, random_string

__all__ = ["ViewQueryError", "infer_fields", "normalise_query", "source_tables", "unsafe_functions"]

_STATEMENT_TIMEOUT_MS = 5000


class ViewQueryError(ValueError):
    """The view query is not a valid read-only SELECT (message is shown to the user)."""


def normalise_query(query: str) -> str:
    return query.strip().rstrip(";").strip()


async def _describe(connection: AsyncConnection, query: str) -> list[tuple[str, str]]:
    """(name, PostgreSQL type name) of each result column, running the query read-only."""
    savepoint = await connection.begin_nested()
    try:
        await connection.exec_driver_sql("SET LOCAL transaction_read_only = on")
        await connection.exec_driver_sql(f"SET LOCAL statement_timeout = {_STATEMENT_TIMEOUT_MS}")
        await connection.exec_driver_sql(f"SET LOCAL search_path = {DATA_SCHEMA}, pg_catalog")
        result = await connection.exec_driver_sql(f"SELECT * FROM ({query}\n) AS _view LIMIT 0")
        oids = [(column[0], column[1]) for column in result.cursor.description]
        names = await connection.execute(
            text("SELECT oid::int AS oid, typname FROM pg_catalog.pg_type WHERE oid = ANY(:oids)"),
            {"oids": [oid for _, oid in oids]},
        )
        by_oid = {row.oid: row.typname for row in names}
        return [(name, by_oid.get(oid, "unknown")) for name, oid in oids]
    except DBAPIError as exc:
        raise ViewQueryError(_database_message(exc)) from exc
    finally:
        await savepoint.rollback()


def _database_message(exc: DBAPIError) -> str:
    original = getattr(exc.orig, "__cause__", None) or exc.orig
    message = str(original).strip().splitlines()[0] if str(original).strip() else "invalid query"
    if "multiple commands" in message:
        return "multiple statements are not supported."
    return message


async def source_tables(connection: AsyncConnection, view_name: str) -> list[tuple[str, str]]:
    """(schema, table) of every relation the (already created) view reads.

    Catalog names are schema-qualified: a collection may be called ``pg_class`` and the search path
    puts the data schema first while views are created. Pinned catalogs (``pg_authid``) have no
    dependency rows, so the plan is read too.
    """
    rows = await connection.execute(
        text(
            "SELECT DISTINCT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_rewrite r "
            "JOIN pg_catalog.pg_depend d ON d.objid = r.oid AND d.classid = 'pg_catalog.pg_rewrite'::regclass "
            "JOIN pg_catalog.pg_class c ON c.oid = d.refobjid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE r.ev_class = (quote_ident(:schema) || '.' || quote_ident(:name))::regclass "
            "AND c.oid <> r.ev_class"
        ),
        {"schema": DATA_SCHEMA, "name": view_name},
    )
    found = {(row.schema, row.name) for row in rows}
    quoted = view_name.replace('"', '""')
    savepoint = await connection.begin_nested()
    try:
        plan = (
            await connection.exec_driver_sql(f'EXPLAIN (VERBOSE, FORMAT JSON) SELECT * FROM "{DATA_SCHEMA}"."{quoted}"')
        ).scalar_one()
    except DBAPIError as exc:
        await savepoint.rollback()
        raise ViewQueryError(_database_message(exc)) from exc
    await savepoint.commit()
    found.update(_plan_relations(json.loads(plan) if isinstance(plan, str) else plan))
    return sorted(found)


# Functions a view may not call although PostgreSQL marks them safe to run: they run other queries or
# read the server's configuration.
_FORBIDDEN_FUNCTIONS = frozenset(
    {
        "query_to_xml",
        "query_to_xmlschema",
        "query_to_xml_and_xmlschema",
        "cursor_to_xml",
        "cursor_to_xmlschema",
        "table_to_xml",
        "table_to_xmlschema",
        "table_to_xml_and_xmlschema",
        "schema_to_xml",
        "schema_to_xmlschema",
        "schema_to_xml_and_xmlschema",
        "database_to_xml",
        "database_to_xmlschema",
        "database_to_xml_and_xmlschema",
        "current_setting",
        "pg_settings_get_flags",
        "pg_show_all_settings",
        "pg_get_keywords",
    }
)
# Volatile functions that are harmless in a view.
_ALLOWED_VOLATILE = frozenset(
    {"random", "random_normal", "gen_random_uuid", "uuidv4", "uuidv7", "clock_timestamp", "timeofday", "setseed"}
)


_FUNCTION_OIDS = re.compile(r":(?:funcid|aggfnoid|winfnoid) (\d+)")


async def unsafe_functions(connection: AsyncConnection, view_name: str) -> list[str]:
    """Functions the view calls that it may not: outside pg_catalog, privileged (an ACL restricts who may
    execute them, like ``pg_read_file``), volatile (side effects), or known to run other queries.

    Built-in functions have no dependency rows, so the calls are read from the view's stored query tree.
    """
    tree = await connection.execute(
        text(
            "SELECT r.ev_action::text FROM pg_catalog.pg_rewrite r "
            "WHERE r.ev_class = (quote_ident(:schema) || '.' || quote_ident(:name))::regclass"
        ),
        {"schema": DATA_SCHEMA, "name": view_name},
    )
    oids = sorted({int(oid) for (action,) in tree for oid in _FUNCTION_OIDS.findall(action or "")})
    if not oids:
        return []
    rows = await connection.execute(
        text(
            "SELECT p.proname AS name, n.nspname AS schema, p.provolatile::text AS volatility, "
            "p.proacl IS NOT NULL AS restricted FROM pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = ANY(:oids)"
        ),
        {"oids": oids},
    )
    unsafe = []
    for row in rows:
        volatile_ok = row.volatility != "v" or row.name in _ALLOWED_VOLATILE
        if row.schema != "pg_catalog" or row.restricted or not volatile_ok or row.name in _FORBIDDEN_FUNCTIONS:
            unsafe.append(row.name)
    return sorted(unsafe)


def _plan_relations(node: Any) -> set[tuple[str, str]]:
    """(schema, relation) of every scan in an EXPLAIN (FORMAT JSON) plan."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, list):
        for item in node:
            found |= _plan_relations(item)
    elif isinstance(node, dict):
        if "Relation Name" in node:
            found.add((str(node.get("Schema", "")), str(node["Relation Name"])))
        for value in node.values():
            if isinstance(value, list | dict):
                found |= _plan_relations(value)
    return found


_TYPE_FIELDS: dict[str, dict[str, Any]] = {
    "bool": {"type": "bool"},
    "int2": {"type": "number", "onlyInt": True},
    "int4": {"type": "number", "onlyInt": True},
    "int8": {"type": "number", "onlyInt": True},
    "float4": {"type": "number"},
    "float8": {"type": "number"},
    "numeric": {"type": "number"},
    "text": {"type": "text"},
    "varchar": {"type": "text"},
    "bpchar": {"type": "text"},
    "name": {"type": "text"},
    "timestamptz": {"type": "date"},
    "timestamp": {"type": "date"},
    "date": {"type": "date"},
}

_STORAGE_OF_TYPE = {
    "text": "text",
    "varchar": "text",
    "bool": "boolean",
    "float8": "double precision",
    "timestamptz": "timestamptz",
    "jsonb": "jsonb",
    "_text": "text[]",
}


async def infer_fields(connection: AsyncConnection, query: str, schema: Schema, sources: list[str]) -> list[Field]:
    """The fields of a view over ``query``; ``sources`` are the collection names it reads."""
    columns = await _describe(connection, query)
    names = [name for name, _ in columns]
    if "id" not in names:
        raise ViewQueryError(
            "missing required id column (you can use `(ROW_NUMBER() OVER()) as id` if you don't have one)."
        )
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ViewQueryError(f"duplicated column name {sorted(duplicates)[0]!r}.")
    aliases = _table_aliases(query)
    references = _column_references(query)
    collections = [c for c in (schema.find(name) for name in sources) if c is not None]
    fields: list[Field] = []
    for name, type_name in columns:
        if name == "_rowid":
            continue  # the tables' internal row number (``select *``), never a field
        if name == "id":
            body = id_field() | {"autogeneratePattern": "", "min": 0, "max": 0}
            fields.append(field_from_json(body))
            continue
        fields.append(_infer_one(name, type_name, references.get(name.lower()), aliases, collections))
    return fields


def _infer_one(
    name: str,
    type_name: str,
    reference: tuple[str, str] | None,
    aliases: dict[str, str],
    collections: list[Collection],
) -> Field:
    table_alias, column = reference if reference else ("", name)
    candidates = collections
    if table_alias and table_alias.lower() in aliases:
        candidates = [c for c in collections if c.name.lower() == aliases[table_alias.lower()]]
    for collection in candidates:
        source = collection.get_field(column)
        if source is None or _STORAGE_OF_TYPE.get(type_name, "?") not in source.column_sql():
            continue
        if column == "id" and name != "id":
            return field_from_json(
                {
                    "name": name,
                    "type": "relation",
                    "id": field_id("relation", name),
                    "collectionId": collection.id,
                    "maxSelect": 1,
                }
            )
        clone = source.to_json() | {"name": name, "id": f"_clone_{random_string(4, _ALNUM)}"}
        return field_from_json(clone)
    spec = _TYPE_FIELDS.get(type_name, {"type": "json", "maxSize": 1})
    return field_from_json({"name": name, "id": field_id(spec["type"], name), **spec})


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ALIAS = re.compile(
    r"\b(?:from|join)\s+\"?(\w+)\"?(?:\s+(?:as\s+)?(?!on\b|where\b|join\b|left\b|inner\b|group\b|order\b|limit\b|cross\b|right\b|full\b)(\w+))?",
    re.I,
)
_REFERENCE = re.compile(r"(?:\b(\w+)\.)?\"?(\w+)\"?\s+as\s+\"?(\w+)\"?", re.I)
_PLAIN = re.compile(r"\b(\w+)\.\"?(\w+)\"?\s*(?:,|\bfrom\b)", re.I)


def _table_aliases(query: str) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for match in _ALIAS.finditer(query):
        table = match.group(1).lower()
        aliases[table] = table
        if match.group(2):
            aliases[match.group(2).lower()] = table
    return aliases


def _column_references(query: str) -> dict[str, tuple[str, str]]:
    """output column (lower case) -> (table alias, source column) for ``a.b AS c`` and ``a.b``."""
    found: dict[str, tuple[str, str]] = {}
    for match in _PLAIN.finditer(query):
        found.setdefault(match.group(2).lower(), (match.group(1), match.group(2)))
    for match in _REFERENCE.finditer(query):
        found[match.group(3).lower()] = (match.group(1) or "", match.group(2))
    return found
