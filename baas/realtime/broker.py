"""The clients connected to this process, each with a bounded outbox.

A client is registered by its SSE connection and dropped when that connection ends. Messages are
framed once, on enqueue, and wait in the client's outbox until its stream writes them. The outbox is
bounded (count and bytes): a client that does not keep up is closed — its connection ends and the
SDK reconnects — instead of the server holding an ever-growing backlog for it.
"""

from __future__ import annotations

import asyncio
import logging
import string
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping

from baas.auth.identity import Identity
from baas.ids import random_string
from baas.realtime.subscriptions import Subscription

__all__ = ["CLIENT_ID_LENGTH", "MAX_PENDING_BYTES", "PING", "Broker", "Client"]

CLIENT_ID_LENGTH = 40
# Besides the message count limit: a few huge records must not pin unbounded memory either.
MAX_PENDING_BYTES = 8 * 1024 * 1024
_ALPHABET = string.ascii_letters + string.digits
# An SSE comment: keeps proxies from timing out a quiet stream; clients ignore it.
PING = b":\n\n"

logger = logging.getLogger("baas.realtime")


class Client:
    """One SSE connection: its identity, topics and outbox."""

    __slots__ = (
        "_head",
        "_limit",
        "_pending",
        "_pending_bytes",
        "_ping_due",
        "_wakeup",
        "abort",
        "closed",
        "connected_at",
        "id",
        "identity",
        "ip",
        "last_message",
        "last_write",
        "sending",
        "subscriptions",
    )

    def __init__(self, client_id: str, ip: str, limit: int) -> None:
        self.id = client_id
        self._head = f"id:{client_id}\nevent:".encode()
        self.ip = ip
        self.identity: Identity | None = None
        self.subscriptions: dict[str, Subscription] = {}
        self.closed = False
        # Monotonic times, for the idle timeout, the maximum age and keep-alive pings.
        self.connected_at = self.last_message = self.last_write = time.monotonic()
        self._ping_due = False
        # Set by the stream while a write is in progress, and how to cut that write short.
        self.sending = False
        self.abort: Callable[[], object] | None = None
        self._limit = limit
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self._wakeup = asyncio.Event()

    def frame(self, name: str, data: bytes) -> bytes:
        """``id:<clientId>\\nevent:<name>\\ndata:<data>\\n\\n``, PocketBase's framing."""
        return b"".join((self._head, name.encode(), b"\ndata:", data, b"\n\n"))

    def send(self, name: str, data: bytes) -> bool:
        """Queue a message; False if the client is gone or was just closed for falling behind."""
        if self.closed:
            return False
        chunk = self.frame(name, data)
        if len(self._pending) >= self._limit or self._pending_bytes + len(chunk) > MAX_PENDING_BYTES:
            logger.warning("realtime client %s fell behind (%d queued); disconnecting it", self.id, len(self._pending))
            self.close()
            return False
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        self._wakeup.set()
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def next_chunk(self) -> bytes | None:
        """What to write next: everything queued as one chunk, or a due ping; None once closed."""
        while not self.closed:
            if self._pending:
                chunk = b"".join(self._pending)
                self._pending.clear()
                self._pending_bytes = 0
                self.last_message = self.last_write = time.monotonic()
                return chunk
            if self._ping_due:
                self._ping_due = False
                self.last_write = time.monotonic()
                return PING
            self._wakeup.clear()
            await self._wakeup.wait()
        return None

    def ping(self) -> None:
        """Ask the stream to write a keep-alive comment."""
        self._ping_due = True
        self._wakeup.set()

    def close(self) -> None:
        """End the connection: drop the backlog, wake the stream, and cut a write that is stuck."""
        self.closed = True
        self._pending.clear()
        self._pending_bytes = 0
        self._wakeup.set()
        if self.sending and self.abort is not None:
            self.abort()


class Broker:
    """The registry of this process's clients, indexed by the collection keys they subscribe to."""

    def __init__(self, queue_limit: int) -> None:
        self._queue_limit = queue_limit
        self._clients: dict[str, Client] = {}
        self._by_collection: dict[str, set[Client]] = {}

    def __len__(self) -> int:
        return len(self._clients)

    def register(self, ip: str) -> Client:
        client_id = random_string(CLIENT_ID_LENGTH, _ALPHABET)
        while client_id in self._clients:  # pragma: no cover - 62**40 ids
            client_id = random_string(CLIENT_ID_LENGTH, _ALPHABET)
        client = self._clients[client_id] = Client(client_id, ip, self._queue_limit)
        return client

    def unregister(self, client: Client) -> None:
        if self._clients.get(client.id) is client:
            del self._clients[client.id]
        self._index(client, {})
        client.closed = True

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def clients(self) -> list[Client]:
        return list(self._clients.values())

    def subscribe(self, client: Client, subscriptions: Mapping[str, Subscription]) -> None:
        """Replace the client's topics."""
        self._index(client, subscriptions)
        client.subscriptions = dict(subscriptions)

    def subscribers(self, keys: Iterable[str]) -> set[Client]:
        """Clients with at least one topic on a collection known by any of ``keys`` (name, id)."""
        found: set[Client] = set()
        for key in keys:
            found.update(self._by_collection.get(key, ()))
        return found

    def close_all(self) -> None:
        for client in self.clients():
            client.close()

    def sweep(self, now: float, idle_timeout: float, max_age: float, ping_interval: float) -> None:
        """Close streams that are idle or too old; ask quiet ones for a keep-alive ping."""
        for client in self.clients():
            if now - client.last_message >= idle_timeout or now - client.connected_at >= max_age:
                client.close()
            elif now - client.last_write >= ping_interval:
                client.ping()

    def _index(self, client: Client, subscriptions: Mapping[str, Subscription]) -> None:
        for sub in client.subscriptions.values():
            members = self._by_collection.get(sub.collection)
            if members is not None:
                members.discard(client)
                if not members:
                    del self._by_collection[sub.collection]
        for sub in subscriptions.values():
            self._by_collection.setdefault(sub.collection, set()).add(client)
