"""Realtime for ``Client``: one SSE connection read by a background thread.

Callbacks run on that thread. The thread reconnects after any break (server restart, idle
timeout, network error) with a short backoff and posts the current topics again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

import httpx

from ._calls import Call, call
from ._exceptions import NetworkError, error_for_response
from ._realtime import (
    Callback,
    SSEDecoder,
    Subscribers,
    logger,
    parse_data,
    reconnect_delay,
    subscriptions_call,
    topic_key,
)

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["Realtime"]

STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)


class Realtime:
    """``client.realtime``: subscribe to topics such as ``"posts/*"`` or ``"posts/RECORD_ID"``."""

    def __init__(self, client: Client, connect_timeout: float = 15.0) -> None:
        self._client = client
        self.connect_timeout = connect_timeout
        self._subscribers = Subscribers()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._socket: socket.socket | None = None
        self.client_id = ""
        #: incremented on every (re)connection; lets tests and callers see a reconnect happen
        self.connections = 0

    @property
    def is_connected(self) -> bool:
        return self._ready.is_set()

    def subscribe(
        self, topic: str, callback: Callback, options: Mapping[str, Any] | None = None
    ) -> Callable[[], None]:
        """Call ``callback(event)`` for every message of ``topic``; returns a function that unsubscribes.

        Returns once the server has the subscription. ``options`` may carry ``query`` (``expand``,
        ``fields``) and ``headers`` for the record serialization.
        """
        key = topic_key(topic, options)
        with self._lock:
            new = self._subscribers.add(key, callback)
            if self._thread is None or not self._thread.is_alive():
                self._start()
            elif new and self._ready.is_set():
                self._post()
        if not self._ready.wait(self.connect_timeout):
            self._subscribers.remove(key, callback)
            raise NetworkError("the realtime connection did not open in time", self._client.build_url("/api/realtime"))
        return lambda: self._drop(self._subscribers.remove(key, callback))

    def unsubscribe(self, topic: str | None = None) -> None:
        """Drop every callback of ``topic`` (all its option variants), or of everything for ``None``."""
        self._drop(self._subscribers.remove_topic(topic))

    def close(self) -> None:
        """Disconnect and forget every subscription."""
        self._subscribers.remove_topic(None)
        self._disconnect()

    def _drop(self, changed: bool) -> None:
        if not changed:
            return
        with self._lock:
            if not self._subscribers.topics():
                self._disconnect()
            elif self._ready.is_set():
                self._post()

    def _post(self) -> None:
        self._client._run(call(subscriptions_call(self.client_id, self._subscribers.topics())))

    def _start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="baas-realtime", daemon=True)
        self._thread.start()

    def _disconnect(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._ready.clear()
            self._shutdown_socket()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _shutdown_socket(self) -> None:
        # closing an httpx response from another thread is not safe; shutting the socket down is,
        # and it wakes the reader at once
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _run(self) -> None:
        attempt = 0
        stop = self._stop
        while not stop.is_set():
            try:
                self._read_stream()
                attempt = 0
            except Exception as exc:  # any break: log, back off, reconnect
                logger.debug("realtime connection lost: %r", exc)
            finally:
                self._ready.clear()
                self.client_id = ""
                self._socket = None
            if stop.wait(reconnect_delay(attempt)):
                return
            attempt += 1

    def _read_stream(self) -> None:
        client = self._client
        headers = client.request_headers(Call("GET", "/api/realtime", authorize=False))
        headers["Accept"] = "text/event-stream"
        with httpx.Client(timeout=STREAM_TIMEOUT) as http, http.stream(
            "GET", client.build_url("/api/realtime"), headers=headers
        ) as response:
            if response.status_code != 200:
                response.read()
                raise error_for_response(response)
            stream = response.extensions.get("network_stream")
            self._socket = stream.get_extra_info("socket") if stream is not None else None
            if self._stop.is_set():
                return
            decoder = SSEDecoder()
            for line in response.iter_lines():
                event = decoder.decode(line)
                if event is None:
                    continue
                if event.event == "PB_CONNECT":
                    with self._lock:
                        self.client_id = str(parse_data(event.data).get("clientId", ""))
                        self.connections += 1
                        if self._subscribers.topics():
                            self._post()
                        self._ready.set()
                else:
                    self._subscribers.dispatch(event)
