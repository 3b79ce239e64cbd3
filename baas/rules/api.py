"""The rule language's entry points: compile a filter or sort, validate a rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from baas.rules import ast
from baas.rules.compiler import Compiler
from baas.rules.errors import InvalidRuleError, RuleError
from baas.rules.request import RequestInfo
from baas.rules.schema import CollectionInfo, SchemaInfo
from baas.rules.sort import SortItem, parse_sort

__all__ = ["compile_filter", "compile_sort", "validate_rule"]


def compile_filter(
    expr_or_text: str | ast.Expr,
    collection: CollectionInfo,
    schema: SchemaInfo,
    request: RequestInfo,
    *,
    client_filter: bool,
    table: FromClause | None = None,
    rule: str | ast.Expr | None = None,
    now: datetime | None = None,
) -> ColumnElement[bool]:
    """The WHERE condition selecting the rows of ``collection`` that match a filter or rule.

    Args:
        expr_or_text: the filter or rule (text, or an expression from ``parse``).
        collection: the queried collection.
        schema: every collection.
        request: what ``@request.*`` resolves to.
        client_filter: ``True`` for a ``?filter=`` from the API caller: for a non-superuser it
            may not use ``@request.``/``@collection.`` (``RuleForbiddenError``), hidden fields,
            or auth emails without ``emailVisibility``, and relations it reaches must pass their
            listRule. ``False`` for API rules, which have full access.
        table: the table or alias the query selects from (default ``table_for(collection)``).
        rule: an API rule to AND in the same join scope (what PocketBase does for list/view:
            a rule and a filter reaching the same relation see the same related row).
        now: the time for macros and ``strftime`` (default: now, UTC).

    Raises:
        RuleSyntaxError, RuleLimitError: invalid text or limits exceeded.
        RuleForbiddenError: superuser-only identifiers in a non-superuser's filter.
        RuleError: unknown fields, collections or functions, and other resolution errors.
    """
    compiler = Compiler(collection, schema, request, table=table, now=now)
    if rule is not None:
        compiler.add_rule(rule)
    compiler.add_filter(expr_or_text, client=client_filter)
    return compiler.where()


def compile_sort(
    items: str | Sequence[SortItem],
    collection: CollectionInfo,
    schema: SchemaInfo,
    request: RequestInfo,
    *,
    table: FromClause | None = None,
    client: bool = False,
) -> list[ColumnElement[Any]]:
    """ORDER BY terms for a ``?sort=`` (text or ``parse_sort`` items).

    For a non-superuser's sort (``client=True``) use ``Compiler.add_sort`` instead when the
    sort may follow relations: their listRules become WHERE conditions, which only
    ``Compiler.where()`` returns.

    Raises:
        RuleError: unknown or invalid sort fields (plus the errors of ``parse_sort``).
        RuleForbiddenError: superuser-only identifiers in a non-superuser's sort.
    """
    compiler = Compiler(collection, schema, request, table=table)
    compiler.add_sort(parse_sort(items) if isinstance(items, str) else items, client=client)
    return compiler.order_by()


def validate_rule(text: str | None, collection: CollectionInfo, schema: SchemaInfo) -> None:
    """Check an API rule when a collection is saved; ``None`` and ``""`` are always valid.

    Raises:
        InvalidRuleError: with PocketBase's message ``Invalid rule. Raw error: ...`` for syntax
            errors and references to unknown fields, collections, relation paths or functions.
            ``@request.*`` references are accepted, as PocketBase accepts them.
    """
    if not text:
        return
    try:
        Compiler(collection, schema, RequestInfo()).add_rule(text)
    except RuleError as exc:
        raise InvalidRuleError(exc) from exc
