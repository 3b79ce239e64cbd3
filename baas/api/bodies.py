"""Reading request bodies strictly: valid UTF-8 JSON, no duplicate keys, bounded nesting."""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

from litestar import Request

from baas.errors import BadRequestError

__all__ = ["MAX_JSON_DEPTH", "parse_json", "read_json", "require_storable"]

# PocketBase (Go) reads 100 levels and refuses 10000; Python's decoder recurses, so we stop much earlier.
MAX_JSON_DEPTH = 128

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # opening +1, closing -1 (as signed bytes)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _depth_ok(raw: bytes) -> bool:
    """Checked on the raw bytes before decoding, so hostile nesting never reaches the recursive decoder.

    Without a Python loop over every byte: a body with few brackets (a 10 MB string) is settled by
    counting them; otherwise strings are cut out, the brackets left become +1/-1, and the running sum
    is the depth. An unterminated string can only over-count, and the decoder refuses it anyway.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return True
    structure = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKETS)
    return max(itertools.accumulate(memoryview(structure).cast("b")), default=0) <= MAX_JSON_DEPTH


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_storable(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL character")
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) for lone surrogates
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key)
            _check_storable(item)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item)


def require_storable(value: Any, message: str) -> Any:
    """``value`` if PostgreSQL can store every string in it, else a 400 with ``message``.

    Neither text nor jsonb can hold NUL characters or lone surrogates (``"\\u0000"``, ``"\\ud800"``);
    documents stored whole (collection definitions) are refused up front instead of failing in the
    database.
    """
    try:
        _check_storable(value)
    except ValueError as exc:
        raise BadRequestError(message) from exc
    return value


def parse_json(raw: bytes, message: str) -> Any:
    """Decode ``raw``; an empty body is ``None``. Anything malformed raises a 400 with ``message``.

    Like Go's decoder, NaN/Infinity and numbers beyond float64 are not JSON.
    """
    if not raw.strip():
        return None
    if not _depth_ok(raw):
        raise BadRequestError(message)
    try:
        return json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_float=_finite, parse_constant=_no_constants
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequestError(message) from exc


async def read_json(request: Request[Any, Any, Any], message: str) -> Any:
    """The request's JSON body; a body with another content type is rejected with ``message``."""
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if raw.strip() and "json" not in content_type.lower():
        raise BadRequestError(message)
    return parse_json(raw, message)
