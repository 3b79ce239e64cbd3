"""Hostile uploads, on both backends: every case is a clear 4xx or handled safely, and leaves nothing.

Raw sockets send what no well-behaved client would: a Content-Length that lies in both directions,
a body cut off half-way, a closing boundary that never comes.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.files.conftest import Files, png

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOUNDARY = "----baasHostileBoundary"


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart body from (name, filename or None, content), with filenames sent byte for byte."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'.encode()
        if filename is not None:
            disposition += b'; filename="' + filename.encode("utf-8", "surrogateescape") + b'"'
        body += f"--{BOUNDARY}\r\n".encode() + b"Content-Disposition: " + disposition + b"\r\n"
        body += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


async def _raw(
    files: Files, path: str, body: bytes, *, length: int | None = None, send: int | None = None, wait: float = 10.0
) -> bytes:
    """Send a POST over a raw socket (``send`` bytes of the body, then close); returns the raw answer."""
    parts = urlsplit(files.server.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    token = files.admin.headers["Authorization"]
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    ).encode()
    writer.write(head + body[: len(body) if send is None else send])
    await writer.drain()
    if send is not None:
        writer.close()  # the client is gone
        return b""
    try:
        return await asyncio.wait_for(reader.read(65536), timeout=wait)
    finally:
        writer.close()


async def _nothing_left(files: Files, collection: dict[str, Any]) -> None:
    """No record, no object, no journal row: for a while, since the server may still be reading."""
    for _ in range(10):
        records = (await files.admin.get(f"/api/collections/{collection['name']}/records")).json()
        assert records["totalItems"] == 0
        assert await files.keys(collection) == set()
        assert await files.journal(collection) == []
        await asyncio.sleep(0.2)


async def _docs(files: Files, **options: Any) -> dict[str, Any]:
    return await files.collection(
        "hostile", [{"name": "f", "type": "file", "maxSelect": 9, "maxSize": 50_000_000, **options}]
    )


@pytest.mark.parametrize(
    ("filename", "pattern"),
    [
        ("../../etc/passwd", r"passwd_[a-z0-9]{10}\.txt"),
        ("..\\..\\boot.ini", r"boot_[a-z0-9]{10}\.ini"),
        ("nul\x00byte.txt", r"nul_byte_[a-z0-9]{10}\.txt"),
        ("a" * 300 + ".txt", r"a{100}_[a-z0-9]{10}\.txt"),
        ("shell.php.jpg", r"shell_php_[a-z0-9]{10}\.jpg"),
        ("/absolute/path.png", r"path_[a-z0-9]{10}\.png"),
        ('quote".txt', r"quote_[a-z0-9]{10}\.txt"),
    ],
)
async def test_hostile_filenames(files: Files, filename: str, pattern: str) -> None:
    collection = await _docs(files)
    body = _multipart([("f", filename, b"hello")])
    answer = await _raw(files, f"/api/collections/{collection['name']}/records", body)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    records = (await files.admin.get(f"/api/collections/{collection['name']}/records")).json()["items"]
    (name,) = records[0]["f"]
    assert re.fullmatch(pattern, name), name
    assert await files.keys(collection) == {f"{collection['id']}/{records[0]['id']}/{name}"}
    served = await files.admin.get(f"/api/files/{collection['name']}/{records[0]['id']}/{name}")
    assert served.headers["content-disposition"] == f'attachment; filename="{name}"'
    if files.backend == "local":
        data_dir = files.server.settings.data_dir
        assert all(path.is_relative_to(data_dir / "storage") for path in data_dir.rglob("*") if path.is_file())


async def test_png_header_on_html(files: Files) -> None:
    collection = await _docs(files, mimeTypes=["image/png"])
    url = f"/api/collections/{collection['name']}/records"
    polyglot = png(1, 1) + b"<html><script>alert(document.cookie)</script></html>"
    response = await files.admin.post(url, files=[("f", ("x.html", polyglot, "text/html"))])
    assert response.status_code == 200  # it is a PNG: served as an inert image in a sandbox
    record = response.json()
    served = await files.admin.get(f"/api/files/{collection['name']}/{record['id']}/{record['f'][0]}")
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    disguised = await files.admin.post(url, files=[("f", ("x.png", b"<html><script>1</script></html>", "image/png"))])
    assert disguised.status_code == 400
    assert disguised.json()["data"]["f"]["code"] == "validation_invalid_mime_type"


async def test_zero_byte_file(files: Files) -> None:
    collection = await _docs(files)
    response = await files.admin.post(
        f"/api/collections/{collection['name']}/records", files=[("f", ("empty.txt", b"", "text/plain"))]
    )
    assert response.status_code == 200
    record = response.json()
    url = f"/api/files/{collection['name']}/{record['id']}/{record['f'][0]}"
    served = await files.admin.get(url, headers={"Range": "bytes=0-10"})
    assert served.status_code == 200
    assert served.content == b""
    assert served.headers["content-length"] == "0"


async def test_upload_aborted_half_way(files: Files) -> None:
    collection = await _docs(files)
    body = _multipart([("f", "big.bin", b"\x01" * 3_000_000)])
    await _raw(files, f"/api/collections/{collection['name']}/records", body, send=len(body) // 2)
    await _nothing_left(files, collection)


async def test_content_length_larger_than_the_body(files: Files) -> None:
    collection = await _docs(files)
    body = _multipart([("f", "a.txt", b"a" * 100_000)])
    await _raw(files, f"/api/collections/{collection['name']}/records", body, length=len(body) + 5000, send=len(body))
    await _nothing_left(files, collection)


async def test_content_length_smaller_than_the_body(files: Files) -> None:
    collection = await _docs(files)
    body = _multipart([("f", "a.txt", b"a" * 100_000)])
    answer = await _raw(files, f"/api/collections/{collection['name']}/records", body, length=len(body) - 500)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    await _nothing_left(files, collection)


async def test_declared_length_over_the_limit_is_refused_before_reading(files: Files) -> None:
    collection = await files.collection("small", [{"name": "f", "type": "file", "maxSize": 1000}])
    limit = files.server.settings.max_body_size + 1000
    answer = await _raw(files, f"/api/collections/{collection['name']}/records", b"x" * 10, length=limit + 1, wait=5)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    await _nothing_left(files, collection)


async def test_malformed_multipart(files: Files) -> None:
    collection = await _docs(files)
    url = f"/api/collections/{collection['name']}/records"
    unterminated = _multipart([("f", "a.txt", b"abc")]).removesuffix(f"--{BOUNDARY}--\r\n".encode())
    answer = await _raw(files, url, unterminated)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    answer = await _raw(files, url, b"this is not multipart at all")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    async with httpx.AsyncClient(base_url=files.server.url, headers=dict(files.admin.headers)) as client:
        no_boundary = await client.post(url, content=b"x", headers={"Content-Type": "multipart/form-data"})
        assert no_boundary.status_code == 400
    await _nothing_left(files, collection)
