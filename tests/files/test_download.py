"""``GET /api/files/...`` on both backends: headers, caching, ranges, thumbs, protected files, tokens."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import httpx
import pytest
from PIL import Image

import baas.files.thumbnailer
from tests.files.conftest import Files, png

pytestmark = pytest.mark.asyncio(loop_scope="module")

PDF = b"%PDF-1.4\n" + b"x" * 200


async def _record(files: Files, **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    collection = await files.collection(
        "dl",
        [
            {
                "name": "f",
                "type": "file",
                "maxSelect": 9,
                "thumbs": ["20x20", "30x0", "0x10", "20x20f", "20x20t", "20x20b"],
                **options,
            },
        ],
        viewRule="@request.auth.id != ''",
    )
    parts = [
        ("f", ("pic.png", png(64, 48), "x")),
        ("f", ("notes.txt", b"0123456789" * 10, "x")),
        ("f", ("doc.pdf", PDF, "x")),
        ("f", ("page.html", b"<html><script>alert(1)</script></html>", "x")),
    ]
    response = await files.admin.post(f"/api/collections/{collection['name']}/records", files=parts)
    assert response.status_code == 200, response.text
    return collection, dict(response.json())


def _url(collection: dict[str, Any], record: dict[str, Any], index: int) -> str:
    return f"/api/files/{collection['name']}/{record['id']}/{record['f'][index]}"


async def test_headers(files: Files) -> None:
    collection, record = await _record(files)
    expectations = [
        (0, "image/png", "inline"),
        (1, "text/plain; charset=utf-8", "attachment"),
        (2, "application/pdf", "inline"),
        (3, "text/html; charset=utf-8", "attachment"),
    ]
    async with httpx.AsyncClient(base_url=files.server.url) as guest:  # not protected: anyone with the URL
        for index, content_type, kind in expectations:
            response = await guest.get(_url(collection, record, index))
            assert response.status_code == 200
            headers = response.headers
            assert headers["content-type"] == content_type
            assert headers["content-disposition"] == f'{kind}; filename="{record["f"][index]}"'
            assert headers["content-security-policy"] == (
                "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
            )
            assert headers["cache-control"] == "max-age=2592000, stale-while-revalidate=86400"
            assert headers["x-content-type-options"] == "nosniff"
            assert "x-frame-options" not in headers
            assert "x-baas-no-frame-options" not in headers
            assert re.fullmatch(r'"[^"]+"', headers["etag"])
            assert headers["accept-ranges"] == "bytes"
            assert int(headers["content-length"]) == len(response.content)
        forced = await guest.get(_url(collection, record, 0) + "?download=1")
        assert forced.headers["content-disposition"].startswith("attachment;")
        head = await guest.head(_url(collection, record, 2))
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(PDF))
        assert head.headers["content-type"] == "application/pdf"


async def test_conditional_requests(files: Files) -> None:
    collection, record = await _record(files)
    url = _url(collection, record, 1)
    first = await files.admin.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = await files.admin.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert (await files.admin.get(url, headers={"If-None-Match": '"other"'})).status_code == 200
    assert (await files.admin.get(url, headers={"If-Modified-Since": modified})).status_code == 304
    old = await files.admin.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert old.status_code == 200


@pytest.mark.parametrize(
    ("header", "status", "body", "content_range"),
    [
        ("bytes=0-9", 206, b"0123456789", "bytes 0-9/100"),
        ("bytes=95-", 206, b"56789", "bytes 95-99/100"),
        ("bytes=-3", 206, b"789", "bytes 97-99/100"),
        ("bytes=10-14", 206, b"01234", "bytes 10-14/100"),
        ("bytes=0-1,4-5", 200, b"0123456789" * 10, None),
        ("bytes=100-", 416, None, "bytes */100"),
        ("bytes=9-2", 416, None, "bytes */100"),
        ("bytes=zz", 416, None, "bytes */100"),
    ],
)
async def test_ranges(files: Files, header: str, status: int, body: bytes | None, content_range: str | None) -> None:
    collection, record = await _record(files)
    response = await files.admin.get(_url(collection, record, 1), headers={"Range": header})
    assert response.status_code == status, response.text
    if body is not None:
        assert response.content == body
    assert response.headers.get("content-range") == content_range
    if status == 416:
        assert response.json()["status"] == 416


async def test_missing_things_are_404(files: Files) -> None:
    collection, record = await _record(files)
    base = f"/api/files/{collection['name']}"
    for url in (
        f"{base}/{record['id']}/nope.png",
        f"{base}/nope/{record['f'][0]}",
        f"/api/files/nope_nope/{record['id']}/{record['f'][0]}",
        f"{base}/{record['id']}/..",
        f"{base}/{record['id']}/%2e%2e%2fx",
    ):
        response = await files.admin.get(url)
        assert response.status_code == 404, url
        assert response.json()["status"] == 404


@pytest.mark.parametrize(
    ("thumb", "size"),
    [
        ("20x20", (20, 20)),
        ("30x0", (30, 23)),
        ("0x10", (13, 10)),
        ("20x20f", (20, 15)),
        ("20x20t", (20, 20)),
        ("20x20b", (20, 20)),
        ("100x100", (100, 100)),
    ],
)
async def test_thumbs(files: Files, thumb: str, size: tuple[int, int]) -> None:
    collection, record = await _record(files)
    response = await files.admin.get(_url(collection, record, 0) + f"?thumb={thumb}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == f'inline; filename="{thumb}_{record["f"][0]}"'
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == size
    key = f"{collection['id']}/{record['id']}/thumbs_{record['f'][0]}/{thumb}_{record['f'][0]}"
    assert key in await files.keys(collection)


async def test_thumb_edge_cases(files: Files) -> None:
    collection, record = await _record(files)
    undeclared = await files.admin.get(_url(collection, record, 0) + "?thumb=10x10")
    assert undeclared.status_code == 400
    assert undeclared.json()["data"]["thumb"]["code"] == "validation_invalid_thumb"
    not_an_image = await files.admin.get(_url(collection, record, 1) + "?thumb=100x100")
    assert not_an_image.status_code == 200
    assert not_an_image.content == b"0123456789" * 10
    assert not [key for key in await files.keys(collection) if "/thumbs_" in key]


async def test_concurrent_requests_generate_a_thumb_once(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    collection, record = await _record(files)
    calls = []
    original = baas.files.thumbnailer.render

    def counting(*args: Any) -> bytes:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(baas.files.thumbnailer, "render", counting)
    url = _url(collection, record, 0) + "?thumb=20x20"
    responses = await asyncio.gather(*[files.admin.get(url) for _ in range(8)])
    assert {response.status_code for response in responses} == {200}
    assert len({response.content for response in responses}) == 1
    assert len(calls) == 1


async def test_a_decompression_bomb_serves_the_original(files: Files) -> None:
    from tests.files.test_thumbs import _bomb

    collection = await files.collection("bomb", [{"name": "f", "type": "file", "maxSize": 10_000_000}])
    bomb = _bomb(20000, 20000)
    record = (
        await files.admin.post(
            f"/api/collections/{collection['name']}/records", files=[("f", ("bomb.png", bomb, "image/png"))]
        )
    ).json()
    url = f"/api/files/{collection['name']}/{record['id']}/{record['f']}?thumb=100x100"
    response = await asyncio.wait_for(files.admin.get(url), timeout=20)
    assert response.status_code == 200
    assert response.content == bomb
    assert not [key for key in await files.keys(collection) if "/thumbs_" in key]


async def _user(files: Files, email: str) -> tuple[str, str]:
    password = "password123"
    response = await files.admin.post(
        "/api/collections/users/records", json={"email": email, "password": password, "passwordConfirm": password}
    )
    assert response.status_code == 200, response.text
    response = await files.admin.post(
        "/api/collections/users/auth-with-password",
        json={"identity": email, "password": password},
        headers={"Authorization": ""},
    )
    return response.json()["record"]["id"], response.json()["token"]


async def test_protected_files(files: Files) -> None:
    collection = await files.collection(
        "secret",
        [
            {"name": "f", "type": "file", "protected": True},
            {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        ],
        viewRule="owner = @request.auth.id",
    )
    suffix = collection["name"]
    alice, alice_token = await _user(files, f"alice-{suffix}@example.com")
    _bob, bob_token = await _user(files, f"bob-{suffix}@example.com")
    record = (
        await files.admin.post(
            f"/api/collections/{collection['name']}/records",
            data={"owner": alice},
            files=[("f", ("secret.txt", b"top secret", "text/plain"))],
        )
    ).json()
    url = f"/api/files/{collection['name']}/{record['id']}/{record['f']}"
    async with httpx.AsyncClient(base_url=files.server.url) as guest:
        assert (await guest.get(url)).status_code == 404
        assert (await guest.post("/api/files/token")).status_code == 401
        alice_file = (await guest.post("/api/files/token", headers={"Authorization": alice_token})).json()["token"]
        bob_file = (await guest.post("/api/files/token", headers={"Authorization": bob_token})).json()["token"]
        superuser_file = (await files.admin.post("/api/files/token")).json()["token"]
        ok = await guest.get(url, params={"token": alice_file})
        assert ok.status_code == 200
        assert ok.content == b"top secret"
        assert (await guest.get(url, params={"token": bob_file})).status_code == 404
        assert (await guest.get(url, params={"token": superuser_file})).status_code == 200
        # An auth token is no file token.
        assert (await guest.get(url, params={"token": alice_token})).status_code == 404
        assert (await guest.get(url, params={"token": alice_file[:-3] + "abc"})).status_code == 404
        # The auth token in the header does not open protected files either (PocketBase).
        assert (await guest.get(url, headers={"Authorization": alice_token})).status_code == 404


async def test_protected_file_of_a_public_record_is_served(files: Files) -> None:
    collection = await files.collection("public", [{"name": "f", "type": "file", "protected": True}])
    record = (
        await files.admin.post(
            f"/api/collections/{collection['name']}/records", files=[("f", ("p.txt", b"p", "text/plain"))]
        )
    ).json()
    async with httpx.AsyncClient(base_url=files.server.url) as guest:
        assert (await guest.get(f"/api/files/{collection['name']}/{record['id']}/{record['f']}")).status_code == 200


async def test_file_token_claims(files: Files) -> None:
    import jwt

    token = (await files.admin.post("/api/files/token")).json()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["type"] == "file"
    assert set(claims) == {"collectionId", "exp", "id", "type"}


async def _view(files: Files, name: str, query: str, **rules: Any) -> str:
    body = {"name": name, "type": "view", "viewQuery": query, "listRule": "", "viewRule": "", **rules}
    response = await files.admin.post("/api/collections", json=body)
    assert response.status_code == 200, response.text
    return name


async def test_files_of_view_collections(files: Files) -> None:
    """A view serves the files of the records it reads (PocketBase: ``FindRecordByViewFile``)."""
    collection, record = await _record(files)
    source = collection["name"]
    view = await _view(files, f"v_{source}", f"SELECT id, f AS pictures FROM {source}")
    nested = await _view(files, f"vv_{source}", f"SELECT id, pictures AS shown FROM v_{source}")
    picture = record["f"][0]
    async with httpx.AsyncClient(base_url=files.server.url) as guest:
        for name in (view, nested):
            response = await guest.get(f"/api/files/{name}/{record['id']}/{picture}")
            assert response.status_code == 200, (name, response.text)
            assert response.content == png(64, 48)
            assert response.headers["content-type"] == "image/png"
            thumb = await guest.get(f"/api/files/{name}/{record['id']}/{picture}", params={"thumb": "20x20"})
            assert Image.open(io.BytesIO(thumb.content)).size == (20, 20), "the thumb sizes come with the field"
            assert (await guest.get(f"/api/files/{name}/{record['id']}/nope_abcdefghij.png")).status_code == 404
            assert (await guest.get(f"/api/files/{name}/nope/{picture}")).status_code == 404
    _other, other_record = await _record(files)
    elsewhere = other_record["f"][0]
    async with httpx.AsyncClient(base_url=files.server.url) as guest:
        # a file of a record the view does not show is not served through it
        assert (await guest.get(f"/api/files/{view}/{record['id']}/{elsewhere}")).status_code == 404


async def test_protected_files_of_a_view_follow_the_views_rule(files: Files) -> None:
    collection = await files.collection("psrc", [{"name": "f", "type": "file", "protected": True}], viewRule=None)
    record = (
        await files.admin.post(
            f"/api/collections/{collection['name']}/records", files=[("f", ("s.txt", b"shh", "text/plain"))]
        )
    ).json()
    view = await _view(
        files, f"v_{collection['name']}", f"SELECT id, f FROM {collection['name']}", viewRule="@request.auth.id != ''"
    )
    _user_id, user_token = await _user(files, f"viewer-{collection['name']}@example.com")
    url = f"/api/files/{view}/{record['id']}/{record['f']}"
    async with httpx.AsyncClient(base_url=files.server.url) as guest:
        assert (await guest.get(url)).status_code == 404
        token = (await guest.post("/api/files/token", headers={"Authorization": user_token})).json()["token"]
        opened = await guest.get(url, params={"token": token})
        assert (opened.status_code, opened.content) == (200, b"shh")
        # the source collection's own (locked) rule still guards its own URL
        source_url = f"/api/files/{collection['name']}/{record['id']}/{record['f']}"
        assert (await guest.get(source_url, params={"token": token})).status_code == 404
