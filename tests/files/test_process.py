"""A real ``python -m baas serve`` process: streaming uploads, body limits, and kill -9 mid-write.

After every crash: no record points at a missing file, and ``baas files gc`` removes what was left.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from baas.db.engine import create_engine
from baas.files.local import LocalStorage
from baas.files.s3 import S3Config, S3Storage
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.files.conftest import make_bucket, s3_settings

pytestmark = pytest.mark.slow

BOUNDARY = "----baasProcessBoundary"
MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServeProcess:
    """``python -m baas serve`` on the test database with a data directory of its own; restartable."""

    def __init__(self, database_url: str, data_dir: Path, **env: str) -> None:
        self.env = {
            **os.environ,
            "BAAS_DATABASE_URL": database_url,
            "BAAS_DATA_DIR": str(data_dir),
            "BAAS_ARGON2_TIME_COST": "1",
            "BAAS_ARGON2_MEMORY_KIB": "8",
            "BAAS_ARGON2_PARALLELISM": "1",
            "BAAS_DB_POOL_SIZE": "3",
            **env,
        }
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.log = data_dir.parent / f"serve-{self.port}.log"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "baas",
                "serve",
                "--http",
                f"127.0.0.1:{self.port}",
                env=self.env,
                stdout=log,
                stderr=log,
            )
        async with httpx.AsyncClient(base_url=self.url) as http:
            for _ in range(600):
                if self.process.returncode is not None:
                    pytest.fail(f"baas serve exited: {self.log.read_text(errors='replace')[-3000:]}")
                try:
                    if (await http.get("/api/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        pytest.fail("baas serve did not start")

    async def kill(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def cli(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "baas",
            *args,
            "--dir",
            str(self.data_dir),
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, output.decode(errors="replace")
        return output.decode()

    def rss(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


@pytest.fixture
async def serve(database_url: str, tmp_path: Path) -> AsyncIterator[ServeProcess]:
    process = ServeProcess(database_url, tmp_path / "data", BAAS_MAX_BODY_SIZE=str(64 * 1024))
    await process.cli("superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
    await process.start()
    try:
        yield process
    finally:
        await process.kill()


async def _admin(serve: ServeProcess) -> httpx.AsyncClient:
    """A superuser client (close it with ``aclose``)."""
    async with httpx.AsyncClient(base_url=serve.url, timeout=120) as http:
        response = await http.post(
            "/api/collections/_superusers/auth-with-password",
            json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        )
    assert response.status_code == 200, response.text
    return httpx.AsyncClient(base_url=serve.url, timeout=120, headers={"Authorization": response.json()["token"]})


def _multipart_stream(
    field: str, filename: str, size: int, *, pause_after: int | None = None, pause: asyncio.Event | None = None
) -> tuple[int, Any]:
    """A streamed multipart body of one ``size``-byte file (never in memory): (length, iterator)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    block = bytes(range(256)) * 4096  # 1 MiB, not text

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        sent = 0
        while sent < size:
            part = block[: min(len(block), size - sent)]
            sent += len(part)
            yield part
            if pause_after is not None and sent >= pause_after and pause is not None:
                await pause.wait()
        yield tail

    return len(head) + size + len(tail), chunks()


async def _post_stream(
    http: httpx.AsyncClient, url: str, length: int, body: Any, method: str = "POST"
) -> httpx.Response:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)}
    return await http.request(method, url, content=body, headers=headers)


async def test_body_limits(serve: ServeProcess) -> None:
    """64 KiB by default here; record writes add their file fields' maxSize x maxSelect (PocketBase)."""
    async with await _admin(serve) as admin:
        response = await admin.post(
            "/api/collections",
            json={
                "name": "limited",
                "fields": [{"name": "f", "type": "file", "maxSelect": 2, "maxSize": 100 * 1024}],
                "createRule": "",
            },
        )
        assert response.status_code == 200, response.text
        big_json = {"x": "y" * (80 * 1024)}
        assert (await admin.patch("/api/settings", json=big_json)).status_code == 413
        url = "/api/collections/limited/records"
        files = [("f", ("a.bin", b"\x00" * 90 * 1024, "x")), ("f", ("b.bin", b"\x00" * 90 * 1024, "x"))]
        assert (await admin.post(url, files=files)).status_code == 200
        length, body = _multipart_stream("f", "c.bin", 300 * 1024)
        assert (await _post_stream(admin, url, length, body)).status_code == 413


