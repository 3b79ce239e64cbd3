"""What a caller may read: rule scopes for queries, and serialisation with email visibility.

An auth record's ``email`` is shown to the record itself, to superusers, to callers whose
``manageRule`` matches the record (computed in the same query as ``_can_manage``), and to everyone
when ``emailVisibility`` is on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, false, true
from sqlalchemy.sql.expression import FromClause

from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.records.caller import Caller
from baas.records.rule_cache import cached_condition
from baas.records.serialize import record_json
from baas.rules import Compiler

__all__ = ["CAN_MANAGE", "order_column", "readable_columns", "rule_condition", "rule_scope", "serialize_rows"]

CAN_MANAGE = "_can_manage"


def rule_condition(
    collection: Collection,
    schema: Schema,
    caller: Caller,
    rule: str | None,
    table: FromClause,
    body: Mapping[str, Any] | None = None,
) -> ColumnElement[bool]:
    """The SQL condition of an API rule for the caller (callers check ``None`` rules themselves)."""
    if caller.is_superuser or rule == "":
        return true()
    if rule is None:
        return false()

    def compile_rule() -> ColumnElement[bool]:
        compiler = Compiler(collection, schema, caller.request_info(body), table=table)
        compiler.add_rule(rule)
        return compiler.where()

    return cached_condition(collection, schema, caller, rule, table, compile_rule)


def manage_column(collection: Collection, schema: Schema, caller: Caller, table: FromClause) -> ColumnElement[Any]:
    if not collection.is_auth or caller.is_superuser:
        return true().label(CAN_MANAGE)
    rule = collection.auth_options.get("manageRule")
    if rule is None:
        return false().label(CAN_MANAGE)
    condition = rule_condition(collection, schema, caller, rule, table)
    return case((condition, true()), else_=false()).label(CAN_MANAGE)


def rule_scope(
    collection: Collection, schema: Schema, caller: Caller, rule_name: str
) -> tuple[FromClause, ColumnElement[bool], list[ColumnElement[Any]]] | None:
    """(table, WHERE, extra columns) for reading ``collection`` under one of its rules; None if locked."""
    table = collection.table
    rule = collection.rules[rule_name]
    if rule is None and not caller.is_superuser:
        return None
    where = rule_condition(collection, schema, caller, rule, table)
    extra = [manage_column(collection, schema, caller, table)] if collection.is_auth else []
    return table, where, extra


def readable_columns(collection: Collection, table: FromClause) -> list[ColumnElement[Any]]:
    return [table.c[item.name] for item in collection.fields]


def order_column(collection: Collection, table: FromClause) -> ColumnElement[Any]:
    """Insertion order for tables (PocketBase's rowid); views have only their id."""
    return table.c.id if collection.is_view else table.c["_rowid"]


def serialize_rows(collection: Collection, rows: Sequence[Mapping[Any, Any]], caller: Caller) -> list[dict[str, Any]]:
    documents = []
    for row in rows:
        show_email = bool(row.get(CAN_MANAGE)) or caller.is_superuser or caller.owns(collection.id, str(row["id"]))
        documents.append(record_json(collection, row, show_email=show_email, show_hidden=caller.is_superuser))
    return documents
