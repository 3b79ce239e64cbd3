"""HTTP semantics of serving a stored file: headers, conditional requests and byte ranges (pure).

Like PocketBase (Go's ``http.ServeContent``): ``Content-Disposition`` is ``inline`` only for media
a browser shows without running it (images but not SVG, audio, video, PDF), ``attachment``
otherwise or with ``?download=1``; a CSP sandbox and a 30-day ``Cache-Control``; ``Last-Modified``
with ``If-Modified-Since``; one byte range per request (a malformed or unsatisfiable one is a 416,
several ranges get the whole file). Ours on top: a strong ``ETag`` with ``If-None-Match`` and
``If-Range`` (stored files never change: names are random and never reused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from baas.files.sniff import base_type
from baas.files.storage import ObjectInfo

__all__ = [
    "CACHE_CONTROL",
    "CSP",
    "ByteRange",
    "RangeNotSatisfiableError",
    "content_type_for",
    "disposition",
    "etag",
    "forces_download",
    "last_modified",
    "not_modified",
    "requested_range",
]

CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
CACHE_CONTROL = "max-age=2592000, stale-while-revalidate=86400"
_INLINE = frozenset(
    {
        "image/png",
        "image/jpg",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/x-icon",
        "image/bmp",
        "video/webm",
        "video/mp4",
        "video/3gpp",
        "video/quicktime",
        "video/x-ms-wmv",
        "audio/basic",
        "audio/aiff",
        "audio/mpeg",
        "audio/midi",
        "audio/mp3",
        "audio/wave",
        "audio/wav",
        "audio/x-wav",
        "audio/x-mpeg",
        "audio/x-m4a",
        "audio/aac",
        "application/pdf",
        "application/x-pdf",
    }
)
# Served with these types whatever their content looks like (still as attachments, in the sandbox).
_BY_EXTENSION = {".svg": "image/svg+xml", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript"}
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
_TRUE = {"1", "t", "true", "T", "TRUE", "True"}


class RangeNotSatisfiableError(ValueError):
    """The Range header is malformed or asks for bytes the file does not have (answer 416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    length: int

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.start + self.length - 1}/{size}"


def forces_download(query: Mapping[str, str]) -> bool:
    return query.get("download", "") in _TRUE


def content_type_for(name: str, sniffed: str) -> str:
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    return _BY_EXTENSION.get(extension, sniffed or "application/octet-stream")


def disposition(name: str, content_type: str, *, download: bool) -> str:
    kind = "inline" if not download and base_type(content_type) in _INLINE else "attachment"
    # Stored names are [A-Za-z0-9_.] only; the quotes are PocketBase's.
    return f'{kind}; filename="{name}"'


def etag(info: ObjectInfo) -> str:
    return f'"{info.etag}"' if info.etag else f'"{info.size:x}-{int(info.modified.timestamp()):x}"'


def last_modified(info: ObjectInfo) -> str:
    return format_datetime(info.modified.replace(microsecond=0), usegmt=True)


def _parse_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _matches(header: str, tag: str) -> bool:
    """If-None-Match uses the weak comparison: ``W/"x"`` matches ``"x"``."""
    if header.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == bare for part in header.split(","))


def not_modified(headers: Mapping[str, str], info: ObjectInfo) -> bool:
    """Whether a GET/HEAD may be answered 304 (If-None-Match wins over If-Modified-Since)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return _matches(if_none_match, etag(info))
    since = _parse_date(headers.get("if-modified-since", ""))
    return since is not None and int(info.modified.timestamp()) <= int(since.timestamp())


def requested_range(headers: Mapping[str, str], info: ObjectInfo) -> ByteRange | None:
    """The one range to serve, or None for the whole file."""
    header = headers.get("range")
    if not header or info.size == 0:
        return None
    if_range = headers.get("if-range")
    if if_range is not None and not _if_range_holds(if_range, info):
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        raise RangeNotSatisfiableError("invalid range")
    parts = spec.split(",")
    if len(parts) > 1:
        return None  # several ranges: the whole file is a valid answer (RFC 9110 §14.2)
    found = _RANGE.match(parts[0])
    if found is None or (not found.group(1) and not found.group(2)):
        raise RangeNotSatisfiableError("invalid range")
    first, last = found.group(1), found.group(2)
    if not first:  # a suffix: the last N bytes
        count = min(int(last), info.size)
        if count == 0:
            raise RangeNotSatisfiableError("invalid range")
        return ByteRange(info.size - count, count)
    start = int(first)
    if start >= info.size:
        raise RangeNotSatisfiableError("failed to overlap")
    end = info.size - 1 if not last else min(int(last), info.size - 1)
    if end < start:
        raise RangeNotSatisfiableError("invalid range")
    return ByteRange(start, end - start + 1)


def _if_range_holds(value: str, info: ObjectInfo) -> bool:
    value = value.strip()
    if value.startswith(('"', 'W/"')):
        return not value.startswith("W/") and value == etag(info)
    date = _parse_date(value)
    return date is not None and int(date.timestamp()) == int(info.modified.timestamp())
