"""SQLite comparison semantics over ``Value``s, built as PostgreSQL expressions.

Results keep SQL's three-valued logic exactly as SQLite would produce it, except where a caller
passes ``relaxed=True``: then NULL may stand for FALSE, which lets a comparison stay sargable
(``author = :p`` instead of ``COALESCE(author, '') = :p``). That is safe wherever the result only
feeds AND/OR up to the WHERE clause, and never under a NOT.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from baas.rules.dates import canonical_prefix
from baas.rules.literals import py_text
from baas.rules.values import (
    Cls,
    Const,
    Shape,
    Sql,
    Value,
    class_sql,
    const,
    json_kind_in,
    null_cond,
    num_sql,
    static_cls,
    text_of,
    txt_sql,
)

__all__ = ["coalesce_empty", "compare", "is_same", "like", "lower"]

_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MIRROR = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _sql_op(left: Sql, op: str, right: Sql, *, collate: bool = False) -> Sql:
    if collate and op != "=":
        # SQLite compares text bytewise (BINARY); the "C" collation does the same
        left, right = left.collate("C"), right.collate("C")
    return cast(Sql, _PY_OPS[op](left, right))


def _truth(value: bool) -> Sql:
    return sa.true() if value else sa.false()


def _guarded(result: bool, *values: Value, relaxed: bool) -> Sql:
    """A constant result that is still NULL when one of ``values`` is NULL."""
    conds = [c for c in (null_cond(v) for v in values) if c is not False]
    if not conds or (relaxed and not result):
        return _truth(result)
    if any(c is True for c in conds):
        return sa.null()
    return sa.case((sa.or_(*conds), sa.null()), else_=_truth(result))  # type: ignore[arg-type]


def compare(a: Value, op: str, b: Value, *, relaxed: bool = False) -> Sql:
    """SQLite's ``a op b`` for ``=``, ``<``, ``<=``, ``>``, ``>=`` (affinity already applied)."""
    ca, cb = static_cls(a), static_cls(b)
    if ca is None or cb is None:
        return sa.null()
    if a.shape is Shape.CONST and b.shape is Shape.CONST:
        if ca != cb:
            return _truth(_PY_OPS[op](ca, cb))
        return _truth(_PY_OPS[op](a.const, b.const))
    if a.shape is Shape.CONST:
        # "'x' = title" reads (and indexes) better as "title = 'x'"
        return compare(b, _MIRROR[op], a, relaxed=relaxed)
    special = _special(a, op, b, relaxed) if b.shape is Shape.CONST else None
    if special is not None:
        return special
    if ca != "dyn" and cb != "dyn":
        if ca == cb == Cls.NUM:
            return _sql_op(num_sql(a), op, num_sql(b))
        if ca == cb == Cls.TEXT:
            return _sql_op(txt_sql(a), op, txt_sql(b), collate=True)
        return _guarded(_PY_OPS[op](ca, cb), a, b, relaxed=relaxed)
    return _dynamic(a, op, b)


def _dynamic(a: Value, op: str, b: Value) -> Sql:
    cls_a, cls_b = class_sql(a), class_sql(b)
    return sa.case(
        (sa.or_(cls_a.is_(None), cls_b.is_(None)), sa.null()),
        (sa.and_(cls_a == 1, cls_b == 1), _sql_op(num_sql(a), op, num_sql(b))),
        (sa.and_(cls_a == 2, cls_b == 2), _sql_op(txt_sql(a), op, txt_sql(b), collate=True)),
        else_=_PY_OPS[op](cls_a, cls_b),
    )


def _special(col: Value, op: str, value: Value, relaxed: bool) -> Sql | None:
    """Sargable forms for a column compared with a constant; ``None`` when none applies."""
    c = value.const
    if col.shape is Shape.JSON and c is not None:
        return _json_vs_const(col, op, c, relaxed)
    if col.shape in (Shape.BOOL, Shape.PRED) and isinstance(c, int | float):
        return _bool_vs_number(col, op, c)
    if col.shape is Shape.DATE and isinstance(c, str):
        return _date_vs_text(col, op, c, relaxed)
    if col.shape is Shape.TEXT_EMPTY and isinstance(c, str) and relaxed:
        assert col.sql is not None
        direct = _sql_op(col.sql, op, sa.literal(c, sa.Text()), collate=True)
        if not _PY_OPS[op]("", c):
            return direct
        empty = col.sql.is_(None) if col.present is None else sa.and_(col.sql.is_(None), col.present)
        return sa.or_(direct, empty)
    return None


