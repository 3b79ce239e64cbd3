"""Realtime benchmark: many SSE subscribers and a steady write stream, baas against a real PocketBase.

    python bench/realtime.py [--clients 1000] [--rate 10] [--duration 30] [--only baas|pocketbase]

For each server (one at a time, each in a fresh temporary directory, see servers.py): create the
collection ``rt_bench`` (list rule ``public = true``, evaluated for every subscriber), open N SSE
connections and subscribe each to ``rt_bench/*``, then create records at a steady rate as a
superuser. Every record carries its sequence number and the wall-clock time it was sent, so each
subscriber measures the delivery latency of every event and notices lost or duplicated ones.

The subscribers are spread over ``--readers`` worker processes, so reading 10,000 messages a
second does not slow down the writer (which runs alone in the main process). Memory per connection
is the server process's RSS growth from before connecting to after subscribing, divided by N
(baas: the Python process, not its PostgreSQL). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from servers import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Server, running

COLLECTION = {
    "name": "rt_bench",
    "type": "base",
    "fields": [
        {"name": "seq", "type": "number"},
        {"name": "sent", "type": "number"},
        {"name": "public", "type": "bool"},
        {"name": "body", "type": "text"},
    ],
    "listRule": "public = true",
    "viewRule": "public = true",
}
BODY = "lorem ipsum dolor sit amet " * 4
_SEQ = re.compile(rb'"seq":(-?\d+)')
_SENT = re.compile(rb'"sent":([\d.e+]+)')
_CLIENT_ID = re.compile(rb'"clientId":"(\w+)"')


@dataclass
class Result:
    server: str
    clients: int
    connected: int
    events: int
    connect_seconds: float
    write_p50_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    lost: int
    duplicated: int
    dropped_connections: int
    rss_before_mb: float
    rss_after_mb: float
    kb_per_connection: float
    server_cpu_seconds: float


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ----- reader processes -----------------------------------------------------------------------------


class _Subscriber:
    __slots__ = ("client_id", "ended", "seqs")

    def __init__(self) -> None:
        self.client_id = ""
        self.seqs: list[int] = []
        self.ended = False


async def _read(
    reader: asyncio.StreamReader, sub: _Subscriber, latencies: list[float], connected: asyncio.Event
) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    chunked = b"transfer-encoding: chunked" in head.lower()
    buffer = b""
    while True:
        if chunked:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                break
            data = (await reader.readexactly(size + 2))[:-2]
        else:
            data = await reader.read(1 << 16)
            if not data:
                break
        buffer += data
        while (end := buffer.find(b"\n\n")) >= 0:
            frame, buffer = buffer[:end], buffer[end + 2 :]
            seq = _SEQ.search(frame)
            if seq is None:
                found = _CLIENT_ID.search(frame)
                if found and not sub.client_id:
                    sub.client_id = found.group(1).decode()
                    connected.set()
                continue  # PB_CONNECT or a ping
            sent = _SENT.search(frame)
            if sent is not None:
                latencies.append(time.time() * 1000 - float(sent.group(1)))
            sub.seqs.append(int(seq.group(1)))


async def _subscribe(url: str, http: httpx.AsyncClient, sub: _Subscriber, latencies: list[float]) -> asyncio.Task[None]:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"GET /api/realtime HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode())
    connected = asyncio.Event()

    async def run() -> None:
        try:
            await _read(reader, sub, latencies, connected)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            sub.ended = True
            writer.close()

    task = asyncio.create_task(run())
    await asyncio.wait_for(connected.wait(), 120)
    response = await http.post("/api/realtime", json={"clientId": sub.client_id, "subscriptions": ["rt_bench/*"]})
    response.raise_for_status()
    return task


async def _reader_main(url: str, count: int, pipe: Connection) -> None:
    latencies: list[float] = []
    subscribers = [_Subscriber() for _ in range(count)]
    tasks: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=httpx.Limits(max_connections=16)) as http:
        for start in range(0, count, 25):
            batch = subscribers[start : start + 25]
            tasks += await asyncio.gather(*(_subscribe(url, http, sub, latencies) for sub in batch))
    pipe.send(("ready", sum(1 for s in subscribers if s.client_id)))
    loop = asyncio.get_running_loop()
    total = await loop.run_in_executor(None, pipe.recv)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(  # noqa: ASYNC110 - polling the readers is simplest
        not sub.ended and (not sub.seqs or sub.seqs[-1] != total - 1) for sub in subscribers
    ):
        await asyncio.sleep(0.2)
    expected = set(range(total))
    dropped = [sub.ended for sub in subscribers]
    lost = sum(len(expected - set(sub.seqs)) for sub, gone in zip(subscribers, dropped, strict=True) if not gone)
    duplicated = sum(len(sub.seqs) - len(set(sub.seqs)) for sub in subscribers)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(("done", latencies, lost, duplicated, sum(dropped)))


def _reader_process(url: str, count: int, pipe: Connection) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_reader_main(url, count, pipe))


# ----- the measurement ------------------------------------------------------------------------------


async def _write(http: httpx.AsyncClient, headers: dict[str, str], seq: int) -> float:
    body = {"seq": seq, "sent": time.time() * 1000, "public": True, "body": BODY}
    response = await http.post("/api/collections/rt_bench/records", json=body, headers=headers)
    response.raise_for_status()
    return float(time.time() * 1000 - body["sent"])


async def _setup(url: str) -> dict[str, str]:
    """The superuser's headers, the collection, and a warm-up of the write path (seq < 0)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        credentials = {"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD}
        auth = await http.post("/api/collections/_superusers/auth-with-password", json=credentials)
        auth.raise_for_status()
        headers = {"Authorization": auth.json()["token"]}
        (await http.post("/api/collections", json=COLLECTION, headers=headers)).raise_for_status()
        for seq in range(-20, 0):
            await _write(http, headers, seq)
    return headers


