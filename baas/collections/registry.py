"""The in-memory schema: every collection, loaded from ``baas.collections``, swapped atomically.

Requests read ``registry.schema`` (an immutable snapshot) and never query the schema tables. A change
made by any process is announced with NOTIFY (see ``baas.db.notify``); every process then reloads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from baas.collections.model import Collection
from baas.db import tables

__all__ = ["CollectionRegistry", "Schema", "load_schema"]


class Schema:
    """An immutable set of collections, looked up by id or (case-insensitive) name."""

    def __init__(self, collections: Iterable[Collection] = ()) -> None:
        self._by_id: dict[str, Collection] = {}
        self._by_name: dict[str, Collection] = {}
        for collection in collections:
            self._by_id[collection.id] = collection
            self._by_name[collection.name.lower()] = collection

    def find(self, id_or_name: str) -> Collection | None:
        return self._by_id.get(id_or_name) or self._by_name.get(id_or_name.lower())

    # The rules compiler's SchemaInfo protocol.
    def find_collection(self, id_or_name: str) -> Collection | None:
        return self.find(id_or_name)

    def collections(self) -> list[Collection]:
        return list(self._by_id.values())

    def __iter__(self) -> Iterator[Collection]:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)

    def with_collection(self, collection: Collection) -> Schema:
        """A copy with ``collection`` added or replacing the one with the same id."""
        others = [c for c in self._by_id.values() if c.id != collection.id]
        return Schema([*others, collection])

    def without(self, collection_id: str) -> Schema:
        return Schema(c for c in self._by_id.values() if c.id != collection_id)

    def references_to(self, collection_id: str) -> list[tuple[Collection, str]]:
        """(collection, field name) pairs whose relation field points at ``collection_id``."""
        found = []
        for collection in self._by_id.values():
            for item in collection.fields:
                if item.relation_collection_id == collection_id:
                    found.append((collection, item.name))
        return found


async def load_schema(connection: AsyncConnection) -> Schema:
    rows = await connection.execute(
        select(tables.collections.c.definition, tables.collections.c.created, tables.collections.c.updated).order_by(
            tables.collections.c.created, tables.collections.c.id
        )
    )
    return Schema(Collection.from_json(row.definition, created=row.created, updated=row.updated) for row in rows)


class CollectionRegistry:
    """Holds the current Schema of this process.

    Reloads are serialised, so a slow reload that started earlier can never overwrite the result of
    a later one.
    """

    def __init__(self) -> None:
        self.schema = Schema()
        self.version = 0
        self._lock = asyncio.Lock()

    async def reload(self, engine: AsyncEngine) -> Schema:
        async with self._lock:
            async with engine.connect() as connection:
                self.schema = await load_schema(connection)
            self.version += 1
            return self.schema
