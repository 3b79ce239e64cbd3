"""How values look in the dashboard: table cells, input values, file links (Jinja filters).

These return plain text; Jinja's autoescaping makes them safe wherever they land.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["FILTERS", "cell_text", "datetime_local", "file_url", "is_image", "json_text"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
_CELL_LIMIT = 80


def _shorten(text: str, limit: int = _CELL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_text(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)


def cell_text(value: Any, field_type: str = "") -> str:
    """A record value as one short line of text."""
    if value is None or value == "" or value == []:
        return ""
    if field_type == "bool" or isinstance(value, bool):
        return "yes" if value else "no"
    if field_type == "geoPoint" and isinstance(value, dict):
        return f"{value.get('lon', 0)}, {value.get('lat', 0)}"
    if field_type == "editor" and isinstance(value, str):
        return _shorten(_strip_tags(value))
    if isinstance(value, list) and field_type != "json":
        return _shorten(", ".join(str(item) for item in value))
    if isinstance(value, dict | list):
        return _shorten(json_text(value, indent=None))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _shorten(str(value))


def _strip_tags(html: str) -> str:
    out, inside = [], False
    for char in html:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
            out.append(" ")
        elif not inside:
            out.append(char)
    return "".join(out)


def datetime_local(value: Any) -> str:
    """``2024-01-02 03:04:05.678Z`` as an ``<input type=datetime-local>`` value (UTC, seconds)."""
    if not isinstance(value, str) or len(value) < 19:
        return ""
    return value[:10] + "T" + value[11:19]


def is_image(name: Any) -> bool:
    return isinstance(name, str) and name.lower().endswith(IMAGE_EXTENSIONS)


def file_url(collection_id: str, record_id: str, name: str, *, thumb: str = "", token: str = "") -> str:
    path = "/".join(quote(part, safe="") for part in ("", "api", "files", collection_id, record_id, name))
    query = {key: value for key, value in (("thumb", thumb), ("token", token)) if value}
    return path + ("?" + urlencode(query) if query else "")


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def number_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


FILTERS: dict[str, Callable[..., Any]] = {
    "cell": cell_text,
    "datetime_local": datetime_local,
    "is_image": is_image,
    "json_text": json_text,
    "as_list": as_list,
    "number_text": number_text,
}
