"""A client that stops reading is disconnected once its bounded outbox overflows; others carry on."""

from __future__ import annotations

import asyncio
import json
import socket
from urllib.parse import urlsplit

import httpx

from tests.realtime.conftest import StartServer, create, create_collection, delivered
from tests.realtime.sse import RealtimeClient

QUEUE = 4
BIG = "x" * 200_000


async def _stalled_connection(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str]:
    """An SSE connection with a tiny receive buffer that we will stop reading after PB_CONNECT."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(f"GET /api/realtime HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\n\n")
    while b"PB_CONNECT" not in head:
        head += await reader.readuntil(b"\n\n")
    client_id = json.loads(head.split(b"data:", 1)[1].split(b"\n", 1)[0])["clientId"]
    return reader, writer, client_id


async def test_a_stalled_client_is_dropped_without_growing_memory(
    start_server: StartServer, superuser_token: str
) -> None:
    server = await start_server(realtime_client_queue=QUEUE)
    realtime = server.app.state.realtime
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers={"Authorization": superuser_token}) as admin:
        fields = [{"name": "body", "type": "editor", "maxSize": 1_000_000}]
        await create_collection(admin, {"name": "blobs", "type": "base", "listRule": "", "fields": fields})
        reader, writer, client_id = await _stalled_connection(server.url)
        async with RealtimeClient(server.url) as healthy:
            async with httpx.AsyncClient(base_url=server.url) as http:
                body = {"clientId": client_id, "subscriptions": ["blobs/*"]}
                assert (await http.post("/api/realtime", json=body)).status_code == 204
            assert (await healthy.subscribe("blobs/*")).status_code == 204
            stalled = realtime.broker.get(client_id)
            most_pending = 0
            created = []
            for _ in range(40):
                created.append((await create(admin, "blobs", {"body": BIG}))["id"])
                await delivered(server)
                most_pending = max(most_pending, stalled.pending)
                if realtime.broker.get(client_id) is None:
                    break
            assert realtime.broker.get(client_id) is None, "the stalled client was disconnected"
            assert most_pending <= QUEUE
            assert stalled.pending == 0, "its backlog was dropped"
            # The server closed the connection: reading what is left ends in EOF.
            async with asyncio.timeout(10):
                while await reader.read(1 << 16):
                    pass
            writer.close()
            # Everyone else still gets every event.
            created.append((await create(admin, "blobs", {"body": "small"}))["id"])
            assert [(await healthy.next()).data["record"]["id"] for _ in created] == created
