"""Responses of the real PocketBase 0.40.6, captured verbatim (see /work/pbref for the full sessions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["load"]

_HERE = Path(__file__).parent


def load(name: str, *, without: tuple[str, ...] = ("created", "updated")) -> Any:
    """The captured body ``<name>.json``, minus keys that differ on every run (timestamps)."""
    body = json.loads((_HERE / f"{name}.json").read_text())
    if isinstance(body, dict):
        for key in without:
            body.pop(key, None)
    return body
