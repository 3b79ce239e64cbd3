"""File URLs (``/api/files/{collection}/{record}/{filename}``) and file tokens for protected files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._calls import Call, Flow, call

__all__ = ["file_path", "file_query", "file_token"]


def file_path(record: Mapping[str, Any], filename: str) -> str | None:
    """The path of ``filename`` of ``record``, or ``None`` when either is missing."""
    collection = record.get("collectionId") or record.get("collectionName")
    record_id = record.get("id")
    if not filename or not collection or not record_id:
        return None
    return "/api/files/" + "/".join(quote(str(part), safe="") for part in (collection, record_id, filename))


def file_query(
    thumb: str | None, download: bool, token: str | None, query: Mapping[str, Any] | None
) -> dict[str, Any]:
    params = dict(query or {})
    if thumb:
        params["thumb"] = thumb
    if token:
        params["token"] = token
    if download:
        params["download"] = "1"
    return params


def file_token() -> Flow[str]:
    """A short-lived token (``?token=``) that opens protected files as the current auth record."""
    return call(Call("POST", "/api/files/token"), lambda body: str(body["token"]))
