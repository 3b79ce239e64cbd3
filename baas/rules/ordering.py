"""ORDER BY terms for ``?sort=``, ordering values the way SQLite orders them.

SQLite sorts NULLs first (ascending), numbers before text, and text bytewise; here text is
compared with ``COLLATE "C"`` (declare text columns ``COLLATE "C"`` so indexes match) and
nullable values get ``NULLS FIRST``/``NULLS LAST``. A json value sorts by (class, number, text).
A path through a multi-valued relation sorts by its first value (relation order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from baas.rules.context import Ctx
from baas.rules.errors import RuleError
from baas.rules.joins import scalar_over
from baas.rules.operands import Operand
from baas.rules.sort import RANDOM, ROWID, SortItem
from baas.rules.tables import ROWID_COLUMN
from baas.rules.values import Shape, Sql, Value, class_sql, num_sql, txt_sql

__all__ = ["sort_terms"]

Resolve = Callable[[Ctx, str], Operand]


def sort_terms(ctx: Ctx, item: SortItem, resolve: Resolve) -> list[ColumnElement[Any]]:
    """The ORDER BY terms for one sort item."""
    if item.name == RANDOM:
        return [sa.func.random()]
    if item.name == ROWID:
        name = "id" if ctx.collection.type == "view" else ROWID_COLUMN
        column = ctx.base.col(name)
        return [column.desc() if item.descending else column.asc()]
    # only field paths sort; @request values and macros are constants (PocketBase rejects them)
    if item.name.startswith("@") and not item.name.startswith("@collection."):
        raise RuleError(f'invalid sort field "{item.name}"')
    try:
        operand = resolve(ctx, item.name)
    except RuleError as exc:
        raise RuleError(f'invalid sort field "{item.name}" - {exc.detail}') from exc
    if operand.value.shape is Shape.CONST:
        raise RuleError(f'invalid sort field "{item.name}"')
    terms = []
    for key, nullable in _keys(operand.value):
        if operand.nodes:
            key, nullable = scalar_over(operand.nodes, key), True
        terms.append(_direction(key, item.descending, nullable))
    return terms


def _keys(value: Value) -> list[tuple[Sql, bool]]:
    shape = value.shape
    assert value.sql is not None or shape is Shape.DYN
    if shape in (Shape.JSON, Shape.DYN):
        return [(class_sql(value), True), (num_sql(value), True), (txt_sql(value).collate("C"), True)]
    if shape in (Shape.ARRAY, Shape.GEO):
        return [(txt_sql(value).collate("C"), value.nullable)]
    if shape is Shape.TEXT:
        return [(value.sql.collate("C"), value.nullable)]  # type: ignore[union-attr]
    if shape is Shape.TEXT_EMPTY:
        return [(value.sql.collate("C"), True)]  # type: ignore[union-attr]
    return [(value.sql, value.nullable or shape is Shape.DATE)]  # type: ignore[list-item]


def _direction(key: Sql, descending: bool, nullable: bool) -> ColumnElement[Any]:
    # SQLite puts NULLs first when ascending; only nullable keys need saying so (plain column
    # keys stay index friendly)
    if descending:
        return key.desc().nulls_last() if nullable else key.desc()
    return key.asc().nulls_first() if nullable else key.asc()
