"""``?expand=``: attach related records (relations and back-relations), each filtered by its own
collection's viewRule for the caller, nested up to 6 levels, one query per relation per level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Text, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.collections.fields.relation import RelationField
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.records.caller import Caller
from baas.records.visibility import order_column, readable_columns, rule_scope, serialize_rows

__all__ = ["MAX_EXPAND_DEPTH", "attach_expand", "parse_expand", "prune"]

MAX_EXPAND_DEPTH = 6
_MAX_PATHS = 50

ExpandTree = dict[str, "ExpandTree"]


def parse_expand(raw: str | None) -> ExpandTree | None:
    if raw is None or not raw.strip():
        return None
    tree: ExpandTree = {}
    for path in [p.strip() for p in raw.split(",") if p.strip()][:_MAX_PATHS]:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            continue  # too deep: ignored, like an unknown path
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    return tree


def prune(schema: Schema, collection: Collection, tree: ExpandTree) -> ExpandTree:
    """Only the paths that resolve through relations and back-relations at every step.

    A path that does not (``owner.nope``, ``title``, ``../x``) is ignored as a whole, as PocketBase does.
    """
    valid: ExpandTree = {}
    for key, children in tree.items():
        item = collection.get_field(key)
        target: Collection | None = None
        if isinstance(item, RelationField):
            target = schema.find(item.collectionId)
        elif (back := _back_relation(schema, collection, key)) is not None:
            target = back[0]
        if target is None:
            continue
        pruned = prune(schema, target, children)
        if children and not pruned:
            continue
        valid[key] = pruned
    return valid


def _back_relation(schema: Schema, collection: Collection, key: str) -> tuple[Collection, RelationField] | None:
    source_name, sep, field_name = key.partition("_via_")
    if not sep:
        return None
    source = schema.find(source_name)
    if source is None:
        return None
    item = source.get_field(field_name)
    if not isinstance(item, RelationField) or item.collectionId != collection.id:
        return None
    return source, item


def _ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return [value] if isinstance(value, str) and value else []


async def attach_expand(
    connection: AsyncConnection,
    schema: Schema,
    caller: Caller,
    collection: Collection,
    rows: Sequence[Mapping[Any, Any]],
    documents: Sequence[dict[str, Any]],
    tree: ExpandTree,
) -> None:
    """Add ``expand`` to each document (``documents[i]`` is the JSON of ``rows[i]``).

    ``expand`` appears (possibly ``{}``) when at least one path is valid, and not at all otherwise.
    """
    tree = prune(schema, collection, tree)
    if not tree:
        return
    for document in documents:
        document.setdefault("expand", {})
    if not rows:
        return
    for key, children in tree.items():
        item = collection.get_field(key)
        if isinstance(item, RelationField):
            target = schema.find(item.collectionId)
            if target is None:
                continue
            wanted = sorted({i for row in rows for i in _ids(row.get(key))})
            found = await _fetch(connection, schema, caller, target, wanted, children)
            for row, document in zip(rows, documents, strict=True):
                related = [found[i] for i in _ids(row.get(key)) if i in found]
                if item.is_multiple:
                    if related:
                        document["expand"][key] = related
                elif related:
                    document["expand"][key] = related[0]
            continue
        back = _back_relation(schema, collection, key)
        if back is None:
            continue
        source, relation = back
        parent_ids = [str(row["id"]) for row in rows]
        grouped = await _fetch_back(connection, schema, caller, source, relation, parent_ids, children)
        for row, document in zip(rows, documents, strict=True):
            if grouped.get(str(row["id"])):
                document["expand"][key] = grouped[str(row["id"])]


async def _fetch(
    connection: AsyncConnection,
    schema: Schema,
    caller: Caller,
    target: Collection,
    ids: list[str],
    children: ExpandTree,
) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    scope = rule_scope(target, schema, caller, "viewRule")
    if scope is None:
        return {}
    table, where, extra = scope
    rows = (
        (await connection.execute(select(*readable_columns(target, table), *extra).where(where, table.c.id.in_(ids))))
        .mappings()
        .all()
    )
    documents = serialize_rows(target, rows, caller)
    if children:
        await attach_expand(connection, schema, caller, target, rows, documents, children)
    return {str(row["id"]): doc for row, doc in zip(rows, documents, strict=True)}


async def _fetch_back(
    connection: AsyncConnection,
    schema: Schema,
    caller: Caller,
    source: Collection,
    relation: RelationField,
    parent_ids: list[str],
    children: ExpandTree,
) -> dict[str, list[dict[str, Any]]]:
    scope = rule_scope(source, schema, caller, "viewRule")
    if scope is None:
        return {}
    table, where, extra = scope
    column = table.c[relation.name]
    points = column.overlap(literal(parent_ids, ARRAY(Text()))) if relation.is_multiple else column.in_(parent_ids)
    query = select(*readable_columns(source, table), *extra).where(where, points).order_by(order_column(source, table))
    rows = (await connection.execute(query)).mappings().all()
    documents = serialize_rows(source, rows, caller)
    if children:
        await attach_expand(connection, schema, caller, source, rows, documents, children)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row, document in zip(rows, documents, strict=True):
        for parent in _ids(row.get(relation.name)):
            grouped.setdefault(parent, []).append(document)
    return grouped
