"""The collections list: filter, sort and paging over the collection definitions."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from baas.api.paging import Paging
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.errors import BadRequestError

__all__ = ["list_collections"]

_SORTABLE = {"id", "name", "type", "system", "created", "updated"}


def _sort_key(name: str):  # type: ignore[no-untyped-def]
    def key(collection: Collection) -> object:
        value = collection.to_json().get(name)
        return (value is None, value)

    return key


async def list_collections(
    engine: AsyncEngine, schema: Schema, paging: Paging, *, filter_text: str, sort_text: str
) -> tuple[list[Collection], int | None]:
    items = schema.collections()
    if filter_text.strip():
        raise BadRequestError()
    for part in reversed([p.strip() for p in sort_text.split(",") if p.strip()]):
        descending = part.startswith("-")
        name = part.lstrip("+-")
        if name not in _SORTABLE:
            raise BadRequestError()
        items.sort(key=_sort_key(name), reverse=descending)
    total = None if paging.skip_total else len(items)
    return items[paging.offset : paging.offset + paging.per_page], total
