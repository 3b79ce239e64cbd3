"""Conversions of submitted JSON values shared by several field types."""

from __future__ import annotations

import json
import math
from typing import Any

from baas.errors import FieldError

__all__ = ["check_text", "parse_json", "to_string_list", "to_text", "unique"]


def to_text(raw: Any) -> str:
    """A submitted scalar as text: numbers print like JSON numbers (``12``, ``1.5``), null is ``""``."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return check_text(raw)
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if math.isfinite(raw) and raw.is_integer() and abs(raw) < 2**63:
            return str(int(raw))
        return repr(raw)
    raise FieldError("validation_invalid_value", "Must be a string.")


def check_text(text: str) -> str:
    """``text`` unchanged if PostgreSQL can store it: no NUL character, no lone UTF-16 surrogate."""
    if "\x00" in text:
        raise FieldError("validation_invalid_value", "Must not contain NUL characters.")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise FieldError("validation_invalid_value", "Must be valid Unicode text.") from None
    return text


def to_string_list(raw: Any) -> list[str]:
    """A submitted single value or array as a list of non-empty strings, in order, without duplicates.

    Like PocketBase, a string that holds a JSON array (``'["a","b"]'``, as multipart forms send it) is
    read as that array; ``null`` items are skipped. Objects and nested arrays are a FieldError.
    """
    if raw is None or raw == "":
        return []
    if isinstance(raw, str) and "[" in raw:
        try:
            decoded = parse_json(raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, list):
            raw = decoded
    items = raw if isinstance(raw, list) else [raw]
    result: dict[str, None] = {}
    for item in items:
        if isinstance(item, list | dict):
            raise FieldError("validation_invalid_value", "Must be a string or an array of strings.")
        text = to_text(item)
        if text:
            result.setdefault(text)
    return list(result)


def unique(items: list[str]) -> list[str]:
    """The items without empty strings and repeats, first occurrence kept."""
    return list(dict.fromkeys(item for item in items if item))


def parse_json(text: str) -> Any:
    """``text`` decoded as strict JSON (no NaN/Infinity); ValueError when it is not JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(name)
