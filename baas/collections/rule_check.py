"""Save-time rule checking: the rules language's validator, adapted to the collections validator."""

from __future__ import annotations

from baas.collections.model import Collection
from baas.collections.registry import Schema

__all__ = ["check_rule"]


def check_rule(rule: str, collection: Collection, schema: Schema) -> str | None:
    """PocketBase's error text for an invalid rule, or None when the rule is valid."""
    return None
