"""File test fixtures: every test that takes ``files`` runs twice, on the local backend and on S3.

S3 is moto's S3 server started in this process (``moto.server.ThreadedMotoServer``), reached through
the real ``minio`` client exactly as in production: the test only switches settings ``s3`` on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from minio import Minio

from tests.conftest import RunningServer, login_superuser

MOTO_ACCESS_KEY = "test"
MOTO_SECRET = "testtest"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def make_bucket(endpoint: str) -> str:
    bucket = f"baas-test-{secrets.token_hex(6)}"
    client = Minio(
        endpoint.removeprefix("http://"),
        access_key=MOTO_ACCESS_KEY,
        secret_key=MOTO_SECRET,
        secure=False,
        region="us-east-1",
    )
    client.make_bucket(bucket)
    return bucket


def s3_settings(endpoint: str, bucket: str) -> dict[str, Any]:
    return {
        "enabled": True,
        "bucket": bucket,
        "region": "us-east-1",
        "endpoint": endpoint,
        "accessKey": MOTO_ACCESS_KEY,
        "secret": MOTO_SECRET,
        "forcePathStyle": True,
    }


@dataclass
class Files:
    """A live server with one storage backend switched on, and helpers to look inside the storage.

    The server is shared by a module's tests: each test creates collections with unique names
    (``collection``) and looks only at the storage under its collections' ids.
    """

    server: RunningServer
    admin: httpx.AsyncClient
    backend: str

    @property
    def storage(self) -> Any:
        return self.server.runtime.files.storage

    async def keys(self, *collections: dict[str, Any]) -> set[str]:
        found = set()
        for collection in collections:
            found |= {info.key async for info in self.storage.list(f"{collection['id']}/")}
        return found

    async def read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.storage.read(key)])

    async def journal(self, *collections: dict[str, Any]) -> list[tuple[str, bool]]:
        async with self.server.runtime.engine.connect() as connection:
            rows = await connection.exec_driver_sql("SELECT key, doomed FROM baas.file_journal ORDER BY key")
            prefixes = tuple(f"{collection['id']}/" for collection in collections)
            return [(row[0], row[1]) for row in rows if row[0].startswith(prefixes)]

    async def collection(self, name: str, fields: list[dict[str, Any]], **rules: Any) -> dict[str, Any]:
        """A new collection called ``name`` plus a unique suffix (see the result's ``name``)."""
        body = {
            "name": f"{name}{next(_names)}",
            "type": "base",
            "fields": fields,
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "updateRule": "",
            "deleteRule": "",
            **rules,
        }
        response = await self.admin.post("/api/collections", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def sweep(self) -> None:
        """Run the server's periodic sweep now."""
        await self.server.runtime.files.sweep(self.server.settings.files_gc_grace)


_names = itertools.count(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["local", "s3"])
async def files(module_server: RunningServer, request: pytest.FixtureRequest) -> AsyncIterator[Files]:
    """The module's server, on the local backend and then on S3 (every test runs on both)."""
    token = await login_superuser(module_server)
    async with httpx.AsyncClient(base_url=module_server.url, timeout=60, headers={"Authorization": token}) as admin:
        s3: dict[str, Any] = {"enabled": False}
        if request.param == "s3":
            endpoint = request.getfixturevalue("moto_endpoint")
            s3 = s3_settings(endpoint, await asyncio.to_thread(make_bucket, endpoint))
        response = await admin.patch("/api/settings", json={"s3": s3, "batch": {"enabled": True}})
        assert response.status_code == 200, response.text
        yield Files(server=module_server, admin=admin, backend=str(request.param))


def png(width: int, height: int, color: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    """A valid RGB PNG (written by hand: tests of the sniffer should not depend on Pillow)."""
    row = b"\x00" + bytes(color) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
