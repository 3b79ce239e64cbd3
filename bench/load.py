"""Drive one scenario against one server with wrk, and measure what it cost.

wrk shares the two cores with the server under test (and the machine may be shared with other
work), so beside wrk's own numbers we record the CPU the server's processes spent (``procs.py``),
the CPU wrk used (rusage of the finished child) and how busy the whole machine was (/proc/stat).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from procs import cpu_split, wait_idle
from scenarios import Scenario
from servers import Server

__all__ = ["LoadOptions", "Result", "background_cpu", "preflight", "run_wrk"]

LUA = Path(__file__).resolve().parent / "scenario.lua"
_TICKS = os.sysconf("SC_CLK_TCK")
_MAX_DURATION = 60.0  # a scenario too slow to finish enough requests in --duration gets up to this


@dataclass(frozen=True)
class LoadOptions:
    duration: float = 10.0
    warmup: float = 3.0
    connections: int = 32
    threads: int = 1

    @property
    def min_requests(self) -> int:
        """Fewer completed requests than this make a measurement mostly noise: measure longer."""
        return 4 * self.connections


@dataclass
class Result:
    server: str
    scenario: str
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[dict[str, Any]] = field(default_factory=list)
    server_cpu: float = 0.0  # core-seconds used by the server's processes (baas: with PostgreSQL)
    database_cpu: float = 0.0  # the PostgreSQL part of server_cpu (baas only)
    wrk_cpu: float = 0.0  # core-seconds used by wrk
    busy_cpu: float = 0.0  # core-seconds used by the whole machine
    failure: str = ""  # why the scenario was not measured

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms(self) -> float:
        """Milliseconds of CPU the server side (app + database) spent per request."""
        return self.server_cpu / self.requests * 1000 if self.requests else 0.0

    @property
    def database_cpu_ms(self) -> float:
        return self.database_cpu / self.requests * 1000 if self.requests else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _busy_seconds() -> float:
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / _TICKS


def background_cpu(seconds: float = 2.0) -> float:
    """Cores busy while nothing of ours runs: other work on the machine that will skew the numbers."""
    before = _busy_seconds()
    time.sleep(seconds)
    return (_busy_seconds() - before) / seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def preflight(url: str, scenario: Scenario, token: str, ids: list[str]) -> str:
    """One request as wrk will send it; the full exchange when it fails, else ""."""
    path = scenario.path.replace("{id}", ids[0]) if ids else scenario.path
    response = httpx.request(
        scenario.method, url + path, json=scenario.body, headers={"Authorization": token}, timeout=120
    )
    if response.status_code < 400:
        return ""
    body = json.dumps(scenario.body) if scenario.body is not None else ""
    return f"{scenario.method} {path} {body}".rstrip() + f"\n  -> {response.status_code} {response.text[:1000]}"


def _wrk(server: Server, args: list[str], seconds: float, options: LoadOptions) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{max(seconds, 1):.0f}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        server.url,
        "--",
        *args,
    ]
    cpu_before, busy_before, (app_before, db_before) = _children_cpu(), _busy_seconds(), cpu_split(server)
    finished = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 120)
    app, db = cpu_split(server)
    costs = {
        "wrk_cpu": _children_cpu() - cpu_before,
        "busy_cpu": _busy_seconds() - busy_before,
        "server_cpu": app - app_before + db - db_before,
        "database_cpu": db - db_before,
    }
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON ")) | costs  # type: ignore[no-any-return]
    raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")


def run_wrk(server: Server, scenario: Scenario, token: str, ids: list[str], options: LoadOptions) -> Result:
    """Warm up, let the server finish what the warm-up left behind, then measure ``scenario``.

    A scenario that completes fewer than ``options.min_requests`` requests is measured again for
    longer (up to 60 s), so that one slow batch of requests does not decide the number.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        ids_file = body_file = "-"
        if "{id}" in scenario.path:
            ids_file = str(Path(tmp) / "ids.txt")
            Path(ids_file).write_text("\n".join(ids) + "\n")
        if scenario.body is not None:
            body_file = str(Path(tmp) / "body.json")
            Path(body_file).write_text(json.dumps(scenario.body))
        args = [scenario.method, scenario.path, token, ids_file, body_file]
        if options.warmup > 0:
            _wrk(server, args, options.warmup, options)
            wait_idle(server)
        stats = _wrk(server, args, options.duration, options)
        if stats["requests"] < options.min_requests and options.duration < _MAX_DURATION:
            wait_idle(server)
            stats = _wrk(server, args, _MAX_DURATION, options)
    wait_idle(server)
    return Result(
        server=server.name,
        scenario=scenario.name,
        requests=stats["requests"],
        seconds=stats["duration_us"] / 1e6,
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        errors={k: v for k, v in stats["errors"].items() if v},
        error_samples=stats["error_samples"],
        server_cpu=stats["server_cpu"],
        database_cpu=stats["database_cpu"],
        wrk_cpu=stats["wrk_cpu"],
        busy_cpu=stats["busy_cpu"],
    )
