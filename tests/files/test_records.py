"""Files through the records API, on both backends: uploads, modifiers, deletes, cascades, batch.

After every write the storage must hold exactly the files the records reference (plus thumbs) and the
journal must be empty: nothing lost, nothing left behind.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.files.conftest import Files, png

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOCS = [
    {"name": "title", "type": "text"},
    {"name": "docs", "type": "file", "maxSelect": 5, "maxSize": 1000, "thumbs": ["20x20"]},
    {"name": "one", "type": "file", "maxSelect": 1, "mimeTypes": ["image/png", "image/jpeg"]},
]


async def _setup(files: Files) -> dict[str, Any]:
    return await files.collection("docs", DOCS)


def _url(collection: dict[str, Any], record_id: str = "") -> str:
    return f"/api/collections/{collection['name']}/records" + (f"/{record_id}" if record_id else "")


async def _create(
    files: Files, collection: dict[str, Any], parts: list[tuple[str, tuple[str, bytes, str]]], **data: Any
) -> dict[str, Any]:
    response = await files.admin.post(_url(collection), data=data, files=parts)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _expect_exactly(files: Files, collection: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """The storage holds exactly these records' files (thumbs aside) and the journal is settled."""
    wanted = {
        f"{collection['id']}/{record['id']}/{name}"
        for record in records
        for field in ("docs", "one")
        for name in ([record[field]] if isinstance(record[field], str) else record[field])
        if name
    }
    stored = {key for key in await files.keys(collection) if "/thumbs_" not in key}
    assert stored == wanted
    assert await files.journal(collection) == []


def _txt(name: str, content: bytes = b"hello") -> tuple[str, tuple[str, bytes, str]]:
    return ("docs", (name, content, "text/plain"))


async def test_create_stores_files_under_sanitised_names(files: Files) -> None:
    collection = await _setup(files)
    record = await _create(
        files,
        collection,
        [
            _txt("a b.txt", b"first"),
            ("docs", ("x.bin", b"\x00\x01", "x/y")),
            ("one", ("cover.png", png(4, 4), "image/png")),
        ],
        title="t",
    )
    assert re.fullmatch(r"a_b_[a-z0-9]{10}\.txt", record["docs"][0])
    assert record["one"].startswith("cover_")
    await _expect_exactly(files, collection, [record])
    key = f"{collection['id']}/{record['id']}/{record['docs'][0]}"
    assert await files.read(key) == b"first"
    response = await files.admin.get(f"/api/files/{collection['name']}/{record['id']}/{record['docs'][1]}")
    assert response.content == b"\x00\x01"


@pytest.mark.parametrize(
    ("body", "parts", "expected"),
    [
        # A plain key with uploads and no names replaces; with names it keeps them (PocketBase).
        ({}, [_txt("new.txt")], ["new"]),
        ({"docs": "KEEP0"}, [_txt("new.txt")], ["old0", "new"]),
        ({}, [("docs+", ("new.txt", b"n", "text/plain"))], ["old0", "old1", "new"]),
        ({}, [("+docs", ("new.txt", b"n", "text/plain"))], ["new", "old0", "old1"]),
        ({"docs-": "KEEP0"}, [], ["old1"]),
        ({"docs": ""}, [], []),
        ({"docs": "[]"}, [], []),
    ],
)
async def test_update_modifiers(files: Files, body: dict[str, str], parts: list[Any], expected: list[str]) -> None:
    collection = await _setup(files)
    record = await _create(files, collection, [_txt("old0.txt"), _txt("old1.txt")])
    data = {key: value.replace("KEEP0", record["docs"][0]) for key, value in body.items()}
    response = await files.admin.patch(_url(collection, record["id"]), data=data, files=parts or None)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert [name.split("_")[0] for name in updated["docs"]] == expected
    await _expect_exactly(files, collection, [updated])


@pytest.mark.parametrize("value", [None, [], ""])
async def test_setting_empty_deletes(files: Files, value: Any) -> None:
    collection = await _setup(files)
    record = await _create(files, collection, [_txt("a.txt"), ("one", ("p.png", png(2, 2), "image/png"))])
    thumb = await files.admin.get(f"/api/files/{collection['name']}/{record['id']}/{record['one']}?thumb=100x100")
    assert thumb.status_code == 200
    response = await files.admin.patch(_url(collection, record["id"]), json={"docs": value, "one": value})
    assert response.status_code == 200, response.text
    assert response.json()["docs"] == []
    assert response.json()["one"] == ""
    assert await files.keys(collection) == set()  # thumbs included
    old = await files.admin.get(f"/api/files/{collection['name']}/{record['id']}/{record['docs'][0]}")
    assert old.status_code == 404
    await _expect_exactly(files, collection, [])


