"""PocketBase's realtime protocol (SSE), the part both clients share.

``GET /api/realtime`` opens an event stream whose first message is ``PB_CONNECT`` with a
``clientId``; ``POST /api/realtime {"clientId", "subscriptions": [...]}`` then replaces the whole
set of topics. Every later message is named after the subscription it answers, options included.
On a reconnect the server hands out a new ``clientId`` and the topics must be posted again.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote

from ._calls import Call
from ._models import RealtimeEvent

__all__ = ["SSEDecoder", "ServerSentEvent", "Subscribers", "reconnect_delay", "subscriptions_call", "topic_key"]

logger = logging.getLogger("baas_sdk.realtime")

Callback = Callable[[RealtimeEvent], Any]

#: seconds to wait before reconnect attempt N (the last one repeats)
RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0)


def reconnect_delay(attempt: int) -> float:
    return RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]


def topic_key(topic: str, options: Mapping[str, Any] | None = None) -> str:
    """The subscription string: the topic plus ``?options=<JSON>`` (``query``/``headers``) if any."""
    if not options:
        return topic
    encoded = quote(json.dumps(dict(options), separators=(",", ":")), safe="!~*'()")
    return topic + ("&" if "?" in topic else "?") + "options=" + encoded


def subscriptions_call(client_id: str, topics: list[str]) -> Call:
    return Call("POST", "/api/realtime", json={"clientId": client_id, "subscriptions": topics})


@dataclass
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: str = ""


@dataclass
class SSEDecoder:
    """Turns the stream's lines into events (the WHATWG event-stream rules PocketBase needs)."""

    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str = ""

    def decode(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data and not self._event:
                return None
            event = ServerSentEvent(self._event or "message", "\n".join(self._data), self._id)
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        return None


def parse_data(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {"raw": text}
    return data if isinstance(data, dict) else {"value": data}


class Subscribers:
    """Topic -> callbacks, shared by the stream reader and the callers that (un)subscribe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_topic: dict[str, list[Callback]] = {}

    def topics(self) -> list[str]:
        with self._lock:
            return list(self._by_topic)

    def add(self, key: str, callback: Callback) -> bool:
        """Add a listener; True when ``key`` is a topic the server does not know yet."""
        with self._lock:
            new = key not in self._by_topic
            self._by_topic.setdefault(key, []).append(callback)
            return new

    def remove(self, key: str, callback: Callback) -> bool:
        """Remove one listener; True when its topic has no listener left."""
        with self._lock:
            listeners = self._by_topic.get(key, [])
            if callback in listeners:
                listeners.remove(callback)
            if key in self._by_topic and not listeners:
                del self._by_topic[key]
                return True
            return False

    def remove_topic(self, topic: str | None) -> bool:
        """Drop every listener of ``topic`` (with any options), or of every topic for ``None``."""
        with self._lock:
            keys = [key for key in self._by_topic if topic is None or key == topic or key.startswith(topic + "?")]
            for key in keys:
                del self._by_topic[key]
            return bool(keys)

    def dispatch(self, event: ServerSentEvent) -> None:
        with self._lock:
            listeners = list(self._by_topic.get(event.event, []))
        message = RealtimeEvent(topic=event.event, data=parse_data(event.data))
        for listener in listeners:
            try:
                listener(message)
            except Exception:  # a faulty callback must not kill the connection
                logger.exception("realtime callback for %s failed", event.event)
