"""CPU time of the server under test: its own process, plus for baas the embedded PostgreSQL.

The machine may be shared, so "how busy was the machine" says little; the CPU the server's own
processes spent per request does not depend on what else runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from servers import Server

__all__ = ["cpu_seconds", "cpu_split", "wait_idle"]

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # fields from "state" on; the command name may hold spaces


def _postgres(server: Server) -> list[int]:
    """The postmaster of baas's embedded cluster and its children (backends, autovacuum, walwriter...)."""
    try:
        postmaster = int((server.data_dir / "pg" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == postmaster:
                children.append(int(entry.name))
    return [postmaster, *children]


def _cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def cpu_split(server: Server) -> tuple[float, float]:
    """CPU seconds used so far by the server process (threads included) and by its database processes."""
    return _cpu([server.pid]), _cpu(_postgres(server))


def cpu_seconds(server: Server) -> float:
    """User + system CPU seconds used so far by all of the server's processes."""
    return sum(cpu_split(server))


def wait_idle(server: Server, *, limit: float = 120.0, interval: float = 0.5) -> float:
    """Wait until the server has finished work a client walked away from (a warm-up's last requests).

    Returns the seconds waited; gives up after ``limit``.
    """
    started = time.monotonic()
    before = cpu_seconds(server)
    while time.monotonic() - started < limit:
        time.sleep(interval)
        now = cpu_seconds(server)
        if now - before < 0.05 * interval:
            break
        before = now
    return time.monotonic() - started
