"""The collections list: PocketBase's filter/sort/paging over the collection definitions.

The filter language runs against ``baas.collections_listing`` (a view with one column per listable
property), compiled by the same compiler as record filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Boolean, DateTime, Text, column, func, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.db.tables import SYSTEM_SCHEMA
from baas.paging import Paging
from baas.rules import Compiler, RequestInfo, parse_sort

__all__ = ["list_collections"]

_TEXT_COLUMNS = ("id", "name", "type", "listRule", "viewRule", "createRule", "updateRule", "deleteRule", "viewQuery")


@dataclass(frozen=True)
class _Property:
    name: str
    type: str
    hidden: bool = False
    is_multiple: bool = False
    relation_collection_id: str | None = None


@dataclass(frozen=True)
class _Listing:
    """The collections listing, described to the rules compiler as if it were a collection."""

    id: str = "_collections"
    name: str = "_collections"
    type: str = "view"
    fields: Sequence[_Property] = field(
        default_factory=lambda: [
            *(_Property(name, "text") for name in _TEXT_COLUMNS),
            _Property("system", "bool"),
            _Property("created", "date"),
            _Property("updated", "date"),
        ]
    )
    list_rule: str | None = ""
    view_rule: str | None = ""

    def get_field(self, name: str) -> _Property | None:
        return next((f for f in self.fields if f.name == name), None)


class _NoOtherCollections:
    def find_collection(self, id_or_name: str) -> None:
        return None

    def collections(self) -> list[_Listing]:
        return []


_LISTING = _Listing()
_TABLE = table(
    "collections_listing",
    *(column(name, Text()) for name in _TEXT_COLUMNS),
    column("system", Boolean()),
    column("created", DateTime(timezone=True)),
    column("updated", DateTime(timezone=True)),
    schema=SYSTEM_SCHEMA,
)


async def list_collections(
    engine: AsyncEngine, schema: Schema, paging: Paging, *, filter_text: str, sort_text: str
) -> tuple[list[Collection], int | None]:
    compiler = Compiler(_LISTING, _NoOtherCollections(), RequestInfo(is_superuser=True), table=_TABLE)
    if filter_text.strip():
        compiler.add_filter(filter_text, client=False)
    if sort_text.strip():
        compiler.add_sort(parse_sort(sort_text), client=False)
    where = compiler.where()
    order = [*compiler.order_by(), _TABLE.c.created, _TABLE.c.id]
    query = select(_TABLE.c.id).where(where).order_by(*order).limit(paging.per_page).offset(paging.offset)
    async with engine.connect() as connection:
        ids = [row.id for row in await connection.execute(query)]
        total = None
        if not paging.skip_total:
            total = int((await connection.execute(select(func.count()).select_from(_TABLE).where(where))).scalar_one())
    found = [schema.find(i) for i in ids]
    return [c for c in found if c is not None], total
