"""Several server processes on one database behave as one: events cross over PostgreSQL NOTIFY."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from baas.db.engine import asyncpg_dsn
from tests.conftest import RunningServer
from tests.realtime.conftest import StartServer, create, create_collection, create_user, delivered
from tests.realtime.sse import RealtimeClient

OPEN = {
    "name": "open",
    "type": "base",
    "listRule": "",
    "viewRule": "",
    "fields": [
        {"name": "v", "type": "text", "max": 100_000},
        {"name": "when", "type": "date"},
        {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
        {"name": "meta", "type": "json"},
        {"name": "created", "type": "autodate", "onCreate": True},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
    ],
}


async def test_two_servers_deliver_each_event_once_to_each_subscriber(
    server: RunningServer,
    start_server: StartServer,
    admin: httpx.AsyncClient,
    superuser_token: str,
    database_url: str,
) -> None:
    other = await start_server()
    await create_collection(admin, OPEN)
    headers = {"Authorization": superuser_token}
    async with (
        httpx.AsyncClient(base_url=other.url, headers=headers) as admin_b,
        RealtimeClient(server.url) as on_a,
        RealtimeClient(other.url) as on_b,
    ):
        for rt in (on_a, on_b):
            assert (await rt.subscribe("open/*")).status_code == 204
        typed = {"v": "from b", "when": "2024-01-02 03:04:05.678Z", "tags": ["a", "b"], "meta": {"k": [1, None]}}
        written_on_b = await create(admin_b, "open", typed)
        written_on_a = await create(admin, "open", {"v": "from a"})
        big = await create(admin_b, "open", {"v": "y" * 20_000})  # too big for NOTIFY: sent by reference
        expected = [written_on_b["id"], written_on_a["id"], big["id"]]
        for rt in (on_a, on_b):
            received = [(await rt.next()).data["record"] for _ in expected]
            assert sorted(r["id"] for r in received) == sorted(expected)
            assert next(r for r in received if r["id"] == big["id"])["v"] == "y" * 20_000
            assert next(r for r in received if r["id"] == written_on_b["id"]) == written_on_b, "same as the REST API"
            assert next(r for r in received if r["id"] == written_on_a["id"]) == written_on_a
        sentinel = await create(admin, "open", {"v": "sentinel"})
        for rt in (on_a, on_b):
            assert (await rt.next()).data["record"]["id"] == sentinel["id"], "no duplicates"
        await delivered(server, other)
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        assert await connection.fetchval("SELECT count(*) FROM baas.realtime_events") >= 1
    finally:
        await connection.close()


async def test_auth_changes_made_on_another_server_reach_the_client(
    server: RunningServer, start_server: StartServer, admin: httpx.AsyncClient, superuser_token: str
) -> None:
    other = await start_server()
    await create_collection(admin, {**OPEN, "listRule": "@request.auth.id != ''"})
    response = await admin.post(
        "/api/collections/users/records",
        json={"email": "dave@example.com", "password": "password123", "passwordConfirm": "password123"},
    )
    user_id = response.json()["id"]
    credentials = {"identity": "dave@example.com", "password": "password123"}
    token = (await admin.post("/api/collections/users/auth-with-password", json=credentials)).json()["token"]
    async with (
        httpx.AsyncClient(base_url=other.url, headers={"Authorization": superuser_token}) as admin_b,
        RealtimeClient(server.url) as rt,
    ):
        assert (await rt.subscribe("open/*", token=token)).status_code == 204
        first = await create(admin_b, "open", {"v": "1"})
        assert (await rt.next()).data["record"]["id"] == first["id"]
        password = {"password": "password456", "passwordConfirm": "password456"}
        assert (await admin_b.patch(f"/api/collections/users/records/{user_id}", json=password)).status_code == 200
        for _ in range(200):
            if server.app.state.realtime.broker.get(rt.client_id).identity is None:
                break
            await asyncio.sleep(0.02)
        assert server.app.state.realtime.broker.get(rt.client_id).identity is None


async def test_a_subscribe_request_may_reach_any_server(
    server: RunningServer, start_server: StartServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    """Behind a load balancer the SDK's POST can land on another process than its stream."""
    other = await start_server()
    await create_collection(admin, OPEN)
    _alice, alice = await create_user(client, "alice@example.com")
    _bob, bob = await create_user(client, "bob@example.com")
    other_ip = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with (
        RealtimeClient(server.url) as rt,
        httpx.AsyncClient(base_url=other.url) as on_b,
        httpx.AsyncClient(base_url=other.url, transport=other_ip) as on_b_elsewhere,
    ):
        body = {"clientId": rt.client_id, "subscriptions": ["open/*"]}
        for _ in range(100):  # until the two processes have met
            if server.app.state.realtime._peers and other.app.state.realtime._peers:
                break
            await asyncio.sleep(0.05)
        assert (await on_b.post("/api/realtime", json=body, headers={"Authorization": alice})).status_code == 204
        identity = server.app.state.realtime.broker.get(rt.client_id).identity
        assert identity is not None
        assert identity.id == _alice
        response = await on_b.post("/api/realtime", json=body, headers={"Authorization": bob})
        assert response.status_code == 403
        assert response.json()["message"] == "The current and the previous request authorization don't match."
        response = await on_b_elsewhere.post("/api/realtime", json=body, headers={"Authorization": alice})
        assert (response.status_code, response.json()["message"]) == (400, "Invalid realtime client.")
        record = await create(admin, "open", {"v": "1"})
        assert (await rt.next()).data["record"]["id"] == record["id"]
        missing = await on_b.post("/api/realtime", json={"clientId": "nobody", "subscriptions": []})
        assert missing.status_code == 404


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def separate_process(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """``python -m baas serve`` in its own OS process, on the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "BAAS_DATABASE_URL": database_url,
        "BAAS_DATA_DIR": str(tmp_path / "other"),
        "BAAS_ARGON2_TIME_COST": "1",
        "BAAS_ARGON2_MEMORY_KIB": "8",
        "BAAS_ARGON2_PARALLELISM": "1",
        "BAAS_DB_POOL_SIZE": "3",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "baas",
        "serve",
        "--http",
        f"127.0.0.1:{port}",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            for _ in range(300):
                if process.returncode is not None:
                    stderr = await process.stderr.read() if process.stderr else b""
                    pytest.fail(f"baas serve exited: {stderr.decode(errors='replace')}")
                try:
                    if (await http.get("/api/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("baas serve did not start")
        yield url, process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        await process.wait()


@pytest.mark.slow
async def test_a_separate_process_and_surviving_its_death(
    server: RunningServer,
    admin: httpx.AsyncClient,
    superuser_token: str,
    separate_process: tuple[str, asyncio.subprocess.Process],
) -> None:
    url, process = separate_process
    await create_collection(admin, OPEN)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": superuser_token}, timeout=30) as admin_b:
        # The other process learnt about the new collection through NOTIFY as well.
        for _ in range(100):
            if (await admin_b.get("/api/collections/open/records")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        async with RealtimeClient(url) as there, RealtimeClient(server.url) as here:
            assert (await there.subscribe("open/*")).status_code == 204
            assert (await here.subscribe("open/*")).status_code == 204
            written_here = await create(admin, "open", {"v": "here"})
            written_there = await create(admin_b, "open", {"v": "there"})
            for rt in (there, here):
                ids = [(await rt.next()).data["record"]["id"] for _ in range(2)]
                assert sorted(ids) == sorted([written_here["id"], written_there["id"]])

            process.send_signal(signal.SIGKILL)
            await process.wait()
            await asyncio.wait_for(there.closed.wait(), 10)

            after = await create(admin, "open", {"v": "after the other died"})
            assert (await here.next()).data["record"]["id"] == after["id"]
            assert (await admin.get("/api/health")).status_code == 200
