"""From parsed expressions to SQLAlchemy conditions: identifiers, comparisons, AND/OR, final assembly.

All expressions added to one ``Compiler`` share one join scope, so (as in PocketBase, which
builds a list rule and the client's ``?filter=`` with one resolver) a rule and a filter that both
reach ``members.*`` see the same joined member.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import count
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from baas.rules import ast
from baas.rules.compare import build_comparison
from baas.rules.context import Ctx
from baas.rules.errors import RuleError, RuleForbiddenError
from baas.rules.functions import resolve_call
from baas.rules.joins import JoinNode, JoinScope, Row, exists_over
from baas.rules.macros import MACROS, macro_value
from baas.rules.operands import Cond, Operand, cond_and, cond_or, literal, null_literal
from baas.rules.ordering import sort_terms
from baas.rules.parser import MAX_FILTER_LENGTH, parse
from baas.rules.request import RequestInfo
from baas.rules.request_fields import go_string, resolve_request
from baas.rules.resolver import base_path, collection_path, resolve_path
from baas.rules.schema import CollectionInfo, SchemaInfo
from baas.rules.sort import SortItem
from baas.rules.tables import table_for
from baas.rules.values import const

__all__ = ["SUPERUSER_ONLY_PREFIXES", "Compiler", "check_superuser_only", "resolve_operand"]

#: Identifier prefixes only superusers may use in ``?filter=`` and ``?sort=``.
SUPERUSER_ONLY_PREFIXES = ("@collection.", "@request.")
_FIELD_RE = re.compile(r"\w+[\w.:]*\Z", re.ASCII)
_COLLECTION_RE = re.compile(r"@collection\.\w+(:\w+)?\.[\w.:]*\w\Z", re.ASCII)
_namespaces = count(1)


def check_superuser_only(text: str) -> None:
    """PocketBase's plain substring check on a non-superuser's raw ``filter``/``sort``.

    Raises:
        RuleForbiddenError: when ``text`` contains ``@collection.`` or ``@request.``.
    """
    for prefix in SUPERUSER_ONLY_PREFIXES:
        if prefix in text:
            raise RuleForbiddenError(prefix)


class Compiler:
    """Compiles the rules, filters and sorts of one query against ``table``.

    Args:
        collection: the collection being queried.
        schema: every collection (relations, back-relations, ``@collection``).
        request: what ``@request.*`` resolves to.
        table: the table or alias the query selects from (default: ``table_for(collection)``).
        now: the time macros and ``strftime`` use (default: the current UTC time).
    """

    def __init__(
        self,
        collection: CollectionInfo,
        schema: SchemaInfo,
        request: RequestInfo,
        *,
        table: FromClause | None = None,
        now: datetime | None = None,
    ) -> None:
        self.table = table if table is not None else table_for(collection)
        self.request = request
        base = Row(self.table, collection, key=("base",))
        self.ctx = Ctx(schema, request, JoinScope(), base, now or datetime.now(UTC))
        self._conds: list[Cond] = []
        self._order: list[ColumnElement[Any]] = []
        self._applied: set[int] = set()

    def add_rule(self, rule: str | ast.Expr) -> None:
        """AND a collection API rule (evaluated with full access, as rules are)."""
        expr = parse(rule, max_length=None) if isinstance(rule, str) else rule
        self._conds.extend(_conjuncts(self.ctx, expr))

    def add_filter(self, text: str | ast.Expr, *, client: bool) -> None:
        """AND a filter; ``client=True`` for a ``?filter=`` sent by the API caller.

        A non-superuser's filter may not use ``@request.``/``@collection.`` (403), may not read
        hidden fields, sees auth emails only where ``emailVisibility`` is set, and every
        collection it reaches through a relation must pass its own listRule.
        """
        restricted = client and not self.request.is_superuser
        if restricted:
            check_superuser_only(text if isinstance(text, str) else _expr_text(text))
        limit = MAX_FILTER_LENGTH if client else None
        expr = parse(text, max_length=limit) if isinstance(text, str) else text
        with self._restricted(restricted):
            self._conds.extend(_conjuncts(self.ctx, expr))

    def _restricted(self, restricted: bool) -> _Restriction:
        return _Restriction(self, restricted)

    def add_sort(self, items: Sequence[SortItem], *, client: bool) -> None:
        """Append ORDER BY terms; ``client=True`` for a ``?sort=`` sent by the API caller.

        Sorting reads its own joins (one value per row: the first related value), so it never
        changes which rows a filter selects; but for a non-superuser, every collection a sort
        path reaches must pass its listRule, which (as in PocketBase) excludes rows.
        """
        restricted = client and not self.request.is_superuser
        if restricted:
            for item in items:
                check_superuser_only(item.name)
        scope = JoinScope()
        scope.on_collection = partial(self.on_collection_join, scope) if restricted else None
        ctx = self.ctx.derive(scope=scope, restricted=restricted, namespace=("sort",), collection_aliases={})
        for item in items:
            self._order.extend(sort_terms(ctx, item, resolve_identifier))

    def order_by(self) -> list[ColumnElement[Any]]:
        """The ORDER BY terms added so far."""
        return list(self._order)

    def where(self) -> ColumnElement[bool]:
        """The WHERE condition for everything added so far."""
        conjuncts = [*self._conds, *self.ctx.extra]
        if any(c.constant is False for c in conjuncts):
            return sa.false()
        plain = [c.sql for c in conjuncts if not c.nodes and c.constant is None]
        joined = [c for c in conjuncts if c.nodes]
        parts = plain + [exists_over(nodes, sa.and_(*(c.sql for c in group))) for nodes, group in _groups(joined)]
        if not parts:
            return sa.true()
        return parts[0] if len(parts) == 1 else sa.and_(*parts)

    def on_collection_join(self, scope: JoinScope, node: JoinNode, collection: CollectionInfo) -> None:
        """Restricted mode: the listRule of every joined collection must hold for its row."""
        if id(node) in self._applied:
            return
        self._applied.add(id(node))
        if collection.list_rule is None:
            raise RuleError(
                f'"{collection.name}" fields can be accessed only when allowHiddenFields is enabled or by superusers'
            )
        if collection.list_rule == "":
            return
        alias = node.froms[-1][0]
        row = Row(alias, collection, node.key, node, alias.c["id"].is_not(None))
        previous, scope.on_collection = scope.on_collection, None
        try:
            rule_ctx = self.ctx.derive(
                scope=scope, base=row, restricted=False, namespace=next(_namespaces), collection_aliases={}
            )
            rule = _compile_rule_text(rule_ctx, collection.list_rule)
            # PocketBase 0.40 lets a missing related row through (no related record is fine)
            absent = Cond(alias.c["id"].is_(None), frozenset({node}))
            self.ctx.extra.append(cond_or([absent, rule]))
        except RuleError as exc:
            raise RuleError(f'failed to build "{collection.name}" list rule join filter: {exc.detail}') from exc
        finally:
            scope.on_collection = previous


class _Restriction:
    """Context manager switching the compiler into (or out of) restricted mode."""

    def __init__(self, compiler: Compiler, restricted: bool) -> None:
        self.compiler, self.restricted = compiler, restricted

    def __enter__(self) -> None:
        ctx = self.compiler.ctx
        self.saved = ctx.restricted, ctx.scope.on_collection
        ctx.restricted = self.restricted
        hook = partial(self.compiler.on_collection_join, ctx.scope) if self.restricted else None
        ctx.scope.on_collection = hook

    def __exit__(self, *exc: object) -> None:
        ctx = self.compiler.ctx
        ctx.restricted, ctx.scope.on_collection = self.saved


def _compile_rule_text(ctx: Ctx, rule: str) -> Cond:
    return cond_and(_conjuncts(ctx, parse(rule, max_length=None)))


def _expr_text(expr: ast.Expr) -> str:
    parts: list[str] = []
    for comparison in ast.walk_comparisons(expr):
        for operand in (comparison.left, comparison.right):
            parts.extend(_operand_texts(operand))
    return " ".join(parts)


def _operand_texts(operand: ast.Operand) -> list[str]:
    if isinstance(operand, ast.Identifier):
        return [operand.name]
    if isinstance(operand, ast.Text):
        return [operand.value]
    if isinstance(operand, ast.Call):
        return [text for arg in operand.args for text in _operand_texts(arg)]
    return []


def _conjuncts(ctx: Ctx, expr: ast.Expr) -> list[Cond]:
    if isinstance(expr, ast.And):
        return [compile_expr(ctx, item) for item in expr.items]
    return [compile_expr(ctx, expr)]


def compile_expr(ctx: Ctx, expr: ast.Expr) -> Cond:
    """Compile an expression tree (depth is bounded by the expression limit)."""
    if isinstance(expr, ast.Comparison):
        left = _side(ctx, expr.left, "left")
        right = _side(ctx, expr.right, "right")
        return build_comparison(left, expr.op, right)
    items = [compile_expr(ctx, item) for item in expr.items]
    return cond_and(items) if isinstance(expr, ast.And) else cond_or(items)


def _side(ctx: Ctx, operand: ast.Operand, side: str) -> Operand:
    try:
        return resolve_operand(ctx, operand)
    except RuleError as exc:
        shown = operand.name if isinstance(operand, ast.Identifier | ast.Call) else ""
        raise RuleError(f'invalid {side} operand "{shown}" - {exc.detail}') from exc


def resolve_operand(ctx: Ctx, operand: ast.Operand) -> Operand:
    """Resolve any operand: literal, identifier or function call."""
    if isinstance(operand, ast.Text):
        return literal(operand.value, like_text=operand.value)
    if isinstance(operand, ast.Number):
        return literal(operand.value, like_text=go_string(operand.value))
    if isinstance(operand, ast.Call):
        return resolve_call(ctx, operand, resolve_operand)
    return resolve_identifier(ctx, operand.name)


def resolve_identifier(ctx: Ctx, name: str) -> Operand:
    """Resolve an identifier: macro, ``@request.*``, ``@collection.*``, field path or keyword."""
    if name in MACROS:
        value = macro_value(name, ctx.now)
        return literal(value, like_text=go_string(value))
    try:
        if name.startswith("@request."):
            return resolve_request(ctx, name)
        if name.startswith("@collection."):
            if not _COLLECTION_RE.match(name):
                raise RuleError(f'invalid @collection field path in "{name}"')
            parts = name.split(".")
            return resolve_path(ctx, collection_path(ctx, parts[1], tuple(parts[2:])))
        if not _FIELD_RE.match(name):
            raise RuleError(f'failed to resolve field "{name}"')
        return resolve_path(ctx, base_path(ctx, tuple(name.split("."))))
    except RuleError:
        # like PocketBase, these words only mean NULL/1/0 when no field resolves
        keyword = name.lower()
        if keyword == "null":
            return null_literal()
        if keyword in ("true", "false"):
            return Operand(const(1 if keyword == "true" else 0), keyword=True)
        raise


def _groups(conds: list[Cond]) -> list[tuple[frozenset[JoinNode], list[Cond]]]:
    """Split conditions into groups that share joined rows (one EXISTS each)."""
    groups: list[tuple[set[int], set[JoinNode], list[Cond]]] = []
    for cond in conds:
        roots = {id(node.root) for node in cond.nodes}
        merged_roots, merged_nodes, merged = set(roots), set(cond.nodes), [cond]
        for group in [g for g in groups if g[0] & roots]:
            groups.remove(group)
            merged_roots |= group[0]
            merged_nodes |= group[1]
            merged = group[2] + merged
        groups.append((merged_roots, merged_nodes, merged))
    return [(frozenset(nodes), members) for _, nodes, members in groups]
