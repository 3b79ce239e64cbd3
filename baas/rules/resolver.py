"""Field paths: ``title``, ``author.name``, ``comments_via_post.text``, ``meta.a.b``, ``tags:each``.

Follows PocketBase's record field resolver: up to 6 relation hops, back-relations
``<collection>_via_<field>``, json/geoPoint sub-paths, and the modifiers ``:length``, ``:each``
and ``:lower`` on the last field. A modifier that does not apply to a field (``:isset`` on a
plain field, ``:each`` on text...) is ignored, as PocketBase ignores it: ``title:isset = true``
compares ``title`` with ``1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from baas.rules.context import Ctx, missing_collection
from baas.rules.errors import RuleError
from baas.rules.joins import Chain, JoinNode, Row, Source, _Builder
from baas.rules.operands import Affinity, Fallback, Operand, null_literal
from baas.rules.schema import FieldInfo
from baas.rules.sqlite import lower
from baas.rules.tables import MULTI_VALUE_TYPES
from baas.rules.values import Shape, Sql, Value

__all__ = [
    "MAX_RELATION_HOPS",
    "MODIFIERS",
    "PathSpec",
    "base_path",
    "collection_path",
    "column_value",
    "resolve_path",
    "split_modifier",
]

MAX_RELATION_HOPS = 6
MODIFIERS = frozenset({"isset", "each", "length", "lower", "changed"})
_VIA_RE = re.compile(r"^(\w+)_via_(\w+)$", re.ASCII)


def split_modifier(prop: str) -> tuple[str, str]:
    """``"tags:each"`` -> ``("tags", "each")``; ``"a:b:c"`` stays whole (and will not resolve)."""
    parts = prop.split(":")
    if len(parts) != 2:
        return prop, ""
    if parts[1] not in MODIFIERS:
        raise RuleError(f'unknown modifier in "{prop}"')
    return parts[0], parts[1]


@dataclass(frozen=True)
class PathSpec:
    """A path to walk: where it starts and the remaining dotted properties."""

    start: Callable[[_Builder], Row]
    props: tuple[str, ...]
    # @request.* paths resolve missing fields to NULL instead of failing
    nullify: bool = False
    multi: bool = False
    # relation hops already taken before ``props`` (counts towards the limit of 6)
    offset: int = 0


@dataclass
class _Walk:
    value: Value
    affinity: Affinity
    fallback: Fallback
    nodes: frozenset[JoinNode]
    multi: bool
    after: tuple[Callable[[Sql], Sql], ...] = ()


class _NullPathError(Exception):
    """The path resolves to NULL (a missing field under @request)."""


def resolve_path(ctx: Ctx, spec: PathSpec) -> Operand:
    """Resolve ``spec`` into an operand, joining rows into the shared scope."""
    try:
        walk = _walk(ctx, ctx.scope, spec)
    except _NullPathError:
        return null_literal()
    multi = None
    if walk.multi:

        def multi_match() -> tuple[Source, Operand]:
            chain = Chain()
            inner = _walk(ctx.derive(restricted=False), chain, spec)
            return chain.source(), Operand(inner.value, affinity=inner.affinity, fallback=inner.fallback)

        multi = multi_match
    return Operand(
        walk.value, affinity=walk.affinity, fallback=walk.fallback, nodes=walk.nodes, multi=multi, after=walk.after
    )


def _walk(ctx: Ctx, builder: _Builder, spec: PathSpec) -> _Walk:
    row = spec.start(builder)
    nodes = set(row.nodes)
    multi = spec.multi
    props = spec.props
    for i, prop in enumerate(props):
        if i == len(props) - 1:
            return _last(ctx, builder, row, prop, multi, nodes, spec)
        field = row.collection.get_field(prop)
        if field is not None and field.hidden and ctx.restricted:
            raise RuleError(f'non-filterable field "{prop}"')
        if field is not None and field.type in ("json", "geoPoint"):
            keys = [p.replace(":", "") for p in props[i + 1 :]]
            path = sa.literal(keys, ARRAY(sa.Text()))
            value = Value(Shape.JSON, sql=row.col(field.name).op("#>")(path))
            return _Walk(value, Affinity.NONE, Fallback.DISABLED, frozenset(nodes), multi)
        if i + spec.offset >= MAX_RELATION_HOPS:
            raise RuleError(f'max nested relations reached for field "{prop}"')
        if field is None:
            row = _back_relation(ctx, builder, row, prop, spec)
            multi = True
        elif field.type != "relation":
            raise RuleError(f'field "{prop}" is not a valid relation')
        else:
            target = ctx.find_collection(field.relation_collection_id or "")
            if target is None:
                raise RuleError(f'failed to load field "{prop}" collection')
            # "author.id" is the same as "author" (no join), as in PocketBase
            if not field.is_multiple and i == len(props) - 2 and props[i + 1] == "id":
                return _last(ctx, builder, row, prop, multi, nodes, spec)
            row = builder.rel(row, field, target)
            multi = multi or field.is_multiple
        nodes |= row.nodes
    raise RuleError("empty field path")


def _back_relation(ctx: Ctx, builder: _Builder, row: Row, prop: str, spec: PathSpec) -> Row:
    match = _VIA_RE.match(prop)
    if match is None:
        return _fail(spec, f'failed to resolve field "{prop}"')
    source = ctx.find_collection(match.group(1))
    if source is None:
        return _fail(spec, f'failed to load back relation field "{prop}" collection')
    back_field = source.get_field(match.group(2))
    if back_field is None:
        return _fail(spec, f'missing back relation field "{match.group(2)}"')
    if back_field.type != "relation":
        return _fail(spec, f'invalid back relation field "{match.group(2)}"')
    if back_field.hidden and ctx.restricted:
        raise RuleError(f'non-filterable back relation field "{back_field.name}"')
    if back_field.relation_collection_id != row.collection.id:
        return _fail(spec, f'invalid collection reference of a back relation field "{back_field.name}"')
    # a single back-relation field could be unique (one row); without index information every
    # back-relation is treated as multi-valued, which is PocketBase's behaviour without a
    # unique index on the field
    return builder.back(row, source, back_field)


def _fail(spec: PathSpec, message: str) -> Row:
    if spec.nullify:
        raise _NullPathError
    raise RuleError(message)


def _last(ctx: Ctx, builder: _Builder, row: Row, prop: str, multi: bool, nodes: set[JoinNode], spec: PathSpec) -> _Walk:
    name, modifier = split_modifier(prop)
    field = row.collection.get_field(name)
    if field is None:
        if spec.nullify:
            raise _NullPathError
        raise RuleError(f'unknown field "{name}"')
    if field.hidden and ctx.restricted:
        raise RuleError(f'non-filterable field "{name}"')
    multivaluer = field.type in MULTI_VALUE_TYPES
    if modifier == "length" and multivaluer:
        return _Walk(_length(row, field), Affinity.NONE, Fallback.AUTO, frozenset(nodes), multi)
    if modifier == "each" and multivaluer:
        if not field.is_multiple:
            value, _, fallback = column_value(row, field)
            return _Walk(value, Affinity.NONE, fallback, frozenset(nodes), multi)
        item, node = builder.each(row, field.name)
        if node is not None:
            nodes.add(node)
        return _Walk(Value(Shape.TEXT, sql=item), Affinity.NONE, Fallback.AUTO, frozenset(nodes), True)
    value, affinity, fallback = column_value(row, field)
    after: tuple[Callable[[Sql], Sql], ...] = ()
    if field.name == "email" and ctx.restricted and row.collection.type == "auth":
        visible = row.col("emailVisibility")
        after = (lambda expr: sa.and_(expr, visible == sa.true()),)
    if modifier == "lower":
        value, affinity = lower(value), Affinity.NONE
    return _Walk(value, affinity, fallback, frozenset(nodes), multi, after)


def _length(row: Row, field: FieldInfo) -> Value:
    column = row.col(field.name)
    if field.is_multiple:
        # a missing row counts as an empty list, like PocketBase's json_array_length('[]')
        return Value(Shape.INTEGER, sql=sa.func.coalesce(sa.func.cardinality(column), 0), nullable=False)
    empty = sa.or_(column.is_(None), column == "")
    return Value(Shape.INTEGER, sql=sa.case((empty, 0), else_=1), nullable=False)


def column_value(row: Row, field: FieldInfo) -> tuple[Value, Affinity, Fallback]:
    """A field of ``row`` as a value, with the affinity its PocketBase column would have."""
    column = row.col(field.name)
    nullable = row.present is not None
    kind = field.type
    if kind in MULTI_VALUE_TYPES and field.is_multiple:
        # PocketBase declares these columns JSON, which SQLite gives NUMERIC affinity
        return Value(Shape.ARRAY, sql=column, nullable=nullable), Affinity.NUMERIC, Fallback.AUTO
    if kind == "number":
        return Value(Shape.NUMBER, sql=column, nullable=nullable), Affinity.NUMERIC, Fallback.AUTO
    if kind == "bool":
        return Value(Shape.BOOL, sql=column, nullable=nullable), Affinity.NUMERIC, Fallback.AUTO
    if kind in ("date", "autodate"):
        return Value(Shape.DATE, sql=column, present=row.present), Affinity.TEXT, Fallback.AUTO
    if kind == "relation":
        return Value(Shape.TEXT_EMPTY, sql=column, present=row.present), Affinity.TEXT, Fallback.AUTO
    if kind == "json":
        return Value(Shape.JSON, sql=column), Affinity.NONE, Fallback.DISABLED
    if kind == "geoPoint":
        return Value(Shape.GEO, sql=column, nullable=nullable), Affinity.NUMERIC, Fallback.AUTO
    never_empty = field.name == "id" and row.present is None
    return Value(Shape.TEXT, sql=column, nullable=nullable, never_empty=never_empty), Affinity.TEXT, Fallback.AUTO


def base_path(ctx: Ctx, props: tuple[str, ...]) -> PathSpec:
    """A path starting at the filtered row."""
    base = ctx.base
    return PathSpec(start=lambda _builder: base, props=props)


def collection_path(ctx: Ctx, name: str, props: tuple[str, ...]) -> PathSpec:
    """``@collection.<name>[:alias].<props>``: every record of another collection."""
    collection_name, _, alias = name.partition(":")
    collection = ctx.find_collection(collection_name)
    if collection is None:
        raise missing_collection(collection_name)
    alias_name = alias or collection.name
    known = ctx.collection_aliases.setdefault(f"{bool(alias)}:{alias_name}", collection.id)
    if known != collection.id:
        raise RuleError(f'@collection alias "{alias_name}" is already used for another collection')
    key = ctx.key("collection", bool(alias), alias_name)
    return PathSpec(start=lambda builder: builder.every(key, collection), props=props, multi=True)
