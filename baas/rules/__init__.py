"""The filter/rule language: PocketBase's syntax and semantics, compiled to PostgreSQL.

``parse`` turns text into an expression; ``compile_filter`` turns it into a SQLAlchemy condition
for a query on ``table_for(collection)``; ``compile_sort`` and ``parse_sort`` do the same for
``?sort=``; ``validate_rule`` checks rules when collections are saved. ``Compiler`` combines a
rule, a client filter and a sort for one query. User values are always bound parameters.
"""

from baas.rules.api import compile_filter, compile_sort, validate_rule
from baas.rules.ast import And, Call, Comparison, Expr, Identifier, Number, Op, Or, Text
from baas.rules.compiler import Compiler
from baas.rules.errors import (
    InvalidRuleError,
    RuleError,
    RuleForbiddenError,
    RuleLimitError,
    RuleSyntaxError,
)
from baas.rules.parser import MAX_EXPRESSIONS, MAX_FILTER_LENGTH, parse
from baas.rules.request import AuthInfo, RequestInfo, normalize_header_name
from baas.rules.schema import CollectionInfo, FieldInfo, SchemaInfo
from baas.rules.sort import MAX_SORT_FIELD_LENGTH, MAX_SORT_FIELDS, SortItem, parse_sort
from baas.rules.tables import table_for

__all__ = [
    "MAX_EXPRESSIONS",
    "MAX_FILTER_LENGTH",
    "MAX_SORT_FIELDS",
    "MAX_SORT_FIELD_LENGTH",
    "And",
    "AuthInfo",
    "Call",
    "CollectionInfo",
    "Comparison",
    "Compiler",
    "Expr",
    "FieldInfo",
    "Identifier",
    "InvalidRuleError",
    "Number",
    "Op",
    "Or",
    "RequestInfo",
    "RuleError",
    "RuleForbiddenError",
    "RuleLimitError",
    "RuleSyntaxError",
    "SchemaInfo",
    "SortItem",
    "Text",
    "compile_filter",
    "compile_sort",
    "normalize_header_name",
    "parse",
    "parse_sort",
    "table_for",
    "validate_rule",
]
