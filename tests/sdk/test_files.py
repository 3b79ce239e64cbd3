"""Files through the SDK: uploads as paths, bytes and file objects; URLs, thumbs, protected files."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import baas_sdk
import httpx
import pytest

from tests.sdk.conftest import Target, make_collection, servers

# a 2x2 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


@servers()
async def test_upload_download_and_delete_files(api: Any, target: Target, tmp_path: Path) -> None:
    name = await make_collection(api, [
        {"name": "title", "type": "text"},
        {"name": "docs", "type": "file", "maxSelect": 5, "maxSize": 1_000_000},
        {"name": "image", "type": "file", "maxSelect": 1, "maxSize": 1_000_000, "thumbs": ["1x1"]},
    ])
    path = tmp_path / "notes.txt"
    path.write_text("from a path")
    record = await api.collection(name).create({
        "title": "with files",
        "docs": [path, b"from bytes", io.BytesIO(b"from a file object"),
                 baas_sdk.File(b"named", filename="named.txt", content_type="text/plain")],
        "image": baas_sdk.File(PNG, filename="dot.png"),
    })
    assert record["title"] == "with files"
    assert len(record["docs"]) == 4
    contents = []
    async with httpx.AsyncClient() as http:
        for filename in record["docs"]:
            contents.append((await http.get(api.files.get_url(record, filename))).content)
        assert contents == [b"from a path", b"from bytes", b"from a file object", b"named"]
        download = await http.get(api.files.get_url(record, record["docs"][0], download=True))
        assert download.headers["content-disposition"].startswith("attachment")
        thumb = await http.get(api.files.get_url(record, record["image"], thumb="1x1"))
        assert thumb.status_code == 200
        assert thumb.content != PNG
    updated = await api.collection(name).update(record["id"], {"docs-": [record["docs"][0]], "docs+": b"appended"})
    assert len(updated["docs"]) == 4
    assert record["docs"][0] not in updated["docs"]
    assert api.files.get_url({}, "x") == ""


@servers()
async def test_protected_files_need_a_token(api: Any, target: Target) -> None:
    name = await make_collection(
        api, [{"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 1000, "protected": True}],
        viewRule=None,
    )
    record = await api.collection(name).create({"doc": baas_sdk.File(b"secret", filename="s.txt")})
    async with httpx.AsyncClient() as http:
        assert (await http.get(api.files.get_url(record, record["doc"]))).status_code == 404
        token = await api.files.get_token()
        answer = await http.get(api.files.get_url(record, record["doc"], token=token))
    assert answer.content == b"secret"


async def test_a_guest_cannot_get_a_file_token(target: Target) -> None:
    async with baas_sdk.AsyncClient(target.url) as guest:
        with pytest.raises(baas_sdk.UnauthorizedError):
            await guest.files.get_token()
