"""``/api/oauth2-redirect``: the provider's redirect handed to the waiting realtime client as ``@oauth2``."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from baas.auth.oauth2.apple_names import take_apple_name
from tests.conftest import RunningServer
from tests.realtime.conftest import StartServer
from tests.realtime.sse import RealtimeClient

SUCCESS = "../_/auth/oauth2-redirect-success"
FAILURE = "../_/auth/oauth2-redirect-failure"
STATE = "{state}"  # replaced by the connected client's id


@dataclass
class Case:
    name: str
    method: str
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    raw: bytes | None = None
    subscribe: bool = True
    status: int = 307
    location: str = SUCCESS
    message: dict[str, Any] | None = None


CASES = [
    Case(
        "code",
        "GET",
        params={"state": STATE, "code": "abc"},
        message={"state": STATE, "code": "abc"},
    ),
    Case(
        "provider error",
        "GET",
        params={"state": STATE, "error": "access_denied"},
        location=FAILURE,
        message={"state": STATE, "code": "", "error": "access_denied"},
    ),
    Case("no code", "GET", params={"state": STATE}, location=FAILURE, message={"state": STATE, "code": ""}),
    Case("no state", "GET", params={"code": "abc"}, location=FAILURE),
    Case("unknown client", "GET", params={"state": "nobody", "code": "abc"}, location=FAILURE),
    Case("not subscribed", "GET", params={"state": STATE, "code": "abc"}, subscribe=False, location=FAILURE),
    Case(
        "form post (Apple's response_mode=form_post)",
        "POST",
        form={"state": STATE, "code": "xyz"},
        status=303,
        message={"state": STATE, "code": "xyz"},
    ),
    Case(
        "JSON post",
        "POST",
        raw=json.dumps({"state": STATE, "code": "j1"}).encode(),
        status=303,
        message={"state": STATE, "code": "j1"},
    ),
    Case("malformed JSON post", "POST", raw=b'{"state": ', status=303, location=FAILURE),
    Case("JSON post that is not an object", "POST", raw=b"[1]", status=303, location=FAILURE),
    Case(
        "non-string values are ignored",
        "POST",
        raw=json.dumps({"state": STATE, "code": ["a"]}).encode(),
        status=303,
        location=FAILURE,
        message={"state": STATE, "code": ""},
    ),
]


def _fill(values: dict[str, Any], client_id: str) -> dict[str, Any]:
    return {key: client_id if value == STATE else value for key, value in values.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_redirect(server: RunningServer, case: Case) -> None:
    async with RealtimeClient(server.url) as rt, httpx.AsyncClient(base_url=server.url) as http:
        topics = ["@oauth2", "posts/*"] if case.subscribe else ["posts/*"]
        assert (await rt.subscribe(*topics)).status_code == 204
        if case.method == "GET":
            response = await http.get("/api/oauth2-redirect", params=_fill(case.params, rt.client_id))
        elif case.form is not None:
            response = await http.post("/api/oauth2-redirect", data=_fill(case.form, rt.client_id))
        else:
            assert case.raw is not None
            raw = case.raw.replace(STATE.encode(), rt.client_id.encode())
            response = await http.post(
                "/api/oauth2-redirect", content=raw, headers={"content-type": "application/json"}
            )
        assert response.status_code == case.status, response.text
        assert response.headers["location"] == case.location
        client = server.app.state.realtime.broker.get(rt.client_id)
        if case.message is None:
            with pytest.raises(TimeoutError):
                await rt.next(within=0.3)
        else:
            message = await rt.next()
            assert message.event == "@oauth2"
            assert message.data == _fill(case.message, rt.client_id)
            # One-shot, as PocketBase: the topic is dropped once the redirect was handed over.
            assert list(client.subscriptions) == ["posts/*"]


async def test_a_second_redirect_for_the_same_client_fails(server: RunningServer) -> None:
    async with RealtimeClient(server.url) as rt, httpx.AsyncClient(base_url=server.url) as http:
        await rt.subscribe("@oauth2")
        first = await http.get("/api/oauth2-redirect", params={"state": rt.client_id, "code": "one"})
        second = await http.get("/api/oauth2-redirect", params={"state": rt.client_id, "code": "two"})
        assert (first.headers["location"], second.headers["location"]) == (SUCCESS, FAILURE)
        assert (await rt.next()).data["code"] == "one"
        with pytest.raises(TimeoutError):
            await rt.next(within=0.3)


async def test_apples_first_consent_name_is_kept_for_the_sign_in(server: RunningServer) -> None:
    user = json.dumps({"name": {"firstName": "Ann", "lastName": "Lee"}, "email": "ann@example.com"})
    async with RealtimeClient(server.url) as rt, httpx.AsyncClient(base_url=server.url) as http:
        await rt.subscribe("@oauth2")
        form = {"state": rt.client_id, "code": "apple-code", "user": user}
        response = await http.post("/api/oauth2-redirect", data=form)
        assert (response.status_code, response.headers["location"]) == (303, SUCCESS)
        message = await rt.next()
        assert message.data == {"state": rt.client_id, "code": "apple-code"}, "the name stays on the server"
    assert take_apple_name("apple-code") == "Ann Lee"
    assert take_apple_name("apple-code") == "", "taken once"


async def test_the_redirect_may_reach_another_server(server: RunningServer, start_server: StartServer) -> None:
    """Behind a load balancer the browser's redirect can land on another process than the stream."""
    other = await start_server()
    async with RealtimeClient(server.url) as rt, httpx.AsyncClient(base_url=other.url) as on_b:
        await rt.subscribe("@oauth2")
        for _ in range(100):  # until the two processes have met
            if server.app.state.realtime._peers and other.app.state.realtime._peers:
                break
            await asyncio.sleep(0.05)
        response = await on_b.get("/api/oauth2-redirect", params={"state": rt.client_id, "code": "far"})
        assert response.headers["location"] == SUCCESS
        assert (await rt.next()).data == {"state": rt.client_id, "code": "far"}
        again = await on_b.get("/api/oauth2-redirect", params={"state": rt.client_id, "code": "far"})
        assert again.headers["location"] == FAILURE, "the other process dropped the topic too"
        missing = await on_b.get("/api/oauth2-redirect", params={"state": "nobody", "code": "x"})
        assert missing.headers["location"] == FAILURE


LANDING_PAGES = [(SUCCESS, "You can close this window"), (FAILURE, "Failed to authenticate")]


@pytest.mark.parametrize(("page", "text"), LANDING_PAGES)
async def test_the_landing_pages(client: httpx.AsyncClient, page: str, text: str) -> None:
    response = await client.get(page.removeprefix(".."))
    assert response.status_code == 200
    assert text in response.text
    assert response.headers["x-frame-options"] == "DENY"
