"""Realtime fixtures: servers with custom settings, users with tokens, and a sync point for delivery."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from baas.config import Settings
from tests.conftest import RunningServer

PASSWORD = "password123"

POSTS = {
    "name": "posts",
    "type": "base",
    "fields": [
        {"name": "title", "type": "text"},
        {"name": "published", "type": "bool"},
        {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        {"name": "secret", "type": "text", "hidden": True},
    ],
    "listRule": "published = true || owner = @request.auth.id",
    "viewRule": "published = true || owner = @request.auth.id",
    "createRule": "@request.auth.id != '' && owner = @request.auth.id",
    "updateRule": "owner = @request.auth.id",
    "deleteRule": "owner = @request.auth.id",
}


StartServer = Callable[..., Awaitable[RunningServer]]


@pytest.fixture
async def start_server(settings: Settings) -> AsyncIterator[StartServer]:
    """Start more servers on the test database, with settings overrides; all stopped at the end."""
    started: list[RunningServer] = []

    async def start(**overrides: Any) -> RunningServer:
        running = RunningServer(settings.replace(**overrides))
        await running.start()
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        await running.stop()


async def create_collection(admin: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await admin.post("/api/collections", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def create_user(http: httpx.AsyncClient, email: str) -> tuple[str, str]:
    """A new ``users`` record; returns (id, token)."""
    response = await http.post(
        "/api/collections/users/records", json={"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()["id"], await sign_in(http, email)


async def sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    body = {"identity": email, "password": password}
    response = await http.post("/api/collections/users/auth-with-password", json=body)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def create(
    http: httpx.AsyncClient, collection: str, body: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": token} if token else {}
    response = await http.post(f"/api/collections/{collection}/records", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def delivered(*servers: RunningServer) -> None:
    """Wait until every event the servers have received so far is queued for their clients."""
    for running in servers:
        await running.app.state.realtime.idle()
