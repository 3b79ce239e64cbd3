"""Timeouts and retries, against a tiny local HTTP server that answers what each test scripts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import baas_sdk
import pytest

FAST = baas_sdk.Retry(attempts=3, backoff=0.01, max_backoff=0.05)


class Scripted(ThreadingHTTPServer):
    """Answers requests with the next ``(status, headers, body, delay)`` of ``script``."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list[tuple[int, dict[str, str], bytes, float]] = []
        self.seen: list[tuple[str, float]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append((self.command, time.monotonic()))
        status, headers, body, delay = self.server.script.pop(0) if self.server.script else (200, {}, b"{}", 0.0)
        time.sleep(delay)
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815 - http.server's names

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    server = Scripted()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


TOO_MANY = b'{"status":429,"message":"Too Many Requests.","data":{}}'
OK_PAGE = b'{"items":[],"page":1,"perPage":30,"totalItems":0,"totalPages":0}'


def test_429_waits_for_retry_after(scripted: Scripted) -> None:
    scripted.script = [(429, {"Retry-After": "1"}, TOO_MANY, 0.0), (200, {}, b'{"id":"x"}', 0.0)]
    with baas_sdk.Client(scripted.url, retry=FAST) as client:
        record = client.collection("posts").create({"title": "x"})  # POST: 429 means "not done", so retried
    assert record == {"id": "x"}
    (_, first), (_, second) = scripted.seen
    assert second - first >= 0.95


async def test_429_gives_up_after_the_attempts(scripted: Scripted) -> None:
    scripted.script = [(429, {"Retry-After": "0"}, TOO_MANY, 0.0)] * 3
    async with baas_sdk.AsyncClient(scripted.url, retry=baas_sdk.Retry(attempts=2, backoff=0.01)) as client:
        with pytest.raises(baas_sdk.TooManyRequestsError) as caught:
            await client.collection("posts").get_list()
    assert caught.value.status == 429
    assert caught.value.retry_after == 0
    assert len(scripted.seen) == 3


def test_a_retry_after_too_long_is_not_waited_for(scripted: Scripted) -> None:
    scripted.script = [(429, {"Retry-After": "3600"}, TOO_MANY, 0.0)]
    with baas_sdk.Client(scripted.url, retry=FAST) as client, pytest.raises(baas_sdk.TooManyRequestsError) as caught:
        client.collection("posts").get_list()
    assert caught.value.retry_after == 3600
    assert len(scripted.seen) == 1


async def test_503_is_retried_only_for_idempotent_requests(scripted: Scripted) -> None:
    unavailable = (503, {}, b'{"status":503,"message":"down","data":{}}', 0.0)
    scripted.script = [unavailable, unavailable, (200, {}, OK_PAGE, 0.0)]
    async with baas_sdk.AsyncClient(scripted.url, retry=FAST) as client:
        assert (await client.collection("posts").get_list()).items == []
        assert [method for method, _ in scripted.seen] == ["GET"] * 3
        scripted.script = [unavailable, (200, {}, b"{}", 0.0)]
        with pytest.raises(baas_sdk.ClientResponseError) as caught:
            await client.collection("posts").create({"title": "x"})
    assert caught.value.status == 503
    assert type(caught.value) is baas_sdk.ClientResponseError
    assert [method for method, _ in scripted.seen] == ["GET", "GET", "GET", "POST"]


def test_timeouts_raise_timeout_error(scripted: Scripted) -> None:
    scripted.script = [(200, {}, OK_PAGE, 1.0)] * 2
    retry = baas_sdk.Retry(attempts=1, backoff=0.01)
    with baas_sdk.Client(scripted.url, timeout=0.2, retry=retry) as client, pytest.raises(baas_sdk.TimeoutError):
        client.collection("posts").get_list()
    assert len(scripted.seen) == 2  # the GET was tried twice


def test_a_refused_connection_is_a_network_error() -> None:
    client = baas_sdk.Client("http://127.0.0.1:9", retry=baas_sdk.Retry(attempts=1, backoff=0.01))
    with client, pytest.raises(baas_sdk.NetworkError) as caught:
        client.health()
    assert "127.0.0.1:9" in caught.value.url
