"""HTTP semantics of serving files (unit tables): disposition, conditional requests, byte ranges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baas.files.serving import (
    ByteRange,
    RangeNotSatisfiableError,
    content_type_for,
    disposition,
    etag,
    forces_download,
    last_modified,
    not_modified,
    requested_range,
)
from baas.files.storage import ObjectInfo

INFO = ObjectInfo(key="c/r/a.png", size=100, modified=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), etag="abc")


@pytest.mark.parametrize(
    ("content_type", "download", "expected"),
    [
        ("image/png", False, 'inline; filename="n.x"'),
        ("application/pdf", False, 'inline; filename="n.x"'),
        ("video/mp4", False, 'inline; filename="n.x"'),
        ("audio/mpeg", False, 'inline; filename="n.x"'),
        ("image/png", True, 'attachment; filename="n.x"'),
        ("image/svg+xml", False, 'attachment; filename="n.x"'),
        ("text/html; charset=utf-8", False, 'attachment; filename="n.x"'),
        ("text/plain; charset=utf-8", False, 'attachment; filename="n.x"'),
        ("application/octet-stream", False, 'attachment; filename="n.x"'),
    ],
)
def test_disposition(content_type: str, download: bool, expected: str) -> None:
    assert disposition("n.x", content_type, download=download) == expected


def test_download_flag_and_types() -> None:
    assert forces_download({"download": "1"})
    assert forces_download({"download": "true"})
    assert not forces_download({"download": "0"})
    assert not forces_download({})
    assert content_type_for("a.svg", "text/xml; charset=utf-8") == "image/svg+xml"
    assert content_type_for("a.js", "text/plain; charset=utf-8") == "text/javascript"
    assert content_type_for("a.png", "") == "application/octet-stream"


def test_validators() -> None:
    assert etag(INFO) == '"abc"'
    assert last_modified(INFO) == "Fri, 02 Jan 2026 03:04:05 GMT"
    assert not_modified({"if-none-match": '"abc"'}, INFO)
    assert not_modified({"if-none-match": 'W/"abc", "zzz"'}, INFO)
    assert not_modified({"if-none-match": "*"}, INFO)
    assert not not_modified({"if-none-match": '"zzz"'}, INFO)
    assert not_modified({"if-modified-since": "Fri, 02 Jan 2026 03:04:05 GMT"}, INFO)
    assert not not_modified({"if-modified-since": "Fri, 02 Jan 2026 03:04:04 GMT"}, INFO)
    assert not not_modified({"if-modified-since": "garbage"}, INFO)
    # If-None-Match wins over If-Modified-Since.
    assert not not_modified({"if-none-match": '"zzz"', "if-modified-since": "Fri, 02 Jan 2026 03:04:05 GMT"}, INFO)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", ByteRange(0, 10)),
        ("bytes=90-", ByteRange(90, 10)),
        ("bytes=90-1000", ByteRange(90, 10)),
        ("bytes=-5", ByteRange(95, 5)),
        ("bytes=-500", ByteRange(0, 100)),
        ("bytes=0-0", ByteRange(0, 1)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("bytes=100-", RangeNotSatisfiableError),
        ("bytes=5-2", RangeNotSatisfiableError),
        ("bytes=-0", RangeNotSatisfiableError),
        ("bytes=abc", RangeNotSatisfiableError),
        ("bytes=-", RangeNotSatisfiableError),
        ("items=0-1", RangeNotSatisfiableError),
    ],
)
def test_ranges(header: str | None, expected: object) -> None:
    headers = {} if header is None else {"range": header}
    if expected is RangeNotSatisfiableError:
        with pytest.raises(RangeNotSatisfiableError):
            requested_range(headers, INFO)
    else:
        assert requested_range(headers, INFO) == expected


def test_if_range_and_empty_files() -> None:
    assert requested_range({"range": "bytes=0-1", "if-range": '"abc"'}, INFO) == ByteRange(0, 2)
    assert requested_range({"range": "bytes=0-1", "if-range": '"old"'}, INFO) is None
    assert requested_range({"range": "bytes=0-1", "if-range": "Fri, 02 Jan 2026 03:04:05 GMT"}, INFO) == ByteRange(0, 2)
    empty = ObjectInfo(key="c/r/e.txt", size=0, modified=INFO.modified)
    assert requested_range({"range": "bytes=0-1"}, empty) is None
    assert ByteRange(90, 10).content_range(100) == "bytes 90-99/100"
