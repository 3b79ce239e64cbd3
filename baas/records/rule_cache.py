"""Compiled API rules, kept per (schema, table, rule, caller's auth record) for reuse.

Compiling a rule to SQLAlchemy costs more than the rest of a view by id. The result depends only on
the rule, the schema, the table it applies to and what the rule reads of the request; a rule that
reads nothing of the request but ``@request.auth.*`` (and no time: no ``@now``-style macros, no
function calls) compiles to the same condition for the same auth record, whose every value is part
of the key. Other rules are compiled on every use, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.sql.expression import FromClause

from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.records.caller import Caller
from baas.rules import ast
from baas.rules.parser import parse

__all__ = ["MAX_ENTRIES", "cached_condition", "is_cacheable"]

MAX_ENTRIES = 4096

# key -> (schema, table, condition). The schema and the table are held so that their ids, part of
# the key, cannot be reused by other objects while the entry exists.
_entries: dict[tuple[Any, ...], tuple[Schema, FromClause, ColumnElement[bool]]] = {}


def _operands(operand: ast.Operand) -> list[ast.Operand]:
    if isinstance(operand, ast.Call):
        return [operand, *[inner for arg in operand.args for inner in _operands(arg)]]
    return [operand]


@lru_cache(maxsize=1024)
def is_cacheable(rule: str) -> bool:
    """Whether ``rule`` reads nothing of the request but ``@request.auth.*``, and no clock."""
    try:
        expr = parse(rule, max_length=None)
    except Exception:
        return False
    for comparison in ast.walk_comparisons(expr):
        for operand in (*_operands(comparison.left), *_operands(comparison.right)):
            if isinstance(operand, ast.Call):
                return False
            name = operand.name if isinstance(operand, ast.Identifier) else ""
            if name.startswith("@") and not name.startswith(("@request.auth.", "@collection.")):
                return False
    return True


def _auth_key(caller: Caller) -> tuple[str, str] | None:
    identity = caller.identity
    if identity is None:
        return None
    return identity.collection.id, json.dumps(identity.record, sort_keys=True, default=str)


def cached_condition(
    collection: Collection,
    schema: Schema,
    caller: Caller,
    rule: str,
    table: FromClause,
    compile_rule: Callable[[], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """The condition of ``rule`` for ``caller``: cached when the rule allows, else ``compile_rule()``."""
    if not is_cacheable(rule):
        return compile_rule()
    key = (id(schema), id(table), collection.id, rule, _auth_key(caller))
    found = _entries.get(key)
    if found is not None and found[0] is schema and found[1] is table:
        return found[2]
    condition = compile_rule()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (schema, table, condition)
    return condition