def _measure(server: Server, clients: int, rate: float, duration: float, readers: int) -> Result:
    headers = asyncio.run(_setup(server.url))
    time.sleep(1)
    rss_before = _rss_kb(server.pid)

    context = multiprocessing.get_context("spawn")
    shares = [clients // readers + (1 if i < clients % readers else 0) for i in range(readers)]
    pipes, processes = [], []
    started = time.monotonic()
    for share in shares:
        ours, theirs = context.Pipe()
        process = context.Process(target=_reader_process, args=(server.url, share, theirs), daemon=True)
        process.start()
        pipes.append(ours)
        processes.append(process)
    connected = sum(pipe.recv()[1] for pipe in pipes)
    connect_seconds = time.monotonic() - started
    time.sleep(2)
    rss_after = _rss_kb(server.pid)

    total = int(rate * duration)
    cpu_before = _cpu_seconds(server.pid)

    async def write_stream() -> list[float]:
        times = []
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as writer:
            began = time.monotonic()
            for seq in range(total):
                delay = began + seq / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                times.append(await _write(writer, headers, seq))
        return times

    writes = asyncio.run(write_stream())
    for pipe in pipes:
        pipe.send(total)
    reports = [pipe.recv() for pipe in pipes]
    cpu = _cpu_seconds(server.pid) - cpu_before
    for process in processes:
        process.join(timeout=30)

    latencies = sorted(value for report in reports for value in report[1]) or [0.0]
    return Result(
        server=server.name,
        clients=clients,
        connected=connected,
        events=total,
        connect_seconds=round(connect_seconds, 2),
        write_p50_ms=round(statistics.median(writes or [0.0]), 1),
        p50_ms=round(statistics.median(latencies), 1),
        p99_ms=round(latencies[int(len(latencies) * 0.99) - 1], 1),
        max_ms=round(latencies[-1], 1),
        lost=sum(r[2] for r in reports),
        duplicated=sum(r[3] for r in reports),
        dropped_connections=sum(r[4] for r in reports),
        rss_before_mb=round(rss_before / 1024, 1),
        rss_after_mb=round(rss_after / 1024, 1),
        kb_per_connection=round((rss_after - rss_before) / clients, 1),
        server_cpu_seconds=round(cpu, 1),
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000, help="SSE subscribers (default 1000)")
    parser.add_argument("--rate", type=float, default=10.0, help="record creates per second (default 10)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of writes (default 30)")
    parser.add_argument("--readers", type=int, default=2, help="processes reading the streams (default 2)")
    parser.add_argument("--only", choices=("baas", "pocketbase"), help="run one server only")
    parser.add_argument("--baas-cmd", default="baas", help='how to start baas (e.g. "python -m baas")')
    parser.add_argument("--pocketbase-cmd", default="pocketbase", help="the PocketBase executable")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.clients + 1024)), hard))
    results: list[Result] = []
    for name, command in (("baas", args.baas_cmd), ("pocketbase", args.pocketbase_cmd)):
        if args.only and name != args.only:
            continue
        print(f"{name}: {args.clients} subscribers, {args.rate:g} writes/s for {args.duration:g} s", flush=True)
        with running(name, command) as server:
            result = _measure(server, args.clients, args.rate, args.duration, args.readers)
        results.append(result)
        print("  " + json.dumps(asdict(result)), flush=True)
    print()
    print(
        "| server | subscribers | events | write p50 ms | delivery p50 ms | p99 ms | max ms | lost | duplicated | "
        "dropped | RSS before → after MB | KB/connection | server CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.server} | {r.connected}/{r.clients} | {r.events} | {r.write_p50_ms} | {r.p50_ms} | {r.p99_ms} | "
            f"{r.max_ms} | {r.lost} | {r.duplicated} | {r.dropped_connections} | "
            f"{r.rss_before_mb} → {r.rss_after_mb} | {r.kb_per_connection} | {r.server_cpu_seconds} |"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
