"""A realtime client for tests: reads the SSE stream of ``GET /api/realtime`` with httpx."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Message", "RealtimeClient"]


@dataclass
class Message:
    id: str
    event: str
    raw: str

    @property
    def data(self) -> Any:
        return json.loads(self.raw)


class RealtimeClient:
    """``async with RealtimeClient(url) as rt:`` connects and waits for ``PB_CONNECT``."""

    def __init__(self, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30, transport=transport)
        self.messages: asyncio.Queue[Message | None] = asyncio.Queue()
        self.comments = 0
        self.closed = asyncio.Event()
        self.client_id = ""
        self.headers: httpx.Headers | None = None
        self._task: asyncio.Task[None] | None = None
        self._opened = asyncio.Event()

    async def __aenter__(self) -> RealtimeClient:
        self._task = asyncio.create_task(self._read())
        connect = await self.next()
        assert connect.event == "PB_CONNECT", connect
        assert connect.id == connect.data["clientId"]
        self.client_id = connect.data["clientId"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.http.aclose()

    async def _read(self) -> None:
        try:
            async with self.http.stream("GET", "/api/realtime", timeout=httpx.Timeout(30, read=None)) as response:
                assert response.status_code == 200
                self.headers = response.headers
                fields: dict[str, str] = {}
                async for line in response.aiter_lines():
                    if line == "":
                        if fields:
                            await self.messages.put(
                                Message(fields.get("id", ""), fields.get("event", ""), fields.get("data", ""))
                            )
                        fields = {}
                    elif line.startswith(":"):
                        self.comments += 1
                    else:
                        name, _, value = line.partition(":")
                        fields[name] = value
        except httpx.HTTPError:
            pass
        finally:
            self.closed.set()
            await self.messages.put(None)

    async def next(self, within: float = 10) -> Message:
        message = await asyncio.wait_for(self.messages.get(), within)
        assert message is not None, "the stream ended"
        return message

    async def subscribe(self, *topics: str, token: str | None = None, client_id: str | None = None) -> httpx.Response:
        headers = {"Authorization": token} if token else {}
        body = {"clientId": self.client_id if client_id is None else client_id, "subscriptions": list(topics)}
        return await self.http.post("/api/realtime", json=body, headers=headers)