def _json_vs_const(col: Value, op: str, c: Const, relaxed: bool) -> Sql:
    """A json value against a constant: compare within the class, else by class order."""
    kind = sa.func.jsonb_typeof(col.sql)
    if isinstance(c, str):
        main = _sql_op(txt_sql(col), op, sa.literal(c, sa.Text()), collate=True)
        other, other_wins = json_kind_in(kind, "number", "boolean"), _PY_OPS[op](Cls.NUM, Cls.TEXT)
    else:
        main = _sql_op(num_sql(col), op, sa.literal(c, sa.Double()))
        other, other_wins = json_kind_in(kind, "string", "object", "array"), _PY_OPS[op](Cls.TEXT, Cls.NUM)
    if other_wins:
        return sa.or_(main, other)
    if relaxed:
        return main
    # a value of the other class compares FALSE, a json null stays NULL
    return sa.func.coalesce(main, sa.case((other, sa.false())))


def _bool_vs_number(col: Value, op: str, number: float) -> Sql:
    assert col.sql is not None
    matching = [bit for bit in (0, 1) if _PY_OPS[op](bit, number)]
    if matching == [1]:
        return col.sql
    if matching == [0]:
        return sa.not_(col.sql)
    # both or neither: still NULL for a NULL column
    return col.sql == col.sql if matching else col.sql != col.sql


def _date_vs_text(col: Value, op: str, text: str, relaxed: bool) -> Sql | None:
    """A date column against text: a timestamp comparison when the text is a canonical prefix."""
    assert col.sql is not None
    if text == "":
        # only emptiness matters: every stored date sorts after ''
        when_set, when_empty_ = _PY_OPS[op]("x", ""), _PY_OPS[op]("", "")
        if when_set == when_empty_:
            result = _truth(when_set)
        else:
            result = col.sql.is_(None) if when_empty_ else col.sql.is_not(None)
        return result if col.present is None or relaxed else sa.case((col.present, result))
    else:
        prefix = canonical_prefix(text)
        if prefix is None:
            return None
        ts_cond: Sql = _timestamp_cond(col.sql, op, prefix[0], full=prefix[1])
    when_empty = _PY_OPS[op]("", text)
    is_empty = col.sql.is_(None)
    if relaxed:
        if not when_empty:
            return ts_cond
        return sa.or_(ts_cond, is_empty if col.present is None else sa.and_(is_empty, col.present))
    exact = sa.case((is_empty, _truth(when_empty)), else_=ts_cond)
    return exact if col.present is None else sa.case((col.present, exact))


def _timestamp_cond(column: Sql, op: str, moment: datetime, *, full: bool) -> Sql:
    bound = sa.literal(moment, sa.DateTime(timezone=True))
    if full:
        return _sql_op(column, op, bound)
    # a stored value never equals a proper prefix of its text; it sorts after it when it starts
    # with it, so "> '2024-01-02'" means ">= 2024-01-02 00:00:00"
    if op == "=":
        return sa.false()
    return column >= bound if op in (">", ">=") else column < bound


def is_same(a: Value, b: Value, *, negate: bool = False) -> Sql:
    """SQLite's ``a IS b`` (or ``IS NOT``): like ``=`` but NULL matches NULL and never yields NULL."""
    na, nb = null_cond(a), null_cond(b)
    if na is True or nb is True:
        if na is True and nb is True:
            return _truth(not negate)
        other = nb if na is True else na
        assert other is not True
        if other is False:
            return _truth(negate)
        return sa.not_(other) if negate else other
    special = _is_special(a, b, negate)
    if special is None:
        special = _is_special(b, a, negate)
    if special is not None:
        return special
    eq = compare(a, "=", b)
    if na is False and nb is False:
        return sa.not_(eq) if negate else eq
    both = sa.and_(na, nb) if na is not False and nb is not False else sa.false()
    either = sa.or_(*(c for c in (na, nb) if c is not False))
    return sa.case((both, _truth(not negate)), (either, _truth(negate)), else_=sa.not_(eq) if negate else eq)