async def test_single_file_field_keeps_the_last_upload(files: Files) -> None:
    collection = await _setup(files)
    record = await _create(
        files,
        collection,
        [("one", ("first.png", png(2, 2), "image/png")), ("one", ("second.png", png(3, 3), "image/png"))],
    )
    assert record["one"].startswith("second_")
    await _expect_exactly(files, collection, [record])


@pytest.mark.parametrize(
    ("parts", "json_body", "field", "code"),
    [
        ([_txt(f"f{i}.txt") for i in range(6)], None, "docs", "validation_too_many_files"),
        ([_txt("big.txt", b"x" * 1001)], None, "docs", "validation_file_size_limit"),
        ([("one", ("h.png", b"<html>x</html>", "image/png"))], None, "one", "validation_invalid_mime_type"),
        ([], {"docs": ["fake_0123456789.txt"]}, "docs", "validation_invalid_file"),
    ],
)
async def test_invalid_uploads_store_nothing(
    files: Files, parts: list[Any], json_body: Any, field: str, code: str
) -> None:
    collection = await _setup(files)
    if json_body is not None:
        response = await files.admin.post(_url(collection), json=json_body)
    else:
        response = await files.admin.post(_url(collection), files=parts)
    assert response.status_code == 400, response.text
    assert response.json()["data"][field]["code"] == code
    assert await files.keys(collection) == set()
    assert await files.journal(collection) == []


async def test_error_messages_match_pocketbase(files: Files) -> None:
    collection = await _setup(files)
    response = await files.admin.post(_url(collection), files=[_txt("big.bin", b"x" * 1001)])
    assert response.json()["data"]["docs"] == {
        "code": "validation_file_size_limit",
        "message": "Failed to upload big.bin - the maximum allowed file size is 1000 bytes.",
        "params": {"file": "big.bin", "maxSize": 1000},
    }
    response = await files.admin.post(_url(collection), files=[_txt(f"f{i}.txt") for i in range(6)])
    assert response.json()["data"]["docs"]["message"] == "The maximum allowed files is 5"


async def test_rule_failures_store_nothing(files: Files) -> None:
    collection = await files.collection(
        "locked",
        [{"name": "f", "type": "file"}, {"name": "n", "type": "number"}],
        createRule="n > 5",
        updateRule="n > 5",
    )
    url = _url(collection)
    response = await files.admin.post(
        url, data={"n": "1"}, files=[("f", ("a.txt", b"a", "text/plain"))], headers={"Authorization": ""}
    )
    assert response.status_code == 400
    record = (await files.admin.post(url, data={"n": "1"})).json()
    response = await files.admin.patch(
        f"{url}/{record['id']}", files=[("f", ("a.txt", b"a", "text/plain"))], headers={"Authorization": ""}
    )
    assert response.status_code == 404
    assert await files.keys(collection) == set()
    assert await files.journal(collection) == []


async def test_unique_violation_after_staging_removes_the_upload(files: Files) -> None:
    collection = await _setup(files)
    first = await _create(files, collection, [_txt("a.txt")])
    response = await files.admin.post(_url(collection), data={"id": first["id"]}, files=[_txt("b.txt")])
    assert response.status_code == 400
    assert [key.rsplit("/", 1)[1] for key in await files.keys(collection)] == first["docs"]
    assert await files.journal(collection) == []


async def test_delete_and_cascade_delete_remove_files(files: Files) -> None:
    parent = await files.collection("parents", [{"name": "f", "type": "file"}])
    child = await files.collection(
        "children",
        [
            {"name": "f", "type": "file", "maxSelect": 2},
            {"name": "parent", "type": "relation", "collectionId": parent["id"], "cascadeDelete": True, "maxSelect": 1},
        ],
    )
    p = (await files.admin.post(_url(parent), files=[("f", ("p.png", png(4, 4), "x"))])).json()
    c = (
        await files.admin.post(_url(child), data={"parent": p["id"]}, files=[("f", ("c.txt", b"c", "text/plain"))])
    ).json()
    await files.admin.get(f"/api/files/{parent['name']}/{p['id']}/{p['f']}?thumb=100x100")
    assert len(await files.keys(parent, child)) == 3
    response = await files.admin.delete(_url(parent, p["id"]))
    assert response.status_code == 204
    assert await files.keys(parent, child) == set()
    assert await files.journal(parent, child) == []
    assert (await files.admin.get(f"/api/files/{child['name']}/{c['id']}/{c['f'][0]}")).status_code == 404


