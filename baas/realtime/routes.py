"""HTTP endpoints of realtime: ``GET /api/realtime`` (the SSE stream), ``POST /api/realtime``, and
``/api/oauth2-redirect``, which hands an OAuth2 provider's redirect to the waiting client as ``@oauth2``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Literal

from litestar import Request, Response, Router, get, post, route
from litestar.di import Provide
from litestar.response import Redirect
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from baas.api.bodies import read_json
from baas.api.client_ip import client_ip
from baas.api.dependencies import IdentityDep, provide_identity
from baas.auth.identity import token_from_header
from baas.auth.oauth2.apple_names import remember_apple_name
from baas.realtime.broker import Client
from baas.realtime.service import Realtime
from baas.realtime.subscriptions import parse_form

__all__ = ["OAUTH2_TOPIC", "EventStream", "oauth2_redirect", "realtime_router"]

OAUTH2_TOPIC = "@oauth2"
# Relative, as PocketBase's: they resolve to the dashboard's pages behind any path prefix.
_OAUTH2_SUCCESS = "../_/auth/oauth2-redirect-success"
_OAUTH2_FAILURE = "../_/auth/oauth2-redirect-failure"

_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-store"),
    # Tell nginx not to buffer the stream.
    (b"x-accel-buffering", b"no"),
]
_END: Message = {"type": "http.response.body", "body": b"", "more_body": False}
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_BAD_REQUEST = "Something went wrong while processing your request."


class EventStream:
    """The SSE response of one client, as a plain ASGI app.

    The body is written by one task while another watches for the client going away; the client's
    ``abort`` cancels the writer, so a client closed for falling behind is cut off even when a write
    to its full socket never returns.
    """

    def __init__(self, realtime: Realtime, client: Client) -> None:
        self.realtime = realtime
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        writer = asyncio.create_task(self._write(send))
        watcher = asyncio.create_task(self._watch(receive))
        self.client.abort = writer.cancel
        try:
            await asyncio.wait({writer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            # The server cancels open requests when its graceful shutdown times out: end the stream
            # properly (the client reconnects elsewhere) instead of failing the request.
            await self._cleanup(writer, watcher)
            if not writer.done() or writer.cancelled() or writer.exception() is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await send(_END)
            return
        await self._cleanup(writer, watcher)

    async def _cleanup(self, writer: asyncio.Task[None], watcher: asyncio.Task[None]) -> None:
        self.client.abort = None
        for task in (writer, watcher):
            task.cancel()
        await asyncio.gather(writer, watcher, return_exceptions=True)
        self.realtime.broker.unregister(self.client)

    async def _write(self, send: Send) -> None:
        async with contextlib.aclosing(self.realtime.stream(self.client)) as chunks:
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send(_END)

    @staticmethod
    async def _watch(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass


def _realtime(request: Request[Any, Any, Any]) -> Realtime:
    realtime: Realtime = request.app.state.realtime
    return realtime


def _ip(request: Request[Any, Any, Any]) -> str:
    return client_ip(request.scope)


async def _read_form(request: Request[Any, Any, Any]) -> Any:
    if request.headers.get("content-type", "").lower().startswith(_FORM_TYPES):
        form = await request.form()
        return {"clientId": form.get("clientId", ""), "subscriptions": form.getall("subscriptions", [])}
    return await read_json(request, _BAD_REQUEST)


@get("/")
async def connect(request: Request[Any, Any, Any]) -> ASGIApp:
    realtime = _realtime(request)
    return EventStream(realtime, realtime.connect(_ip(request)))


@post("/", status_code=204)
async def set_subscriptions(request: Request[Any, Any, Any], identity: IdentityDep) -> None:
    client_id, topics = parse_form(await _read_form(request))
    token = token_from_header(request.headers.get("authorization"))
    await _realtime(request).set_subscriptions(client_id, _ip(request), token, identity, topics)


async def _redirect_fields(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    """``state``, ``code``, ``error`` and Apple's ``user`` from the query (GET) or the body (POST)."""
    if request.method == "GET":
        source: Any = request.query_params
    elif request.headers.get("content-type", "").lower().startswith(_FORM_TYPES):
        try:
            source = await request.form()
        except Exception:
            return None
    else:
        try:
            source = json.loads(await request.body() or b"{}")
        except ValueError:
            return None
        if not isinstance(source, dict):
            return None
    fields = {key: source.get(key) for key in ("state", "code", "error", "user")}
    return {key: value if isinstance(value, str) else "" for key, value in fields.items()}


@route("/api/oauth2-redirect", http_method=["GET", "POST"])
async def oauth2_redirect(request: Request[Any, Any, Any]) -> Response[Any]:
    """The redirect URL of the realtime OAuth2 flow: the ``state`` is the waiting client's id.

    The client gets ``{state, code, error?}`` as an ``@oauth2`` message and exchanges the code itself
    (``auth-with-oauth2``); the browser window lands on a page saying it may be closed.
    """
    status: Literal[303, 307] = 307 if request.method == "GET" else 303
    fields = await _redirect_fields(request)
    if fields is None or not fields["state"]:
        return Redirect(_OAUTH2_FAILURE, status_code=status)
    message: dict[str, str] = {"state": fields["state"], "code": fields["code"]}
    if fields["error"]:
        message["error"] = fields["error"]
    data = json.dumps(message, separators=(",", ":"))
    sent = await _realtime(request).send_once(fields["state"], OAUTH2_TOPIC, data)
    if sent and fields["user"] and fields["code"] and not fields["error"]:
        # Apple sends the name only here, once: kept briefly for the client's auth-with-oauth2 call.
        remember_apple_name(fields["code"], fields["user"])
    succeeded = sent and fields["code"] and not fields["error"]
    return Redirect(_OAUTH2_SUCCESS if succeeded else _OAUTH2_FAILURE, status_code=status)


realtime_router = Router(
    path="/api/realtime",
    route_handlers=[connect, set_subscriptions],
    dependencies={"identity": Provide(provide_identity)},
)
