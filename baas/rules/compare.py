"""One comparison, built the way PocketBase builds it (``buildResolversExpr``).

``=``/``!=`` pick one of PocketBase's forms depending on which side is empty or known non-empty
(``a = 'x'`` stays ``a = :p``; ``a = ''`` means ``a = '' OR a IS NULL``; two columns compare
through ``COALESCE(x, '')``). ``~`` wraps a literal right side in ``%`` (escaping ``%``, ``_``
and ``\\`` unless the literal has its own unescaped ``%``). Without a ``?`` the operator must
hold for *every* value of a multi-valued operand, which adds ``NOT EXISTS`` over a private join
chain of that operand.
"""

from __future__ import annotations

import sqlalchemy as sa

from baas.rules.ast import Op
from baas.rules.operands import (
    Cond,
    Fallback,
    Operand,
    apply_affinity,
    is_empty,
    is_known_non_empty,
)
from baas.rules.sqlite import coalesce_empty, compare, is_same, like
from baas.rules.values import Shape, Sql, Value, const, null_cond, text_of

__all__ = ["build_comparison", "wrap_like"]

_EMPTY = Operand(const(""), params=("",))


def build_comparison(left: Operand, op: Op, right: Operand) -> Cond:
    """Compile ``left op right`` (relaxed: the result only feeds AND/OR up to WHERE)."""
    expr = _form(left, op.base, right, relaxed=True)
    if not op.is_any:
        if left.multi is not None and right.multi is not None:
            expr = sa.and_(expr, _many_vs_many(left, op.base, right))
        elif left.multi is not None:
            expr = sa.and_(expr, _many_vs_one(left, op.base, right, inverse=False))
        elif right.multi is not None:
            expr = sa.and_(expr, _many_vs_one(right, op.base, left, inverse=True))
    for after in left.after + right.after:
        expr = after(expr)
    return Cond(expr, left.nodes | right.nodes)


def _form(left: Operand, op: Op, right: Operand, *, relaxed: bool) -> Sql:
    if op in (Op.EQ, Op.NEQ):
        return _equal(left, right, equal=op is Op.EQ, relaxed=relaxed)
    if op in (Op.LIKE, Op.NLIKE):
        if right.like_text is not None:
            pattern = const(wrap_like(right.like_text))
        else:
            wrapped = sa.literal("%") + text_of(right.value) + sa.literal("%")
            pattern = Value(Shape.TEXT, sql=wrapped)
        return like(left.value, pattern, negate=op is Op.NLIKE)
    a, b = apply_affinity(left, right)
    return compare(a, op.value, b, relaxed=relaxed)


def _equal(left: Operand, right: Operand, *, equal: bool, relaxed: bool) -> Sql:
    if Fallback.DISABLED in (left.fallback, right.fallback):
        a, b = apply_affinity(left, right)
        return is_same(a, b, negate=not equal)
    left_empty, right_empty = is_empty(left), is_empty(right)
    if left_empty and right_empty:
        return sa.true() if equal else sa.false()
    if is_known_non_empty(left) or is_known_non_empty(right):
        a, b = apply_affinity(_EMPTY if left_empty else left, _EMPTY if right_empty else right)
        return compare(a, "=", b, relaxed=relaxed) if equal else is_same(a, b, negate=True)
    if left_empty or right_empty:
        other = right if left_empty else left
        a, b = apply_affinity(_EMPTY, other)
        missing = null_cond(other.value)
        missing_sql = missing if not isinstance(missing, bool) else (sa.true() if missing else sa.false())
        if equal:
            return sa.or_(compare(a, "=", b, relaxed=relaxed), missing_sql)
        return sa.and_(is_same(a, b, negate=True), sa.not_(missing_sql))
    plain = _plain_text_equal(left.value, right.value) if relaxed and equal else None
    if plain is not None:
        return plain
    a, b = coalesce_empty(left.value), coalesce_empty(right.value)
    return compare(a, "=", b, relaxed=relaxed) if equal else is_same(a, b, negate=True)


def _plain_text_equal(a: Value, b: Value) -> Sql | None:
    """``COALESCE(a, '') = COALESCE(b, '')`` is ``a = b`` when one side is never empty.

    Keeps ``post = id`` and ``@collection.x.owner ?= id`` sargable (an index on the relation
    column can serve the join); only valid in relaxed mode, where NULL may stand for FALSE.
    """
    text_shapes = (Shape.TEXT, Shape.TEXT_EMPTY)
    if a.shape not in text_shapes or b.shape not in text_shapes or a.sql is None or b.sql is None:
        return None
    if not (a.never_empty or b.never_empty):
        return None
    return a.sql == b.sql


def _stripped(op: Operand, *, keep_fallback: bool) -> Operand:
    # PocketBase rebuilds the other operand from its SQL and parameters only
    return Operand(
        op.value,
        affinity=op.affinity,
        fallback=op.fallback if keep_fallback else Fallback.AUTO,
        params=op.params,
        empty_identifier=op.empty_identifier,
        keyword=op.keyword,
        like_text=op.like_text,
    )


def _chain_value(op: Operand) -> Operand:
    # the value inside the subquery is a plain column reference: no parameters
    return Operand(op.value, affinity=op.affinity, fallback=op.fallback)


def _many_vs_one(multi: Operand, op: Op, other: Operand, *, inverse: bool) -> Sql:
    assert multi.multi is not None
    source, inner = multi.multi()
    value = _chain_value(Operand(inner.value, affinity=inner.affinity, fallback=multi.fallback))
    partner = _stripped(other, keep_fallback=False)
    cond = _form(partner, op, value, relaxed=False) if inverse else _form(value, op, partner, relaxed=False)
    return ~sa.exists(source.select(sa.literal_column("1")).where(sa.not_(cond)))


def _many_vs_many(left: Operand, op: Op, right: Operand) -> Sql:
    assert left.multi is not None
    assert right.multi is not None
    left_from, left_inner = left.multi()
    right_from, right_inner = right.multi()
    a = Operand(left_inner.value, affinity=left_inner.affinity, fallback=left.fallback)
    b = Operand(right_inner.value, affinity=right_inner.affinity, fallback=right.fallback)
    cond = _form(a, op, b, relaxed=False)
    source = left_from.cross(right_from)
    return ~sa.exists(source.select(sa.literal_column("1")).where(sa.not_(cond)))


def wrap_like(text: str) -> str:
    """PocketBase's ``~`` literal: ``%text%`` with ``\\``, ``%``, ``_`` escaped, unless it has a ``%``."""
    has_wildcard = _has_unescaped(text, "%")
    pattern = text if has_wildcard else "%" + _escape_unescaped(text, "\\%_") + "%"
    # PostgreSQL rejects a pattern ending in a lone escape character; SQLite does not
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return pattern + "\\" if trailing % 2 else pattern


def _has_unescaped(text: str, char: str) -> bool:
    prev = ""
    for ch in text:
        if ch == char and prev != "\\":
            return True
        prev = "" if ch == "\\" and prev == "\\" else ch
    return False


def _escape_unescaped(text: str, chars: str) -> str:
    # walks backwards like PocketBase: a special character already preceded by "\" stays as is
    out: list[str] = []
    pending = False
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if pending:
            if ch != "\\":
                out.append("\\")
            pending = False
        elif ch in chars:
            pending = True
        out.append(ch)
        if i == 0 and pending:
            out.append("\\")
    return "".join(reversed(out))
