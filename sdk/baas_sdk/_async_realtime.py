"""Realtime for ``AsyncClient``: one SSE connection read by a task on the client's event loop.

``Subscription`` is what ``collection.subscribe(topic)`` returns: an async iterator of events
(``async for event in subscription``), best used as ``async with`` so it unsubscribes on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any, Callable

import httpx

from ._calls import Call, call
from ._exceptions import NetworkError, error_for_response
from ._models import RealtimeEvent
from ._realtime import (
    Callback,
    SSEDecoder,
    Subscribers,
    logger,
    parse_data,
    reconnect_delay,
    subscriptions_call,
    topic_key,
)

if TYPE_CHECKING:
    from ._async_client import AsyncClient

__all__ = ["AsyncRealtime", "Subscription"]

STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)


class AsyncRealtime:
    """``client.realtime`` of ``AsyncClient``."""

    def __init__(self, client: AsyncClient, connect_timeout: float = 15.0) -> None:
        self._client = client
        self.connect_timeout = connect_timeout
        self._subscribers = Subscribers()
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self.client_id = ""
        self.connections = 0

    def _state(self) -> tuple[asyncio.Lock, asyncio.Event]:
        # created lazily, inside the running loop
        if self._lock is None or self._ready is None:
            self._lock, self._ready = asyncio.Lock(), asyncio.Event()
        return self._lock, self._ready

    @property
    def is_connected(self) -> bool:
        return self._ready is not None and self._ready.is_set()

    async def subscribe(
        self, topic: str, callback: Callback, options: Mapping[str, Any] | None = None
    ) -> Callable[[], Awaitable[None]]:
        """Call ``callback(event)`` for each message of ``topic``; returns an async unsubscribe function."""
        key = topic_key(topic, options)
        lock, ready = self._state()
        async with lock:
            new = self._subscribers.add(key, callback)
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._run())
            elif new and ready.is_set():
                await self._post()
        try:
            await asyncio.wait_for(ready.wait(), self.connect_timeout)
        except asyncio.TimeoutError:
            self._subscribers.remove(key, callback)
            raise NetworkError("the realtime connection did not open in time",
                               self._client.build_url("/api/realtime")) from None  # fmt: skip

        async def unsubscribe() -> None:
            await self._drop(self._subscribers.remove(key, callback))

        return unsubscribe

    async def unsubscribe(self, topic: str | None = None) -> None:
        await self._drop(self._subscribers.remove_topic(topic))

    async def close(self) -> None:
        self._subscribers.remove_topic(None)
        await self._disconnect()

    async def _drop(self, changed: bool) -> None:
        if not changed:
            return
        lock, ready = self._state()
        async with lock:
            if not self._subscribers.topics():
                await self._disconnect()
            elif ready.is_set():
                await self._post()

    async def _post(self) -> None:
        await self._client._run(call(subscriptions_call(self.client_id, self._subscribers.topics())))

    async def _disconnect(self) -> None:
        task, self._task = self._task, None
        if self._ready is not None:
            self._ready.clear()
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._read_stream()
                attempt = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any break: back off, reconnect
                logger.debug("realtime connection lost: %r", exc)
            finally:
                if self._ready is not None:
                    self._ready.clear()
                self.client_id = ""
            await asyncio.sleep(reconnect_delay(attempt))
            attempt += 1

    async def _read_stream(self) -> None:
        client = self._client
        lock, ready = self._state()
        headers = client.request_headers(Call("GET", "/api/realtime", authorize=False))
        headers["Accept"] = "text/event-stream"
        async with httpx.AsyncClient(timeout=STREAM_TIMEOUT) as http, http.stream(
            "GET", client.build_url("/api/realtime"), headers=headers
        ) as response:
            if response.status_code != 200:
                await response.aread()
                raise error_for_response(response)
            decoder = SSEDecoder()
            async for line in response.aiter_lines():
                event = decoder.decode(line)
                if event is None:
                    continue
                if event.event == "PB_CONNECT":
                    async with lock:
                        self.client_id = str(parse_data(event.data).get("clientId", ""))
                        self.connections += 1
                        if self._subscribers.topics():
                            await self._post()
                        ready.set()
                else:
                    self._subscribers.dispatch(event)


_CLOSED = object()


class Subscription:
    """The events of one topic as an async iterator; starts on first use, stops on ``unsubscribe()``."""

    def __init__(self, realtime: AsyncRealtime, topic: str, options: Mapping[str, Any] | None = None) -> None:
        self._realtime = realtime
        self.topic = topic
        self._options = options
        self._queue: asyncio.Queue[RealtimeEvent | object] = asyncio.Queue()
        self._unsubscribe: Callable[[], Awaitable[None]] | None = None
        self._closed = False

    async def start(self) -> Subscription:
        """Subscribe now (returns once the server has the topic); later calls do nothing."""
        if self._unsubscribe is None and not self._closed:
            self._unsubscribe = await self._realtime.subscribe(self.topic, self._queue.put_nowait, self._options)
        return self

    async def unsubscribe(self) -> None:
        """Stop the subscription; an ``async for`` over it ends after the events already received."""
        self._closed = True
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            await unsubscribe()
        self._queue.put_nowait(_CLOSED)

    aclose = unsubscribe

    async def __aenter__(self) -> Subscription:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.unsubscribe()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> RealtimeEvent:
        await self.start()
        item = await self._queue.get()
        if isinstance(item, RealtimeEvent):
            return item
        raise StopAsyncIteration

    async def next(self, timeout: float | None = None) -> RealtimeEvent:
        """The next event, waiting at most ``timeout`` seconds (``asyncio.TimeoutError`` after that)."""
        return await asyncio.wait_for(self.__anext__(), timeout)
