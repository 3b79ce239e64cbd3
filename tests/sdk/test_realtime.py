"""Realtime through the SDK: callbacks on a thread (sync), ``async for`` (async), reconnect after a
server restart, unsubscribe."""

from __future__ import annotations

import asyncio
import queue
import time
from typing import Any

import baas_sdk
import pytest

from tests.sdk.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Target, make_collection, servers

pytestmark = servers()


def wait(events: queue.Queue[baas_sdk.RealtimeEvent], timeout: float = 10) -> baas_sdk.RealtimeEvent:
    return events.get(timeout=timeout)


def test_sync_subscribe_receives_events_and_reconnects(target: Target, sync_admin: baas_sdk.Client) -> None:
    name = asyncio.run(make_collection(_AsyncOf(sync_admin), [{"name": "title", "type": "text"}]))
    posts = sync_admin.collection(name)
    events: queue.Queue[baas_sdk.RealtimeEvent] = queue.Queue()
    unsubscribe = posts.subscribe("*", events.put)
    created = posts.create({"title": "one"})
    event = wait(events)
    assert (event.topic, event.action, event.record["id"]) == (f"{name}/*", "create", created["id"])

    just_one: queue.Queue[baas_sdk.RealtimeEvent] = queue.Queue()
    posts.subscribe(created["id"], just_one.put, {"query": {"fields": "id"}})
    posts.update(created["id"], {"title": "two"})
    assert wait(events).record["title"] == "two"
    assert wait(just_one).record == {"id": created["id"]}  # options reach the server

    connections = sync_admin.realtime.connections
    target.restart()
    deadline = time.monotonic() + 20
    while not (sync_admin.realtime.is_connected and sync_admin.realtime.connections > connections):
        assert time.monotonic() < deadline, "no reconnect"
        time.sleep(0.05)
    posts.delete(created["id"])
    assert wait(events).action == "delete"  # re-subscribed after the restart

    unsubscribe()
    posts.unsubscribe(created["id"])
    assert not sync_admin.realtime.is_connected  # nothing left: the connection is closed
    posts.create({"title": "unheard"})
    time.sleep(0.3)
    assert events.empty()


async def test_async_for_events(target: Target, async_admin: baas_sdk.AsyncClient) -> None:
    name = await make_collection(async_admin, [{"name": "title", "type": "text"}])
    posts = async_admin.collection(name)
    async with posts.subscribe("*") as events:
        record = await posts.create({"title": "a"})
        await posts.update(record["id"], {"title": "b"})
        received = []
        async for event in events:
            received.append((event.action, event.record["title"]))
            if len(received) == 2:
                break
        assert received == [("create", "a"), ("update", "b")]

        connections = async_admin.realtime.connections
        target.restart()
        for _ in range(400):
            if async_admin.realtime.is_connected and async_admin.realtime.connections > connections:
                break
            await asyncio.sleep(0.05)
        await posts.delete(record["id"])
        assert (await events.next(timeout=10)).action == "delete"
    assert not async_admin.realtime.is_connected


async def test_events_follow_the_rules(target: Target, async_admin: baas_sdk.AsyncClient) -> None:
    name = await make_collection(async_admin, [{"name": "title", "type": "text"}], listRule="title = 'public'")
    async with baas_sdk.AsyncClient(target.url) as guest, guest.collection(name).subscribe("*") as events:
        await async_admin.collection(name).create({"title": "hidden"})
        await async_admin.collection(name).create({"title": "public"})
        assert (await events.next(timeout=10)).record["title"] == "public"
        with pytest.raises(asyncio.TimeoutError):
            await events.next(timeout=0.3)
    assert SUPERUSER_EMAIL
    assert SUPERUSER_PASSWORD


class _AsyncOf:
    """Just enough of an async client around a sync one for ``make_collection``."""

    def __init__(self, client: baas_sdk.Client) -> None:
        self.collections = self
        self._client = client

    async def create(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._client.collections.create(data)
