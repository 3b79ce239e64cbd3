"""The ``baas`` command line as a user runs it: ``serve`` on an embedded PostgreSQL in the data
directory (first start, reuse, one server per directory, clean stop), ``superuser upsert`` and
``migrate`` with and without a running server, and ``serve`` on an external database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

EMAIL = "owner@example.com"
PASSWORD = "owner-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAAS_")}
    env.update(BAAS_ARGON2_TIME_COST="1", BAAS_ARGON2_MEMORY_KIB="8", BAAS_ARGON2_PARALLELISM="1", **extra)
    return env


def baas(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "baas", *args],
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    output: list[str]

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=60)
        finally:
            if self.process.stdout is not None:
                self.output.append(self.process.stdout.read())
        return code

    @property
    def text(self) -> str:
        return "".join(self.output)


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``baas serve ARGS`` until it answers ``/api/health``; killed at the end if still running."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "baas", "serve", "--http", f"127.0.0.1:{port}", *args],
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", process, [])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                served.output.append(process.stdout.read() if process.stdout else "")
                pytest.fail(f"baas serve exited with {process.returncode}: {served.text}")
            try:
                if httpx.get(f"{served.url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("baas serve did not start")
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _sign_in(url: str, password: str = PASSWORD) -> int:
    response = httpx.post(
        f"{url}/api/collections/_superusers/auth-with-password",
        json={"identity": EMAIL, "password": password},
        timeout=30,
    )
    return response.status_code


def _postgres_running(data_dir: Path) -> bool:
    return (data_dir / "pg" / "data" / "postmaster.pid").exists() or any((data_dir / "pg").glob("**/postmaster.pid"))


@pytest.mark.slow
def test_serve_on_the_embedded_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with serving("--dir", str(data_dir)) as first:
        # a second server on the same directory refuses instead of corrupting it
        second = subprocess.run(
            [sys.executable, "-m", "baas", "serve", "--dir", str(data_dir), "--http", f"127.0.0.1:{_free_port()}"],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode != 0
        assert "already used by another baas server" in second.stderr
        assert (httpx.get(f"{first.url}/api/health")).status_code == 200, "the first server is unharmed"

        # upsert while the server runs: borrows the server's database
        created = baas("superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data_dir))
        assert created.returncode == 0, created.stderr
        assert f"superuser {EMAIL} created" in created.stdout
        assert _sign_in(first.url) == 200
        response = httpx.post(
            f"{first.url}/api/collections",
            json={"name": "notes", "fields": [{"name": "title", "type": "text"}]},
            headers={"Authorization": _token(first.url)},
        )
        assert response.status_code == 200, response.text
        assert first.stop(signal.SIGINT) == 130, "Ctrl-C: the shell's usual status for an interrupt"
    assert "Traceback" not in first.text
    assert "baas is serving" in first.text
    assert f"embedded PostgreSQL in {data_dir.absolute() / 'pg'}" in first.text
    assert "/_/setup?token=" in first.text, "the first start offers the one-time setup link"
    assert not _postgres_running(data_dir), "Ctrl-C stops the embedded PostgreSQL too"

    # without a server: upsert starts the database, changes the password, and stops it again
    updated = baas("superuser", "upsert", EMAIL, "new-password-22", "--dir", str(data_dir))
    assert updated.returncode == 0, updated.stderr
    assert f"superuser {EMAIL} updated" in updated.stdout
    assert not _postgres_running(data_dir)
    migrated = baas("migrate", "--dir", str(data_dir))
    assert migrated.returncode == 0, migrated.stderr
    assert "migrations applied" in migrated.stdout

    # the next start reuses the database: the superuser and the collection are still there
    with serving("--dir", str(data_dir)) as again:
        assert _sign_in(again.url) == 400, "the old password was replaced"
        assert _sign_in(again.url, "new-password-22") == 200
        token = _token(again.url, "new-password-22")
        notes = httpx.get(f"{again.url}/api/collections/notes", headers={"Authorization": token})
        assert notes.status_code == 200
        assert again.stop(signal.SIGTERM) == 0
    assert "/_/setup?token=" not in again.text, "no setup link once a superuser exists"
    assert not _postgres_running(data_dir)


def _token(url: str, password: str = PASSWORD) -> str:
    response = httpx.post(
        f"{url}/api/collections/_superusers/auth-with-password",
        json={"identity": EMAIL, "password": password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def test_serve_on_an_external_database(database_url: str, tmp_path: Path) -> None:
    env = _env(BAAS_DATABASE_URL=database_url)
    with serving("--dir", str(tmp_path / "data"), env=env) as served:
        assert httpx.get(f"{served.url}/api/health").json()["code"] == 200
        assert served.stop(signal.SIGTERM) == 0
    assert "external PostgreSQL (BAAS_DATABASE_URL)" in served.text
    assert not (tmp_path / "data" / "pg").exists(), "no embedded database is made"


def test_a_bad_http_address_is_refused(tmp_path: Path) -> None:
    result = baas("serve", "--dir", str(tmp_path), "--http", "nonsense")
    assert result.returncode != 0
    assert "--http must look like 127.0.0.1:8090" in result.stderr


def _workers(pid: int) -> list[int]:
    """The worker processes of a server (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(child) for child in children.read_text().split()] if children.exists() else []
    return [child for child in pids if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


@pytest.mark.slow
def test_serve_with_several_workers(database_url: str, tmp_path: Path) -> None:
    """``--workers 2``: two processes share the port and behave as one server (realtime included)."""
    env = _env(BAAS_DATABASE_URL=database_url, BAAS_DB_POOL_SIZE="3")
    created = baas("superuser", "upsert", EMAIL, PASSWORD, "--dir", str(tmp_path), env=env)
    assert created.returncode == 0, created.stderr
    with serving("--dir", str(tmp_path), "--workers", "2", env=env) as served:
        workers = _workers(served.process.pid)
        assert len(workers) == 2, workers
        token = _token(served.url)
        headers = {"Authorization": token}
        body = {"name": "notes", "fields": [{"name": "title", "type": "text"}], "listRule": "", "viewRule": ""}
        assert httpx.post(f"{served.url}/api/collections", json=body, headers=headers).status_code == 200
        # Many connections: each worker serves some; all see the new collection and its records.
        for index in range(20):
            with httpx.Client(base_url=served.url) as fresh:
                created_note = fresh.post(
                    "/api/collections/notes/records", json={"title": f"n{index}"}, headers=headers
                )
                assert created_note.status_code == 200, created_note.text
                listed = fresh.get("/api/collections/notes/records", params={"perPage": 1})
                assert listed.json()["totalItems"] == index + 1
        # A realtime client gets the events of writes made on either worker.
        with httpx.Client(base_url=served.url, timeout=30) as sse, sse.stream("GET", "/api/realtime") as stream:
            lines = stream.iter_lines()
            client_id = ""
            for line in lines:
                if line.startswith("data:"):
                    client_id = line.removeprefix("data:").split('"')[3]
                    break
            subscribed = httpx.post(
                f"{served.url}/api/realtime", json={"clientId": client_id, "subscriptions": ["notes/*"]}
            )
            assert subscribed.status_code == 204, subscribed.text
            written = set()
            for index in range(6):
                with httpx.Client(base_url=served.url) as fresh:
                    note = fresh.post("/api/collections/notes/records", json={"title": f"rt{index}"}, headers=headers)
                    written.add(note.json()["id"])
            seen = set()
            for line in lines:
                if line.startswith("data:") and '"action":"create"' in line:
                    seen.add(line.split('"id":"')[1].split('"')[0])
                    if seen == written:
                        break
            assert seen == written
        assert served.stop(signal.SIGTERM) == 0
    assert "workers:   2 processes" in served.text
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers), "the workers stopped with the server"
