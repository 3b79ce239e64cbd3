"""Start and stop the two servers under test, each in a fresh temporary data directory."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["SUPERUSER_EMAIL", "SUPERUSER_PASSWORD", "Server", "free_port", "running", "settle"]

SUPERUSER_EMAIL = "bench@example.com"
SUPERUSER_PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account in a temporary directory

_START_TIMEOUT = 120.0  # the first baas start runs initdb and the migrations


@dataclass(frozen=True)
class Server:
    """A server that answers on ``url``; ``pid`` is the process to profile."""

    name: str
    url: str
    pid: int
    data_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _commands(name: str, command: list[str], address: str, data_dir: Path) -> tuple[list[str], list[str]]:
    """The serve and the superuser-upsert command lines of one server."""
    if name == "pocketbase":
        serve = [*command, "serve", "--http", address, "--dir", str(data_dir), "--automigrate=false"]
    else:
        serve = [*command, "serve", "--http", address, "--dir", str(data_dir)]
    upsert = [*command, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data_dir)]
    return serve, upsert


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url}: not healthy after {_START_TIMEOUT:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def settle(server: Server, table: str) -> None:
    """Bring baas's table to the state autovacuum would reach a minute later: statistics and a visibility map.

    Without this, the autovacuum that 100k inserts trigger would land in the middle of a measurement.
    PocketBase's SQLite needs nothing comparable. This is the only step that bypasses the API.
    """
    if server.name != "baas":
        return
    import asyncio

    import asyncpg

    async def vacuum() -> None:
        connection = await asyncpg.connect(f"postgresql://postgres@/baas?host={server.data_dir / 'pg'}")
        try:
            await connection.execute(f'VACUUM (ANALYZE) data."{table}"')
        finally:
            await connection.close()

    asyncio.run(vacuum())


@contextmanager
def running(name: str, command: str, *, keep: bool = False) -> Iterator[Server]:
    """Run one server (``baas`` or ``pocketbase``) with a superuser, stopping it on exit.

    ``command`` is the executable, possibly with leading arguments (``"python -m baas"``).
    The data directory is deleted afterwards unless ``keep`` is set.
    """
    root = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    data_dir = root / "data"
    address = f"127.0.0.1:{free_port()}"
    serve, upsert = _commands(name, shlex.split(command), address, data_dir)
    log = root / "server.log"
    url = f"http://{address}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(serve, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_healthy(url, process, log)
            # PocketBase writes the superuser straight into its SQLite file; baas borrows the running cluster.
            subprocess.run(upsert, check=True, capture_output=True, env=env, timeout=120)
            yield Server(name=name, url=url, pid=process.pid, data_dir=data_dir)
        finally:
            _stop(process)
            if keep:
                print(f"  {name}: data and log kept in {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)
