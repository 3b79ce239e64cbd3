"""The parsed form of a filter: operands, comparisons and ``&&``/``||`` groups.

Nodes are frozen so a parsed expression can be cached and shared between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "And",
    "Call",
    "Comparison",
    "Expr",
    "Identifier",
    "Number",
    "Op",
    "Operand",
    "Or",
    "Text",
    "walk_comparisons",
]


class Op(StrEnum):
    """A comparison operator; the ``?``-prefixed ones match when *any* value matches."""

    EQ = "="
    NEQ = "!="
    LIKE = "~"
    NLIKE = "!~"
    LT = "<"
    LTE = "<="
    GT = ">"
    GTE = ">="
    ANY_EQ = "?="
    ANY_NEQ = "?!="
    ANY_LIKE = "?~"
    ANY_NLIKE = "?!~"
    ANY_LT = "?<"
    ANY_LTE = "?<="
    ANY_GT = "?>"
    ANY_GTE = "?>="

    @property
    def is_any(self) -> bool:
        """Whether this is an at-least-one (``?``) operator."""
        return self.value.startswith("?")

    @property
    def base(self) -> Op:
        """The operator without its ``?`` prefix (``?>=`` -> ``>=``)."""
        return Op(self.value[1:]) if self.is_any else self


@dataclass(frozen=True, slots=True)
class Identifier:
    """A field path, ``@request.*``/``@collection.*`` path, macro or ``true``/``false``/``null``."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Text:
    """A quoted string, already unescaped."""

    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric literal; PocketBase binds every number as a float64."""

    value: float
    raw: str
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function call such as ``strftime('%Y', created)``."""

    name: str
    args: tuple[Operand, ...]
    pos: int


Operand = Identifier | Text | Number | Call


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right``."""

    left: Operand
    op: Op
    right: Operand
    pos: int


@dataclass(frozen=True, slots=True)
class And:
    """All items must hold (two or more items)."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one item must hold (two or more items)."""

    items: tuple[Expr, ...]


Expr = Comparison | And | Or


def walk_comparisons(expr: Expr) -> list[Comparison]:
    """Every comparison of ``expr`` in source order (iterative, so depth is no concern)."""
    found: list[Comparison] = []
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison):
            found.append(node)
        else:
            stack.extend(reversed(node.items))
    return found
