"""Reading request bodies strictly: valid UTF-8 JSON, no duplicate keys, bounded nesting."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from baas.errors import BadRequestError

__all__ = ["MAX_JSON_DEPTH", "parse_json", "read_json"]

MAX_JSON_DEPTH = 64


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _depth_ok(raw: bytes) -> bool:
    # Checked on the raw text before decoding, so hostile nesting never reaches the recursive decoder.
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def parse_json(raw: bytes, message: str) -> Any:
    """Decode ``raw``; an empty body is ``None``. Anything malformed raises a 400 with ``message``."""
    if not raw.strip():
        return None
    if not _depth_ok(raw):
        raise BadRequestError(message)
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequestError(message) from exc


async def read_json(request: Request[Any, Any, Any], message: str) -> Any:
    """The request's JSON body; a body with another content type is rejected with ``message``."""
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if raw.strip() and "json" not in content_type.lower():
        raise BadRequestError(message)
    return parse_json(raw, message)
