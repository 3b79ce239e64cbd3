"""The realtime use cases: connect, (re)subscribe, stream; and the event pipeline behind them.

Committed record events reach ``Realtime`` two ways: this process's own from the after-commit bus
(``on_record_event``: delivered here and relayed to the other processes), the other processes' from
NOTIFY (``on_notification``). Both go through one queue and one dispatcher task, so events reach a
client in the order this process learnt of them and request handlers never wait for fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from baas.auth.identity import Identity, identify
from baas.collections.registry import CollectionRegistry
from baas.config import Settings
from baas.db.notify import ChangeListener
from baas.errors import ApiError, BadRequestError, ForbiddenError, NotFoundError
from baas.events import EventBus, RecordEvent
from baas.ids import random_string
from baas.realtime.access import identity_key
from baas.realtime.broker import Broker, Client
from baas.realtime.delivery import deliver
from baas.realtime.relay import TOPIC, Relay, decode_event
from baas.realtime.subscriptions import parse_topic

__all__ = ["AUTH_MISMATCH", "CONNECT_EVENT", "INVALID_CLIENT", "MISSING_CLIENT", "Realtime"]

CONNECT_EVENT = "PB_CONNECT"
MISSING_CLIENT = "Missing or invalid client id."
INVALID_CLIENT = "Invalid realtime client."
AUTH_MISMATCH = "The current and the previous request authorization don't match."
# How long a POST for a client of another process waits for that process's answer.
FORWARD_TIMEOUT = 3.0

logger = logging.getLogger("baas.realtime")

Inbound = RecordEvent | dict[str, Any]


class Realtime:
    """The realtime capability of one server process (see the module docstring)."""

    def __init__(self, settings: Settings, engine: AsyncEngine, registry: CollectionRegistry) -> None:
        self.settings = settings
        self.engine = engine
        self.registry = registry
        self.broker = Broker(settings.realtime_client_queue)
        self.origin = random_string(20)
        self.relay = Relay(engine, self.origin)
        self._inbox: asyncio.Queue[Inbound] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._peers: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()

    # ----- wiring ---------------------------------------------------------------------------------

    def attach(self, bus: EventBus, listener: ChangeListener) -> None:
        bus.subscribe(RecordEvent, self.on_record_event)
        listener.subscribe(TOPIC, self.on_notification)

    async def start(self) -> None:
        self.relay.start()
        self.relay.send_message({"hello": True})
        self._tasks = [
            asyncio.create_task(self._dispatch(), name="baas-realtime-dispatch"),
            asyncio.create_task(self._watch(), name="baas-realtime-timeouts"),
        ]

    async def stop(self) -> None:
        self.broker.close_all()
        self.relay.send_message({"bye": True})
        await self.relay.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _watch(self) -> None:
        """Idle timeouts, maximum ages and pings for every stream, from one timer (not one per stream)."""
        settings = self.settings
        limits = (settings.realtime_idle_timeout, settings.realtime_max_connection_age, settings.realtime_ping_interval)
        tick = min(1.0, *limits) / 2
        while True:
            await asyncio.sleep(tick)
            self.broker.sweep(time.monotonic(), *limits)

    async def on_record_event(self, event: RecordEvent) -> None:
        self._inbox.put_nowait(event)
        self.relay.send(event)

    async def on_notification(self, data: Any) -> None:
        if data is None:
            logger.warning("change listener reconnected: realtime events of other processes may have been missed")
            return
        if not isinstance(data, dict) or data.get("o") == self.origin:
            return
        self._note_peer(data)
        if "re" in data:
            waiting = self._replies.get(str(data["re"]))
            if waiting is not None and not waiting.done():
                waiting.set_result(data)
        elif "fwd" in data:
            # Answered at once, not behind the events queued for delivery.
            task = asyncio.create_task(self._answer_forwarded(data))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        elif not {"hello", "peer", "bye"} & data.keys():
            self._inbox.put_nowait(data)

    def _note_peer(self, data: dict[str, Any]) -> None:
        """Keep track of the other processes (a POST for an unknown client is only forwarded if any)."""
        origin = str(data.get("o"))
        if data.get("bye"):
            self._peers.discard(origin)
            return
        if origin not in self._peers:
            self._peers.add(origin)
        if data.get("hello"):
            self.relay.send_message({"peer": True})

    async def idle(self) -> None:
        """Wait until every event received so far has been handed to the clients' outboxes."""
        await self._inbox.join()

    async def _dispatch(self) -> None:
        while True:
            item = await self._inbox.get()
            try:
                event = await self._resolve(item)
                if event is not None:
                    await deliver(self.engine, self.registry.schema, self.broker, event)
            except Exception:
                logger.exception("realtime delivery failed")
            finally:
                self._inbox.task_done()

    async def _resolve(self, item: Inbound) -> RecordEvent | None:
        if isinstance(item, RecordEvent):
            return item
        if "ref" in item:
            stored = await self.relay.fetch(int(item["ref"]))
            if stored is None:
                logger.warning("realtime message %s was swept before it could be read", item["ref"])
                return None
            item = stored
        if "to" in item:
            self._answer_direct(item)
            return None
        if "fwd" in item:
            await self._answer_forwarded(item)
            return None
        return decode_event(item, self.registry.schema)

    # ----- clients --------------------------------------------------------------------------------

    def connect(self, ip: str) -> Client:
        return self.broker.register(ip)

    async def set_subscriptions(
        self, client_id: str, ip: str, token: str, identity: Identity | None, topics: list[str]
    ) -> None:
        """``POST /api/realtime``: replace the topics of a client connected to any server process.

        Behind a load balancer the POST may reach another process than the stream; the request is
        then forwarded over NOTIFY to the process that holds the client, which answers the same way.

        Raises:
            ApiError: as ``subscribe``.
        """
        if self._held_here(client_id):
            self.subscribe(client_id, ip, identity, topics)
            return
        reply = await self._ask("fwd", {"c": client_id, "ip": ip, "t": token, "s": topics})
        if reply is None:
            raise NotFoundError(MISSING_CLIENT)
        status = int(reply.get("st") or 0)
        if status != 204:
            error = {400: BadRequestError, 403: ForbiddenError}.get(status, NotFoundError)
            raise error(str(reply.get("m") or ""), reply.get("d") or {})

    async def _answer_forwarded(self, item: dict[str, Any]) -> None:
        client_id = str(item.get("c", ""))
        if self.broker.get(client_id) is None:
            return  # another process's client, or gone
        token = str(item.get("t") or "")
        identity = await identify(self.engine, self.registry.schema, token) if token else None
        reply: dict[str, Any] = {"re": item["fwd"], "st": 204}
        try:
            self.subscribe(client_id, str(item.get("ip", "")), identity, [str(t) for t in item.get("s") or []])
        except ApiError as exc:
            reply.update(st=exc.status, m=exc.message, d=exc.data)
        self.relay.send_message(reply)

    def subscribe(self, client_id: str, ip: str, identity: Identity | None, topics: list[str]) -> None:
        """Replace a client's topics (``POST /api/realtime``); the caller's auth becomes the client's.

        Raises:
            NotFoundError: no such client on this process.
            BadRequestError: the request comes from another IP than the connection.
            ForbiddenError: the client is signed in as someone else (only guest -> auth is allowed).
        """
        client = self.broker.get(client_id)
        if client is None:
            raise NotFoundError(MISSING_CLIENT)
        if client.ip and client.ip != ip:
            raise BadRequestError(INVALID_CLIENT)
        if client.identity is not None and identity_key(client.identity) != identity_key(identity):
            raise ForbiddenError(AUTH_MISMATCH)
        client.identity = identity
        self.broker.subscribe(client, {topic: parse_topic(topic) for topic in topics if topic})

    async def send_once(self, client_id: str, topic: str, data: str) -> bool:
        """One message to one client under ``topic``, wherever it is connected; then drop the topic.

        Only a client subscribed to ``topic`` gets it. The topic is one-shot (``@oauth2``: PocketBase
        unsubscribes the client once the redirect has been handed over). False when there is no such
        client, it is not subscribed, or its process did not answer in time.
        """
        if self._held_here(client_id):
            return self._send_here(client_id, topic, data)
        reply = await self._ask("dm", {"to": client_id, "e": topic, "d": data})
        return reply is not None and reply.get("st") == 204

    def _held_here(self, client_id: str) -> bool:
        """Whether a request for ``client_id`` is answered here: its stream is here, or nobody else
        could hold it (no other process is known, or processes do not talk)."""
        return self.broker.get(client_id) is not None or not self._peers or not self.settings.listen_for_changes

    async def _ask(self, kind: str, message: dict[str, Any]) -> dict[str, Any] | None:
        """Send the other processes ``message`` with a request id under ``kind``; the reply of the
        process holding the client, or None when none answers within ``FORWARD_TIMEOUT``."""
        request_id = random_string(20)
        waiting: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = waiting
        self.relay.send_message({**message, kind: request_id})
        try:
            async with asyncio.timeout(FORWARD_TIMEOUT):
                return await waiting
        except TimeoutError:
            return None
        finally:
            self._replies.pop(request_id, None)

    def _answer_direct(self, item: dict[str, Any]) -> None:
        client_id = str(item["to"])
        if self.broker.get(client_id) is None:
            return  # another process's client, or gone: that process (or nobody) answers
        sent = self._send_here(client_id, str(item.get("e", "")), str(item.get("d", "")))
        if "dm" in item:
            self.relay.send_message({"re": item["dm"], "st": 204 if sent else 404})

    def _send_here(self, client_id: str, topic: str, data: str) -> bool:
        client = self.broker.get(client_id)
        if client is None or client.closed or topic not in client.subscriptions:
            return False
        sent = client.send(topic, data.encode())
        self.broker.subscribe(client, {key: sub for key, sub in client.subscriptions.items() if key != topic})
        return sent

    async def stream(self, client: Client) -> AsyncGenerator[bytes, None]:
        """The client's SSE body: ``PB_CONNECT``, then its messages, pings while quiet.

        Ends when the client is closed: it fell behind, was idle for ``realtime_idle_timeout``
        seconds, reached ``realtime_max_connection_age``, or the server stops. Unregisters the client
        however it ends.
        """
        try:
            yield client.frame(CONNECT_EVENT, b'{"clientId":"%s"}' % client.id.encode())
            while (chunk := await client.next_chunk()) is not None:
                client.sending = True
                try:
                    yield chunk
                finally:
                    client.sending = False
        finally:
            self.broker.unregister(client)
