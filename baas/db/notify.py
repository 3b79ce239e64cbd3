"""Cross-process change notifications over PostgreSQL LISTEN/NOTIFY.

Writers call ``publish`` inside their transaction (PostgreSQL delivers on commit, never on
rollback). Every server process runs one ``ChangeListener`` on a dedicated connection and dispatches
``{"topic": ..., "data": ...}`` messages to the handlers registered for the topic. After a lost
connection it reconnects and tells every handler to resynchronise (messages may have been missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.db.engine import asyncpg_dsn

__all__ = ["CHANNEL", "ChangeListener", "Handler", "publish"]

CHANNEL = "baas_changes"
# NOTIFY payloads are limited to 8000 bytes; larger data must be sent by reference.
MAX_PAYLOAD = 7900

Handler = Callable[[Any], Awaitable[None]]
"""Called with the message data, or with ``None`` after a reconnect (resynchronise)."""

logger = logging.getLogger("baas.notify")


async def publish(connection: AsyncConnection, topic: str, data: Any = None) -> None:
    payload = json.dumps({"topic": topic, "data": data}, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError("notification payload too large; publish a reference instead")
    await connection.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


class ChangeListener:
    def __init__(self, database_url: str, *, retry_delay: float = 1.0) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._handlers: dict[str, list[Handler]] = {}
        self._retry_delay = retry_delay
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="baas-change-listener")
        # Do not serve requests before we can hear about changes made by others.
        await asyncio.wait_for(self._connected.wait(), timeout=30)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        first = True
        while True:
            try:
                connection = await asyncpg.connect(self._dsn, server_settings={"application_name": "baas-listener"})
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("change listener cannot connect: %s", exc)
                await asyncio.sleep(self._retry_delay)
                continue
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _c, lost=lost: lost.set())
            try:
                await connection.add_listener(CHANNEL, self._on_notification)
                if not first:
                    await self._resync()
                first = False
                self._connected.set()
                await lost.wait()
                logger.warning("change listener lost its connection; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
            await asyncio.sleep(self._retry_delay)

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            topic, data = message["topic"], message.get("data")
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring malformed notification %r", payload[:200])
            return
        for handler in self._handlers.get(topic, []):
            task = asyncio.get_running_loop().create_task(self._call(handler, data))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _resync(self) -> None:
        for handlers in self._handlers.values():
            for handler in handlers:
                await self._call(handler, None)

    @staticmethod
    async def _call(handler: Handler, data: Any) -> None:
        try:
            await handler(data)
        except Exception:
            logger.exception("change handler failed")
