"""Record events between server processes, over PostgreSQL NOTIFY.

Each process delivers its own events to its own clients straight from the after-commit bus, and
relays them to the other processes: a background task NOTIFYs them on the change channel (topic
``realtime``), several per transaction when writes come fast. A payload too big for NOTIFY (8000
bytes) is stored in ``baas.realtime_events`` and only its id is sent. Every message names the
process that sent it, so a process ignores its own notifications: each process delivers each event
exactly once. Stored payloads are swept after ``RETENTION``.

The row travels whole (hidden fields included: rules may read them); datetimes as ISO strings,
turned back into datetimes by the receiver from the collection's field types.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.collections.registry import Schema
from baas.db.notify import publish
from baas.db.tables import SYSTEM_SCHEMA
from baas.events import RecordEvent

__all__ = ["BATCH", "RETENTION", "TOPIC", "Relay", "decode_event", "encode_event", "realtime_events"]

TOPIC = "realtime"
BATCH = 100
RETENTION = timedelta(minutes=10)
_SWEEP_EVERY = 60.0

logger = logging.getLogger("baas.realtime")

realtime_events = Table(
    "realtime_events",
    MetaData(schema=SYSTEM_SCHEMA),
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("created", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("payload", Text, nullable=False),
)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def encode_event(event: RecordEvent, origin: str) -> dict[str, Any]:
    row = {key: _jsonable(value) for key, value in event.record.items()}
    return {"o": origin, "a": event.action, "c": event.collection_id, "n": event.collection_name, "r": row}


def decode_event(data: Any, schema: Schema) -> RecordEvent | None:
    """The event a notification describes; None if malformed or its collection is unknown here."""
    try:
        action, collection_id, name, row = data["a"], data["c"], data["n"], dict(data["r"])
    except (KeyError, TypeError, ValueError):
        return None
    if action not in ("create", "update", "delete"):
        return None
    collection = schema.find(collection_id)
    if collection is None:
        return None
    for item in collection.fields:
        value = row.get(item.name)
        if isinstance(value, str) and value and isinstance(item.sql_type(), DateTime):
            with contextlib.suppress(ValueError):
                row[item.name] = datetime.fromisoformat(value)
    return RecordEvent(action, collection_id, name, row)


class Relay:
    """Sends this process's events to the others; fetches payloads sent by reference."""

    def __init__(self, engine: AsyncEngine, origin: str) -> None:
        self.engine = engine
        self.origin = origin
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._stored_since_sweep = False
        self._last_sweep = time.monotonic()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="baas-realtime-relay")

    async def stop(self, grace: float = 5.0) -> None:
        """Send what is still queued (for at most ``grace`` seconds), then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def send(self, event: RecordEvent) -> None:
        self._queue.put_nowait(encode_event(event, self.origin))

    def send_message(self, message: dict[str, Any]) -> None:
        """Any other message for the other processes (JSON-able; this process's origin is added)."""
        self._queue.put_nowait({**message, "o": self.origin})

    async def fetch(self, event_id: int) -> dict[str, Any] | None:
        async with self.engine.connect() as connection:
            payload = (
                await connection.execute(select(realtime_events.c.payload).where(realtime_events.c.id == event_id))
            ).scalar_one_or_none()
        return None if payload is None else dict(json.loads(payload))

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._flush(batch)
            except Exception:
                logger.exception("could not relay %d realtime event(s) to other processes", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()
            if self._stored_since_sweep and time.monotonic() - self._last_sweep > _SWEEP_EVERY:
                await self._sweep()

    async def _flush(self, batch: list[dict[str, Any]]) -> None:
        async with self.engine.begin() as connection:
            for data in batch:
                try:
                    await publish(connection, TOPIC, data)
                except ValueError:
                    # Too big for NOTIFY: store it and send its id; committed together with the NOTIFY.
                    payload = json.dumps(data, separators=(",", ":"), default=str)
                    stored = await connection.execute(
                        insert(realtime_events).values(payload=payload).returning(realtime_events.c.id)
                    )
                    await publish(connection, TOPIC, {"o": self.origin, "ref": stored.scalar_one()})
                    self._stored_since_sweep = True

    async def _sweep(self) -> None:
        self._last_sweep = time.monotonic()
        self._stored_since_sweep = False
        try:
            async with self.engine.begin() as connection:
                await connection.execute(
                    delete(realtime_events).where(realtime_events.c.created < func.now() - RETENTION)
                )
        except Exception:
            logger.exception("could not sweep old realtime events")