async def test_truncate_dooms_and_the_sweep_deletes(files: Files) -> None:
    collection = await _setup(files)
    record = await _create(files, collection, [_txt("a.txt")])
    response = await files.admin.delete(f"/api/collections/{collection['name']}/truncate")
    assert response.status_code == 204
    assert {doomed for _key, doomed in await files.journal(collection)} == {True}
    await files.sweep()
    assert await files.keys(collection) == set()
    assert await files.journal(collection) == []
    assert record["docs"]


async def test_json_payload_and_ignored_parts(files: Files) -> None:
    collection = await _setup(files)
    response = await files.admin.post(
        _url(collection),
        data={"@jsonPayload": '{"title": "from json"}'},
        files=[_txt("a.txt"), ("title", ("t.txt", b"t", "text/plain")), ("nope", ("n.txt", b"n", "text/plain"))],
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["title"] == "from json"
    assert len(record["docs"]) == 1
    await _expect_exactly(files, collection, [record])


async def test_batch_with_files(files: Files) -> None:
    collection = await _setup(files)
    existing = await _create(files, collection, [_txt("old.txt")])
    payload = {
        "requests": [
            {"method": "POST", "url": _url(collection), "body": {"title": "a"}},
            {"method": "PATCH", "url": _url(collection, existing["id"]), "body": {}},
            {"method": "PUT", "url": _url(collection), "body": {"id": "upsertedrecord1"}},
        ]
    }

    response = await files.admin.post(
        "/api/batch",
        data={"@jsonPayload": json.dumps(payload)},
        files=[
            ("requests.0.docs", ("one.txt", b"1", "text/plain")),
            ("requests[1].docs", ("two.txt", b"2", "text/plain")),
            ("requests.2.one", ("three.png", png(2, 2), "image/png")),
            ("requests.9.docs", ("ignored.txt", b"9", "text/plain")),
        ],
    )
    assert response.status_code == 200, response.text
    created, updated, upserted = (item["body"] for item in response.json())
    assert created["docs"][0].startswith("one_")
    assert [name.split("_")[0] for name in updated["docs"]] == ["two"]  # a plain key replaces
    assert upserted["id"] == "upsertedrecord1"
    assert upserted["one"].startswith("three_")
    await _expect_exactly(files, collection, [created, updated, upserted])

    failing = {
        "requests": [
            {"method": "POST", "url": _url(collection), "body": {}},
            {"method": "POST", "url": "/api/collections/nope_nope/records", "body": {}},
        ]
    }
    response = await files.admin.post(
        "/api/batch",
        data={"@jsonPayload": json.dumps(failing)},
        files=[("requests.0.docs", ("x.txt", b"x", "text/plain"))],
    )
    assert response.status_code == 400
    await _expect_exactly(files, collection, [created, updated, upserted])

    deleting = {"requests": [{"method": "DELETE", "url": _url(collection, created["id"])}]}
    response = await files.admin.post("/api/batch", json=deleting)
    assert response.status_code == 200, response.text
    await _expect_exactly(files, collection, [updated, upserted])


async def test_batch_file_errors_are_batch_failures(files: Files) -> None:
    collection = await _setup(files)

    payload = {"requests": [{"method": "POST", "url": _url(collection), "body": {}}]}
    response = await files.admin.post(
        "/api/batch",
        data={"@jsonPayload": json.dumps(payload)},
        files=[("requests.0.docs", ("big.bin", b"x" * 1001, "x/y"))],
    )
    assert response.status_code == 400
    inner = response.json()["data"]["requests"]["0"]["response"]
    assert inner["data"]["docs"]["code"] == "validation_file_size_limit"
    assert await files.keys(collection) == set()


async def test_an_invalid_upload_the_row_does_not_keep_is_ignored(files: Files) -> None:
    # A single-file field keeps the last upload: the invalid first one is never stored nor reported.
    collection = await _setup(files)
    record = await _create(
        files, collection, [("one", ("bad.png", b"<html>x</html>", "image/png")), ("one", ("good.png", png(2, 2), "x"))]
    )
    assert record["one"].startswith("good_")
    await _expect_exactly(files, collection, [record])
