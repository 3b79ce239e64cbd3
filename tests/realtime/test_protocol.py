"""The SSE connection and ``POST /api/realtime``: framing, headers, validation, client binding, timeouts."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest

from baas.config import Settings
from tests.conftest import RunningServer
from tests.realtime.conftest import StartServer, create_user
from tests.realtime.sse import RealtimeClient

BAD = "Something went wrong while processing your request."


async def test_connect_sends_pb_connect_with_pocketbase_framing(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http, http.stream("GET", "/api/realtime") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        first = await anext(response.aiter_raw())
    match = re.fullmatch(rb'id:([A-Za-z0-9]{40})\nevent:PB_CONNECT\ndata:\{"clientId":"([A-Za-z0-9]{40})"\}\n\n', first)
    assert match is not None, first
    assert match.group(1) == match.group(2)


async def test_disconnect_unregisters_the_client(server: RunningServer) -> None:
    broker = server.app.state.realtime.broker
    async with RealtimeClient(server.url) as rt:
        assert broker.get(rt.client_id) is not None
    for _ in range(100):
        if len(broker) == 0:
            break
        await asyncio.sleep(0.02)
    assert len(broker) == 0


@pytest.mark.parametrize(
    ("body", "status", "data"),
    [
        ({}, 400, {"clientId": {"code": "validation_required", "message": "Cannot be blank."}}),
        ({"clientId": "", "subscriptions": ["posts/*"]}, 400, {"clientId": {"code": "validation_required"}}),
        (
            {"clientId": "x" * 256},
            400,
            {"clientId": {"code": "validation_length_out_of_range", "params": {"max": 255, "min": 1}}},
        ),
        (
            {"clientId": "unknown", "subscriptions": ["x"] * 1001},
            400,
            {"subscriptions": {"code": "validation_length_too_long", "params": {"max": 1000, "min": 0}}},
        ),
        (
            {"clientId": "unknown", "subscriptions": ["a", "b" * 2501]},
            400,
            {"subscriptions": {"1": {"code": "validation_length_too_long", "params": {"max": 2500, "min": 0}}}},
        ),
        ({"clientId": "unknown", "subscriptions": ["posts/*"]}, 404, {}),
        ({"clientId": 5}, 400, {}),
        ({"clientId": "abc", "subscriptions": "posts/*"}, 400, {}),
    ],
    ids=["empty", "blank-id", "long-id", "too-many", "topic-too-long", "unknown-client", "id-not-text", "not-a-list"],
)
async def test_subscribe_form_errors(
    client: httpx.AsyncClient, body: dict[str, object], status: int, data: dict[str, object]
) -> None:
    response = await client.post("/api/realtime", json=body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["status"] == status
    if status == 404:
        assert payload == {"data": {}, "message": "Missing or invalid client id.", "status": 404}
    else:
        assert payload["message"] == BAD
        _assert_contains(payload["data"], data)


def _assert_contains(actual: object, expected: object) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), actual
        if not expected:
            assert actual == {}
        for key, value in expected.items():
            assert key in actual, (key, actual)
            _assert_contains(actual[key], value)
    else:
        assert actual == expected


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/realtime", content=b"{bad", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"data": {}, "message": BAD, "status": 400}


async def test_limits_accept_1000_topics_of_2500_chars_and_replace_the_set(server: RunningServer) -> None:
    async with RealtimeClient(server.url) as rt:
        client = server.app.state.realtime.broker.get(rt.client_id)
        assert (await rt.subscribe("old/*")).status_code == 204
        topics = [f"posts/{i}" for i in range(999)] + ["a" * 2500]
        assert (await rt.subscribe(*topics)).status_code == 204
        assert len(client.subscriptions) == 1000
        assert "old/*" not in client.subscriptions
        assert (await rt.subscribe()).status_code == 204
        assert client.subscriptions == {}


async def test_form_encoded_subscribe(server: RunningServer) -> None:
    async with RealtimeClient(server.url) as rt:
        response = await rt.http.post(
            "/api/realtime", data={"clientId": rt.client_id, "subscriptions": ["posts/*", "users/*"]}
        )
        assert response.status_code == 204, response.text
        client = server.app.state.realtime.broker.get(rt.client_id)
        assert set(client.subscriptions) == {"posts/*", "users/*"}


async def test_client_auth_may_only_go_from_guest_to_one_user(server: RunningServer, client: httpx.AsyncClient) -> None:
    _alice, alice = await create_user(client, "alice@example.com")
    _bob, bob = await create_user(client, "bob@example.com")
    async with RealtimeClient(server.url) as rt:
        assert (await rt.subscribe("posts/*")).status_code == 204
        assert (await rt.subscribe("posts/*", token=alice)).status_code == 204
        # The same user again (e.g. a refreshed token) is fine.
        assert (await rt.subscribe("posts/*", token=alice)).status_code == 204
        response = await rt.subscribe("posts/*", token=bob)
        assert response.status_code == 403
        assert response.json() == {
            "data": {},
            "message": "The current and the previous request authorization don't match.",
            "status": 403,
        }
        # Dropping the token is a change of auth too.
        assert (await rt.subscribe("posts/*")).status_code == 403
        identity = server.app.state.realtime.broker.get(rt.client_id).identity
        assert identity is not None
        assert identity.id == _alice


async def test_subscribe_from_another_ip_is_rejected(server: RunningServer) -> None:
    other_ip = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with RealtimeClient(server.url) as rt, httpx.AsyncClient(base_url=server.url, transport=other_ip) as other:
        response = await other.post("/api/realtime", json={"clientId": rt.client_id, "subscriptions": ["posts/*"]})
        assert response.status_code == 400
        assert response.json() == {"data": {}, "message": "Invalid realtime client.", "status": 400}
        assert (await rt.subscribe("posts/*")).status_code == 204


async def test_idle_connection_gets_pings_then_is_closed(start_server: StartServer) -> None:
    running = await start_server(realtime_idle_timeout=0.6, realtime_ping_interval=0.1)
    async with RealtimeClient(running.url) as rt:
        await asyncio.wait_for(rt.closed.wait(), 5)
        assert rt.comments >= 2
    assert len(running.app.state.realtime.broker) == 0


async def test_connection_is_closed_at_its_maximum_age(start_server: StartServer) -> None:
    running = await start_server(realtime_max_connection_age=0.5, realtime_ping_interval=0.1)
    async with RealtimeClient(running.url) as rt:
        assert (await rt.subscribe("posts/*")).status_code == 204
        await asyncio.wait_for(rt.closed.wait(), 5)


async def test_a_server_shutting_down_ends_open_streams_cleanly(settings: Settings) -> None:
    running = RunningServer(settings)
    running.server.config.timeout_graceful_shutdown = 0.5  # uvicorn then cancels what is still open
    errors: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = errors.append  # type: ignore[method-assign]
    logging.getLogger("uvicorn.error").addHandler(handler)
    try:
        await running.start()
        async with RealtimeClient(running.url) as rt:
            assert (await rt.subscribe("posts/*")).status_code == 204
            await asyncio.wait_for(running.stop(), 10)
            await asyncio.wait_for(rt.closed.wait(), 5)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert not [r for r in errors if r.levelno >= logging.ERROR and "graceful" not in r.getMessage()]
