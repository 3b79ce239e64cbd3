"""A full scan of the storage for objects nothing references (``baas files gc``).

The journal sweep (``FileStore.sweep``) handles everything a crash can leave behind. The scan is the
belt to those braces, and also finds what the journal never saw: files of deleted collections, a
thumb written while its original was being deleted, temporary files of interrupted local writes.

An object is deleted only when it is older than the grace period, no pending upload has its key,
and no record references it (a thumb: its original), all read in one snapshot taken after the
listing: an upload is journaled before it is written, so any object the listing saw is either
pending, referenced, or truly orphaned in that snapshot. Objects outside the layout
``{collectionId}/{recordId}/{name}`` (and its thumbs) are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from baas.collections.fields import FileField
from baas.collections.fields.select import as_list
from baas.collections.registry import Schema
from baas.files import journal
from baas.files.local import is_temporary
from baas.files.storage import Storage

__all__ = ["ScanReport", "scan"]

_BATCH = 1000


@dataclass
class ScanReport:
    scanned: int = 0
    deleted: list[str] = field(default_factory=list)
    kept_recent: int = 0  # younger than the grace period


def _original(key: str) -> tuple[str, str, str] | None:
    """(collection id, record id, name) of the original a key belongs to; None outside the layout."""
    parts = key.split("/")
    if len(parts) == 3 and is_temporary(key):
        return None
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 4 and parts[2].startswith("thumbs_"):
        return parts[0], parts[1], parts[2].removeprefix("thumbs_")
    return None


async def _referenced(
    connection: AsyncConnection, schema: Schema, originals: Iterable[tuple[str, str, str]]
) -> set[tuple[str, str, str]]:
    by_collection: dict[str, set[str]] = defaultdict(set)
    for collection_id, record_id, _name in originals:
        by_collection[collection_id].add(record_id)
    found: set[tuple[str, str, str]] = set()
    for collection_id, record_ids in by_collection.items():
        collection = schema.find(collection_id)
        if collection is None or collection.id != collection_id or collection.is_view:
            continue
        fields = [item for item in collection.fields if isinstance(item, FileField)]
        if not fields:
            continue
        table = collection.table
        wanted = table.c.id == func.any(literal(sorted(record_ids), ARRAY(Text())))
        statement = select(table.c.id, *[table.c[item.name] for item in fields]).where(wanted)
        for row in (await connection.execute(statement)).mappings():
            for item in fields:
                found.update((collection_id, row["id"], name) for name in as_list(row[item.name]))
    return found


async def _victims(engine: AsyncEngine, schema: Schema, keys: list[str]) -> list[str]:
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="REPEATABLE READ")  # one snapshot for both reads
        async with connection.begin():
            pending = await journal.pending_keys(connection)
            originals = {key: _original(key) for key in keys}
            referenced = await _referenced(connection, schema, [o for o in originals.values() if o])

    def orphaned(original: tuple[str, str, str] | None) -> bool:
        return original is not None and original not in referenced and "/".join(original) not in pending

    return [key for key, original in originals.items() if is_temporary(key) or orphaned(original)]


async def scan(engine: AsyncEngine, schema: Schema, storage: Storage, grace_seconds: float) -> ScanReport:
    """Delete unreferenced objects older than the grace period."""
    report = ScanReport()
    cutoff = datetime.now(UTC) - timedelta(seconds=grace_seconds)
    batch: list[str] = []
    async for info in storage.list(""):
        report.scanned += 1
        if info.modified > cutoff:
            report.kept_recent += 1
            continue
        if is_temporary(info.key) or _original(info.key) is not None:
            batch.append(info.key)
        if len(batch) >= _BATCH:
            await _delete(engine, schema, storage, batch, report)
            batch = []
    if batch:
        await _delete(engine, schema, storage, batch, report)
    return report


async def _delete(engine: AsyncEngine, schema: Schema, storage: Storage, keys: list[str], report: ScanReport) -> None:
    for key in await _victims(engine, schema, keys):
        await storage.delete(key)
        report.deleted.append(key)
