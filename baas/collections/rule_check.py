"""Save-time rule checking: the rules language's validator, adapted to the collections validator."""

from __future__ import annotations

from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.rules import InvalidRuleError, validate_rule

__all__ = ["check_rule"]


def check_rule(rule: str, collection: Collection, schema: Schema) -> str | None:
    """PocketBase's raw error text for an invalid rule, or None when the rule is valid."""
    try:
        validate_rule(rule, collection, schema)
    except InvalidRuleError as exc:
        return exc.cause.detail.rstrip(".") + "."
    return None
