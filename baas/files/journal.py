"""The file journal (``baas.file_journal``): objects that exist in storage but no record may rely on.

A row is either **pending**, an upload written to storage before the record that will reference it
is committed, or **doomed**, an object to delete. The protocol, which keeps every committed record's
files in place and leaves nothing behind for good:

1. Before an upload is written, a pending row for its key is committed (``reserve``).
2. The record's transaction deletes the pending rows of the keys the row now references (``claim``)
   and inserts doomed rows for the keys it no longer references (``doom``: replaced, removed, and
   every file of deleted records, cascades included). Both commit or roll back with the record.
3. After the commit, doomed objects are deleted and their rows dropped (``forget``). After a
   rollback, the request's still-pending rows are doomed first (``doom_pending``), then deleted.
4. A sweep dooms pending rows older than a grace period (``doom_expired``) and deletes every doomed
   object. It only ever deletes doomed keys, and a doomed row can no longer be claimed: ``claim``
   fails when its row was doomed (the request then fails instead of pointing at a deleted file),
   and a row a running transaction has claimed is locked, so the sweep skips it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Table,
    Text,
    delete,
    false,
    func,
    literal,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import TableClause

from baas.db.tables import metadata

__all__ = [
    "UploadExpiredError",
    "claim",
    "doom",
    "doom_column",
    "doom_expired",
    "doom_pending",
    "doomed_keys",
    "file_journal",
    "forget",
    "pending_keys",
    "reserve",
]

file_journal = Table(
    "file_journal",
    metadata,
    Column("key", Text, primary_key=True),
    Column("created", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("doomed", Boolean, nullable=False, server_default=false()),
    Index("file_journal_doomed_created_idx", "doomed", "created"),
)


class UploadExpiredError(Exception):
    """A staged upload was swept before its record could claim it (the write must fail)."""


def _keys(keys: Iterable[str]) -> list[str]:
    return sorted(set(keys))


def _any(keys: list[str]) -> ColumnElement[bool]:
    return file_journal.c.key == func.any(literal(keys, ARRAY(Text())))


async def reserve(engine: AsyncEngine, keys: Sequence[str]) -> None:
    """Commit pending rows for uploads about to be written."""
    if not keys:
        return
    async with engine.begin() as connection:
        await connection.execute(insert(file_journal).values([{"key": key} for key in _keys(keys)]))


async def claim(connection: AsyncConnection, keys: Iterable[str]) -> None:
    """In the record's transaction: the record references these uploads now."""
    wanted = _keys(keys)
    if not wanted:
        return
    statement = (
        delete(file_journal).where(_any(wanted), file_journal.c.doomed.is_(false())).returning(file_journal.c.key)
    )
    claimed = (await connection.execute(statement)).scalars().all()
    if len(claimed) != len(wanted):
        raise UploadExpiredError(sorted(set(wanted) - set(claimed)))


async def doom(connection: AsyncConnection, keys: Iterable[str]) -> None:
    """In the record's transaction: these objects go once the transaction commits."""
    wanted = _keys(keys)
    if not wanted:
        return
    statement = insert(file_journal).values([{"key": key, "doomed": True} for key in wanted])
    await connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"doomed": true()}))


async def doom_column(
    connection: AsyncConnection, collection_id: str, table: TableClause, column: str, multiple: bool
) -> None:
    """In a schema change's transaction: doom every file a file column references (its field or its
    whole collection is being dropped). One INSERT ... SELECT, however many records there are; the
    next sweep deletes the objects once the change has committed."""
    source = table.c[column]
    name = type_coerce(func.unnest(source), Text) if multiple else source
    key = literal(f"{collection_id}/", Text) + table.c.id + literal("/", Text) + name
    keys = select(key.label("key"), true().label("doomed"))
    if not multiple:
        keys = keys.where(source != "")
    statement = insert(file_journal).from_select(["key", "doomed"], keys)
    await connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"doomed": true()}))


async def doom_pending(engine: AsyncEngine, keys: Iterable[str]) -> list[str]:
    """Doom uploads whose record was not committed; returns those now safe to delete.

    A key whose pending row is gone was claimed by a committed transaction (say the commit succeeded
    but its acknowledgement was lost): it is referenced and must stay.
    """
    wanted = _keys(keys)
    if not wanted:
        return []
    statement = update(file_journal).where(_any(wanted)).values(doomed=True).returning(file_journal.c.key)
    async with engine.begin() as connection:
        return list((await connection.execute(statement)).scalars().all())


async def doom_expired(engine: AsyncEngine, grace_seconds: float) -> int:
    """Doom pending rows older than the grace period, skipping any a transaction is claiming."""
    victims = (
        select(file_journal.c.key)
        .where(
            file_journal.c.doomed.is_(false()),
            file_journal.c.created < func.now() - literal(timedelta(seconds=grace_seconds)),
        )
        .with_for_update(skip_locked=True)
        .cte("victims")
    )
    statement = (
        update(file_journal)
        .where(file_journal.c.key.in_(select(victims.c.key)))
        .values(doomed=True)
        .returning(file_journal.c.key)
    )
    async with engine.begin() as connection:
        return len((await connection.execute(statement)).scalars().all())


async def doomed_keys(engine: AsyncEngine, limit: int = 1000, after: str = "") -> list[str]:
    statement = (
        select(file_journal.c.key)
        .where(file_journal.c.doomed.is_(true()), file_journal.c.key > after)
        .order_by(file_journal.c.key)
        .limit(limit)
    )
    async with engine.connect() as connection:
        return list((await connection.execute(statement)).scalars().all())


async def pending_keys(connection: AsyncConnection) -> set[str]:
    """Every key still pending (an upload some request may be about to commit)."""
    statement = select(file_journal.c.key).where(file_journal.c.doomed.is_(false()))
    return set((await connection.execute(statement)).scalars().all())


async def forget(engine: AsyncEngine, keys: Iterable[str]) -> None:
    """Drop the rows of doomed objects that are gone from storage."""
    wanted = _keys(keys)
    if not wanted:
        return
    async with engine.begin() as connection:
        await connection.execute(delete(file_journal).where(_any(wanted), file_journal.c.doomed.is_(true())))