def _is_special(col: Value, value: Value, negate: bool) -> Sql | None:
    if value.shape is not Shape.CONST or value.const is None or col.sql is None:
        return None
    if col.shape is Shape.JSON:
        same = sa.func.coalesce(_json_vs_const(col, "=", value.const, relaxed=False), sa.false())
        return sa.not_(same) if negate else same
    if col.shape is Shape.TEXT and isinstance(value.const, str):
        bound = sa.literal(value.const, sa.Text())
        return col.sql.is_distinct_from(bound) if negate else col.sql.is_not_distinct_from(bound)
    if col.shape is Shape.NUMBER and isinstance(value.const, int | float):
        bound = sa.literal(value.const, sa.Double())
        return col.sql.is_distinct_from(bound) if negate else col.sql.is_not_distinct_from(bound)
    if col.shape is Shape.DATE and value.const == "" and col.present is None:
        return col.sql.is_not(None) if negate else col.sql.is_(None)
    if col.shape is Shape.DATE and isinstance(value.const, str) and col.present is None:
        prefix = canonical_prefix(value.const)
        if prefix is None:
            return None
        if not prefix[1]:
            return _truth(negate)
        bound = sa.literal(prefix[0], sa.DateTime(timezone=True))
        return col.sql.is_distinct_from(bound) if negate else col.sql.is_not_distinct_from(bound)
    return None


def like(value: Value, pattern: Value, *, negate: bool = False) -> Sql:
    """SQLite's ``LIKE ... ESCAPE '\\'``.

    SQLite's LIKE folds case for ASCII letters only; ILIKE folds every letter the database's
    ctype knows (with a ``C`` ctype that is ASCII only, as in SQLite).
    """
    if value.shape is Shape.CONST and pattern.shape is Shape.CONST:
        if value.const is None or pattern.const is None:
            return sa.null()
        matched = _py_like(py_text(value.const), py_text(pattern.const))
        return _truth(matched != negate)
    subject, expr = text_of(value), text_of(pattern)
    return subject.not_ilike(expr, escape="\\") if negate else subject.ilike(expr, escape="\\")


def _py_like(text: str, pattern: str) -> bool:
    """SQLite's LIKE with ``\\`` as escape, for two constants."""
    regex, i = [], 0
    pattern = _ascii_lower(pattern)
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        regex.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.fullmatch("".join(regex), _ascii_lower(text), re.DOTALL) is not None


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def lower(v: Value) -> Value:
    """SQLite's ``LOWER(x)``: text, ASCII letters lowered (PostgreSQL lowers per its ctype)."""
    if v.shape is Shape.CONST:
        if v.const is None:
            return v
        return const(_ascii_lower(py_text(v.const)))
    nullable = null_cond(v) is not False
    return Value(Shape.TEXT, sql=sa.func.lower(text_of(v)), nullable=nullable)


def coalesce_empty(v: Value) -> Value:
    """SQLite's ``COALESCE(x, '')``; the result has no affinity."""
    if v.shape is Shape.CONST:
        return const("") if v.const is None else v
    if null_cond(v) is False and v.shape not in (Shape.TEXT_EMPTY, Shape.DATE):
        return v
    if v.shape is Shape.TEXT_EMPTY:
        return Value(Shape.TEXT, sql=sa.func.coalesce(v.sql, ""), nullable=False)
    if v.shape is Shape.DATE:
        return Value(Shape.TEXT, sql=txt_sql(_absent_as_empty(v)), nullable=False)
    if static_cls(v) == Cls.TEXT:
        return Value(Shape.TEXT, sql=sa.func.coalesce(txt_sql(v), ""), nullable=False)
    cls = class_sql(v)
    return Value(
        Shape.DYN,
        dyn_cls=sa.func.coalesce(cls, sa.literal_column("2")),
        dyn_num=num_sql(v),
        dyn_txt=sa.case((cls.is_(None), ""), else_=txt_sql(v)),
    )


def _absent_as_empty(v: Value) -> Value:
    if v.shape in (Shape.TEXT_EMPTY, Shape.DATE):
        return Value(v.shape, sql=v.sql, nullable=v.nullable)
    return v
