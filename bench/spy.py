"""Sample the baas process with py-spy while wrk replays a scenario, and rank the hotspots.

py-spy's ``raw`` output is one collapsed stack per line (``frame;frame;... count``); a frame reads
``function (file:line)``. We rank functions by self samples (the leaf frame) and by inclusive samples
(anywhere on the stack, for ``baas/`` functions only). Inclusive counts are a lower bound: a stack
that runs inside a greenlet (SQLAlchemy's async bridge) or a task stepped by uvloop's C code starts
at that frame, detached from its callers. A leaf in ``asyncio/runners.py:Runner.run`` is time
spent in uvloop itself (C code: sockets, callbacks).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

__all__ = ["hotspots", "record"]

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def record(pid: int, output: Path, seconds: float, load: Callable[[], object]) -> Path:
    """Run ``load()`` (a wrk pass) while py-spy samples ``pid``; the collapsed stacks go to ``output``."""
    if shutil.which("py-spy") is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    command = [
        "py-spy",
        "record",
        "--pid",
        str(pid),
        "--duration",
        f"{seconds:.0f}",
        "--rate",
        "200",
        "--nonblocking",
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as spy:
        load()
        _, stderr = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0:
        raise RuntimeError(f"py-spy failed: {stderr.decode(errors='replace')[-1000:]}")
    return output


def _short(file: str) -> str:
    for marker in ("/site-packages/", "/lib/python3.11/", "/baas-src/", "/work/main/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    return f"{_short(match['file'])}:{match['function']}"


def hotspots(raw: Path, top: int = 15) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """Total samples, the top functions by self samples, and the top ``baas/`` functions by inclusive samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_name(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            if name.startswith("baas/") and not name.startswith(("baas/cli.py", "baas/__main__.py")):
                inclusive[name] += count
    return total, own.most_common(top), inclusive.most_common(top)