async def test_a_large_upload_is_streamed(serve: ServeProcess) -> None:
    size = 200 * MB
    async with await _admin(serve) as admin:
        response = await admin.post(
            "/api/collections",
            json={
                "name": "big",
                "fields": [{"name": "f", "type": "file", "maxSize": 250 * MB}],
                "createRule": "",
                "viewRule": "",
            },
        )
        assert response.status_code == 200, response.text
        await admin.get("/api/collections/big/records")  # warm up
        baseline, peak = serve.rss(), 0

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, serve.rss())
                await asyncio.sleep(0.02)

        sampler = asyncio.create_task(sample())
        length, body = _multipart_stream("f", "big.bin", size)
        response = await _post_stream(admin, "/api/collections/big/records", length, body)
        sampler.cancel()
        assert response.status_code == 200, response.text
        assert peak - baseline < 64 * MB, f"RSS grew by {(peak - baseline) / MB:.0f} MiB for a 200 MiB upload"
        record = response.json()
        digest = hashlib.sha256()
        received = 0
        async with admin.stream("GET", f"/api/files/big/{record['id']}/{record['f']}") as download:
            async for chunk in download.aiter_bytes():
                digest.update(chunk)
                received += len(chunk)
        expected = hashlib.sha256()
        block = bytes(range(256)) * 4096
        for _ in range(size // len(block)):
            expected.update(block)
        assert received == size
        assert digest.hexdigest() == expected.hexdigest()


async def _journal(database_url: str) -> list[tuple[str, bool]]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT key, doomed FROM baas.file_journal ORDER BY key"))
            return [(row[0], row[1]) for row in rows]
    finally:
        await engine.dispose()


async def _kill_when_staging(serve: ServeProcess, database_url: str, request: asyncio.Task[Any]) -> None:
    """SIGKILL the server as soon as an upload is journaled (it is being written to storage)."""
    for _ in range(3000):
        if await _journal(database_url) or request.done():
            break
        await asyncio.sleep(0.005)
    await serve.kill()
    assert not request.done() or isinstance(request.exception(), httpx.TransportError), "the write finished first"


async def _assert_consistent(admin: httpx.AsyncClient, storage: Any, collection: dict[str, Any]) -> set[str]:
    """Every record's files exist; returns the keys the records reference."""
    referenced = set()
    for record in (await admin.get(f"/api/collections/{collection['name']}/records")).json()["items"]:
        for name in [record["f"]] if isinstance(record["f"], str) else record["f"]:
            if name:
                key = f"{collection['id']}/{record['id']}/{name}"
                assert await storage.stat(key) is not None, f"{key} is referenced but missing"
                referenced.add(key)
    return referenced


@pytest.mark.parametrize("backend", ["local", "s3"])
async def test_kill_9_mid_write_then_gc(
    serve: ServeProcess, database_url: str, backend: str, request: pytest.FixtureRequest
) -> None:
    admin = await _admin(serve)
    storage: Any = LocalStorage(serve.data_dir / "storage")
    if backend == "s3":
        endpoint = request.getfixturevalue("moto_endpoint")
        settings = s3_settings(endpoint, await asyncio.to_thread(make_bucket, endpoint))
        assert (await admin.patch("/api/settings", json={"s3": settings})).status_code == 200
        storage = S3Storage(S3Config.from_settings(settings))
    collection = (
        await admin.post(
            "/api/collections",
            json={
                "name": "crash",
                "fields": [{"name": "f", "type": "file", "maxSize": 400 * MB}],
                "createRule": "",
                "updateRule": "",
                "viewRule": "",
                "listRule": "",
            },
        )
    ).json()
    url = "/api/collections/crash/records"
    kept = (await admin.post(url, files=[("f", ("kept.txt", b"old content", "text/plain"))])).json()

    # 1. Killed while the body streams in: nothing reached the storage yet.
    gate = asyncio.Event()
    length, body = _multipart_stream("f", "partial.bin", 50 * MB, pause_after=20 * MB, pause=gate)
    upload = asyncio.create_task(_post_stream(admin, url, length, body))
    await asyncio.sleep(1.0)
    await serve.kill()
    gate.set()
    with pytest.raises(httpx.TransportError):
        await upload
    await serve.start()

    # 2. Killed while a new record's upload is written to storage.
    length, body = _multipart_stream("f", "staged.bin", 300 * MB)
    upload = asyncio.create_task(_post_stream(admin, url, length, body))
    await _kill_when_staging(serve, database_url, upload)
    await serve.start()

    # 3. Killed while an update that replaces a file writes the new one.
    length, body = _multipart_stream("f", "replacement.bin", 300 * MB)
    update = asyncio.create_task(_post_stream(admin, f"{url}/{kept['id']}", length, body, method="PATCH"))
    await _kill_when_staging(serve, database_url, update)
    await serve.start()

    admin = await _admin(serve)
    referenced = await _assert_consistent(admin, storage, collection)
    assert referenced == {f"{collection['id']}/{kept['id']}/{kept['f']}"}
    assert (await admin.get(f"/api/files/crash/{kept['id']}/{kept['f']}")).content == b"old content"
    assert any(not doomed for _key, doomed in await _journal(database_url))  # the interrupted uploads

    output = await serve.cli("files", "gc", "--grace", "0")
    assert "journal:" in output
    assert "scan" in output
    assert {info.key async for info in storage.list(f"{collection['id']}/")} == referenced
    assert await _journal(database_url) == []
    await _assert_consistent(admin, storage, collection)
    await admin.aclose()
