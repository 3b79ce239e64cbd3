"""State shared while compiling the expressions of one query."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime

from baas.rules.errors import RuleError
from baas.rules.joins import JoinScope, Row
from baas.rules.operands import Cond
from baas.rules.request import RequestInfo
from baas.rules.schema import CollectionInfo, SchemaInfo

__all__ = ["Ctx", "missing_collection"]


@dataclass
class Ctx:
    """Where and how identifiers resolve.

    ``restricted`` is PocketBase's "hidden fields not allowed" mode: a non-superuser's own filter
    or sort. It rejects hidden fields, requires ``emailVisibility`` for auth emails and applies
    the listRule of every collection a relation path joins.
    """

    schema: SchemaInfo
    request: RequestInfo
    scope: JoinScope
    base: Row
    now: datetime
    restricted: bool = False
    # keeps the joins of separately compiled rules apart (PocketBase's alias suffix)
    namespace: Hashable = ()
    # conditions that must hold for the query as a whole (listRules of joined collections)
    extra: list[Cond] = field(default_factory=list)
    collection_aliases: dict[str, str] = field(default_factory=dict)

    @property
    def collection(self) -> CollectionInfo:
        """The collection of the row being filtered."""
        return self.base.collection

    def key(self, *parts: Hashable) -> Hashable:
        """A join key local to this compilation's namespace."""
        return (self.namespace, *parts)

    def derive(self, **changes: object) -> Ctx:
        """A copy with some attributes changed (shares scope and extra conditions)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def find_collection(self, id_or_name: str) -> CollectionInfo | None:
        """A collection by id or name; the filtered collection itself is always found."""
        current = self.collection
        if id_or_name in (current.id, current.name):
            return current
        return self.schema.find_collection(id_or_name)


def missing_collection(id_or_name: str) -> RuleError:
    """The error for a collection that does not exist."""
    return RuleError(f'failed to load collection "{id_or_name}"')
