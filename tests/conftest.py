"""Test fixtures: a real PostgreSQL (embedded, or BAAS_TEST_DATABASE_URL), one fresh database per test
cloned from a migrated template, and the real app served over HTTP on a random port.

Read-only or self-contained tests may share one database and server per module instead
(``module_database_url``, ``module_server``); such tests must run in the module's event loop
(``pytestmark = pytest.mark.asyncio(loop_scope="module")``), since the server lives in it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio
import uvicorn

from baas.api.server import server_config
from baas.app import create_app
from baas.bootstrap import prepare_database
from baas.config import PasswordHashing, Settings
from baas.db.embedded import EmbeddedPostgres
from baas.db.engine import asyncpg_dsn, create_engine
from baas.settings.store import SettingsStore

# argon2 at production cost takes ~0.3 s per hash; tests use the cheapest valid parameters.
CHEAP_HASHING = PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1)
SUPERUSER_EMAIL = "admin@example.com"
SUPERUSER_PASSWORD = "1234567890"

_counter = itertools.count()


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A URL of a PostgreSQL server where tests may create databases."""
    external = os.environ.get("BAAS_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Short path: unix socket paths are limited to 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="baas-pg-"))
    pg = EmbeddedPostgres(
        root / "pg",
        server_options=(
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=400",
        ),
    )
    pg.ensure_running()
    try:
        yield pg.url("postgres")
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url))


@pytest.fixture(scope="session")
def template_database(pg_admin_url: str) -> str:
    name = f"baas_template_{os.getpid()}"

    async def build() -> None:
        admin = await _admin(pg_admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        engine = create_engine(_with_database(pg_admin_url, name), pool_size=1)
        try:
            await prepare_database(engine)
            # Tests sign in many times a second from one address; rate-limit tests turn this back on.
            await SettingsStore().update(engine, {"rateLimits": {"enabled": False}})
        finally:
            await engine.dispose()

    asyncio.run(build())
    return name


async def create_database(pg_admin_url: str, template_database: str) -> str:
    """A fresh database cloned from the migrated template; returns its URL."""
    name = f"baas_test_{os.getpid()}_{next(_counter)}"
    admin = await _admin(pg_admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}" STRATEGY FILE_COPY')
    finally:
        await admin.close()
    return _with_database(pg_admin_url, name)


async def drop_database(pg_admin_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    admin = await _admin(pg_admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def database_url(pg_admin_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database with the system collections, dropped after the test."""
    url = await create_database(pg_admin_url, template_database)
    yield url
    await drop_database(pg_admin_url, url)


def make_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, password_hashing=CHEAP_HASHING, db_pool_size=5)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "data")


class RunningServer:
    """A baas app served by uvicorn in this event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        config = server_config(self.app, "127.0.0.1", 0)
        self.server = uvicorn.Server(config)
        self.url = ""
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task

    @property
    def runtime(self):  # type: ignore[no-untyped-def]
        return self.app.state.runtime


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    running = RunningServer(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http


async def login_superuser(server: RunningServer) -> str:
    """Create the test superuser and return a token obtained through the API."""
    from baas.auth.service import upsert_superuser

    runtime = server.runtime
    await upsert_superuser(runtime.engine, runtime.registry.schema, runtime.hasher, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await http.post(
            "/api/collections/_superusers/auth-with-password",
            json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


@pytest.fixture
async def superuser_token(server: RunningServer) -> str:
    return await login_superuser(server)


@pytest.fixture
async def admin(server: RunningServer, superuser_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client authenticated as a superuser."""
    headers = {"Authorization": superuser_token}
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=headers) as http:
        yield http


# ----- one database and server per module (tests in the module's event loop) ---------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_database_url(pg_admin_url: str, template_database: str) -> AsyncIterator[str]:
    url = await create_database(pg_admin_url, template_database)
    yield url
    await drop_database(pg_admin_url, url)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningServer]:
    running = RunningServer(make_settings(module_database_url, tmp_path_factory.mktemp("data")))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


# ----- mail: a real SMTP server (aiosmtpd) that records what it receives ---------------------------


@pytest.fixture
def smtp_server() -> Iterator[object]:
    """A running ``tests.mail.smtp_server.SmtpServer``; point the app at it with ``configure_smtp``."""
    from tests.mail.smtp_server import SmtpServer

    smtp = SmtpServer()
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()
