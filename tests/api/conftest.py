"""API test fixtures: ``api`` shares one server and database per module; ``fresh_api`` gets its own.

Both run in the module's event loop, so every module here sets
``pytestmark = pytest.mark.asyncio(loop_scope="module")``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from tests.api.scenarios import SUPERUSER, USER, Api
from tests.conftest import RunningServer, create_database, drop_database, login_superuser, make_settings

USER_EMAIL = "user@example.com"
USER_PASSWORD = "user-password-1"


async def _login_user(server: RunningServer, http: httpx.AsyncClient) -> str:
    """A record of ``users`` (inserted with SQL: the records API is not ours to rely on) and its token."""
    runtime = server.runtime
    password_hash = runtime.hasher.hash_sync(USER_PASSWORD)
    async with runtime.engine.begin() as connection:
        await connection.exec_driver_sql(
            'INSERT INTO data.users (id, email, password, "tokenKey", verified) VALUES ($1, $2, $3, $4, true)',
            ("apiuser00000001", USER_EMAIL, password_hash, "k" * 50),
        )
    response = await http.post(
        "/api/collections/users/auth-with-password", json={"identity": USER_EMAIL, "password": USER_PASSWORD}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def _api(server: RunningServer, database_url: str) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        tokens = {SUPERUSER: await login_superuser(server), USER: await _login_user(server, http)}
        yield Api(http=http, database_url=database_url, tokens=tokens)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(module_server: RunningServer, module_database_url: str) -> AsyncIterator[Api]:
    """Shared by the module's tests: give every collection a scenario creates a unique name."""
    async for value in _api(module_server, module_database_url):
        yield value


@pytest_asyncio.fixture(loop_scope="module")
async def fresh_api(pg_admin_url: str, template_database: str, tmp_path: Path) -> AsyncIterator[Api]:
    """A server on a database of its own (for tests that delete or inspect everything)."""
    url = await create_database(pg_admin_url, template_database)
    server = RunningServer(make_settings(url, tmp_path / "data"))
    await server.start()
    try:
        async for value in _api(server, url):
            yield value
    finally:
        await server.stop()
        await drop_database(pg_admin_url, url)
