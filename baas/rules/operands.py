"""Resolved operands and compiled conditions.

An ``Operand`` is what an identifier, literal or function call resolves to: its ``Value`` plus the
facts PocketBase's SQL builder looks at when it picks the SQL form of a comparison (type
affinity, null fallback preference, bound parameters) and what it depends on (joined rows, an
"every value must match" subquery, extra conditions such as email visibility).

A ``Cond`` is a compiled boolean with the joined rows it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.sql.elements import False_, True_

from baas.rules.affinity import with_numeric_affinity, with_text_affinity
from baas.rules.joins import JoinNode, Source
from baas.rules.values import Const, Sql, Value, const

__all__ = [
    "Affinity",
    "Cond",
    "Fallback",
    "MultiMatch",
    "Operand",
    "apply_affinity",
    "cond_and",
    "cond_or",
    "is_empty",
    "is_known_non_empty",
    "literal",
    "null_literal",
]


class Affinity(Enum):
    """SQLite type affinity of an expression (only column references have one)."""

    NONE = "none"
    TEXT = "text"
    NUMERIC = "numeric"


class Fallback(Enum):
    """PocketBase's NullFallback: how ``=``/``!=`` treat NULL versus ``''``."""

    AUTO = "auto"
    DISABLED = "disabled"  # compare with IS / IS NOT (json values, geoDistance, :changed)
    ENFORCED = "enforced"  # never treated as known non-empty (strftime)


#: Builds the private join chain of an "every value" subquery: (its FROM, the value operand).
MultiMatch = Callable[[], tuple[Source, "Operand"]]


@dataclass(frozen=True)
class Operand:
    """A resolved operand."""

    value: Value
    affinity: Affinity = Affinity.NONE
    fallback: Fallback = Fallback.AUTO
    # the values PocketBase would bind for this operand (decides "empty"/"known non-empty")
    params: tuple[Const, ...] = ()
    # PocketBase's NULL/'' identifiers
    empty_identifier: bool = False
    # identifiers 1/0/true/false count as known non-empty
    keyword: bool = False
    nodes: frozenset[JoinNode] = frozenset()
    multi: MultiMatch | None = None
    after: tuple[Callable[[Sql], Sql], ...] = ()
    # the text PocketBase wraps with % for ~ (its single parameter as Go would print it)
    like_text: str | None = None


def literal(value: Const, *, like_text: str | None = None) -> Operand:
    """A bound literal (text, number, macro or ``@request`` value)."""
    if value is None:
        return null_literal()
    return Operand(const(value), params=(value,), like_text=like_text)


def null_literal() -> Operand:
    """``null`` and ``@request`` values that are missing."""
    return Operand(const(None), empty_identifier=True)


def is_empty(op: Operand) -> bool:
    """PocketBase's "empty" operand: NULL, or a single ``''``/NULL parameter."""
    if op.empty_identifier:
        return True
    return op.fallback is Fallback.AUTO and len(op.params) == 1 and op.params[0] in (None, "")


def is_known_non_empty(op: Operand) -> bool:
    """PocketBase's "known non-empty" operand, compared directly with ``=``."""
    if op.fallback is Fallback.ENFORCED:
        return False
    if op.keyword:
        return True
    return bool(op.params) and all(p not in (None, "") for p in op.params) and not op.empty_identifier


def apply_affinity(left: Operand, right: Operand) -> tuple[Value, Value]:
    """SQLite's conversions before comparing ``left`` with ``right``."""
    a, b = left.value, right.value
    la, ra = left.affinity, right.affinity
    if la is Affinity.NUMERIC and ra is not Affinity.NUMERIC:
        b = with_numeric_affinity(b)
    elif ra is Affinity.NUMERIC and la is not Affinity.NUMERIC:
        a = with_numeric_affinity(a)
    elif la is Affinity.TEXT and ra is Affinity.NONE:
        b = with_text_affinity(b)
    elif ra is Affinity.TEXT and la is Affinity.NONE:
        a = with_text_affinity(a)
    return a, b


@dataclass(frozen=True)
class Cond:
    """A compiled condition and the scope joins it reads."""

    sql: Sql
    nodes: frozenset[JoinNode] = field(default_factory=frozenset)

    @property
    def constant(self) -> bool | None:
        """``True``/``False`` when the condition folded to a constant."""
        if isinstance(self.sql, True_):
            return True
        if isinstance(self.sql, False_):
            return False
        return None


def cond_and(conds: Iterable[Cond]) -> Cond:
    """AND of conditions, folding constants."""
    return _combine(conds, sa.and_, absorbing=False)


def cond_or(conds: Iterable[Cond]) -> Cond:
    """OR of conditions, folding constants."""
    return _combine(conds, sa.or_, absorbing=True)


def _combine(conds: Iterable[Cond], join: Callable[..., Sql], *, absorbing: bool) -> Cond:
    kept: list[Cond] = []
    for cond in conds:
        if cond.constant is absorbing:
            return Cond(sa.true() if absorbing else sa.false())
        if cond.constant is None:
            kept.append(cond)
    if not kept:
        return Cond(sa.false() if absorbing else sa.true())
    if len(kept) == 1:
        return kept[0]
    nodes = frozenset().union(*(c.nodes for c in kept))
    return Cond(join(*(c.sql for c in kept)), nodes)
