"""Reading records: the paginated list and a single record, with rules applied in the same query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.db.engine import reading
from baas.errors import ForbiddenError, NotFoundError
from baas.paging import list_envelope, parse_paging
from baas.records.caller import Caller
from baas.records.expand import attach_expand, parse_expand
from baas.records.visibility import manage_column, order_column, readable_columns, rule_condition, serialize_rows
from baas.rules import Compiler, parse_sort

__all__ = ["SUPERUSERS_ONLY", "list_records", "read_documents", "view_record"]

SUPERUSERS_ONLY = "Only superusers can perform this action."


def _check_not_locked(collection: Collection, caller: Caller, rule_name: str) -> str | None:
    rule = collection.rules[rule_name]
    if rule is None and not caller.is_superuser:
        raise ForbiddenError(SUPERUSERS_ONLY)
    return rule


async def list_records(
    engine: AsyncEngine, schema: Schema, collection: Collection, caller: Caller, query: Mapping[str, str]
) -> dict[str, Any]:
    rule = _check_not_locked(collection, caller, "listRule")
    paging = parse_paging(query)
    table = collection.table
    compiler = Compiler(collection, schema, caller.request_info(), table=table)
    if rule and not caller.is_superuser:
        compiler.add_rule(rule)
    # client=True for superusers too: the compiler exempts them from the access restrictions but
    # still applies the limits (length, nesting) to what they send.
    if query.get("filter", "") != "":
        compiler.add_filter(query["filter"], client=True)
    if query.get("sort", "") != "":
        compiler.add_sort(parse_sort(query["sort"]), client=True)
    where = compiler.where()
    order = [*compiler.order_by(), order_column(collection, table)]
    columns = [*readable_columns(collection, table)]
    if collection.is_auth:
        columns.append(manage_column(collection, schema, caller, table))
    statement = select(*columns).where(where).order_by(*order).limit(paging.per_page).offset(paging.offset)
    async with reading(engine) as connection:
        rows = (await connection.execute(statement)).mappings().all()
        total = None
        if not paging.skip_total:
            count = select(func.count()).select_from(table).where(where)
            total = int((await connection.execute(count)).scalar_one())
        documents = await read_documents(connection, schema, collection, caller, rows, query)
    return list_envelope(documents, paging, total)


async def read_documents(
    connection: AsyncConnection,
    schema: Schema,
    collection: Collection,
    caller: Caller,
    rows: Any,
    query: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Rows to response JSON, with ``?expand=`` applied (``?fields=`` is applied by the route)."""
    documents = serialize_rows(collection, rows, caller)
    tree = parse_expand(query.get("expand"))
    if tree is not None:
        await attach_expand(connection, schema, caller, collection, rows, documents, tree)
    return documents


async def view_record(
    engine: AsyncEngine,
    schema: Schema,
    collection: Collection,
    caller: Caller,
    record_id: str,
    query: Mapping[str, str],
) -> dict[str, Any]:
    rule = _check_not_locked(collection, caller, "viewRule")
    table = collection.table
    condition = rule_condition(collection, schema, caller, rule, table)
    columns = [*readable_columns(collection, table)]
    if collection.is_auth:
        columns.append(manage_column(collection, schema, caller, table))
    statement = select(*columns).where(table.c.id == literal(record_id), condition).limit(1)
    async with reading(engine) as connection:
        rows = (await connection.execute(statement)).mappings().all()
        if not rows:
            raise NotFoundError()
        documents = await read_documents(connection, schema, collection, caller, rows, query)
    return documents[0]
