"""The journal protocol and the garbage collector, on both backends (baas.files.journal, baas.files.gc).

The two promises: a committed record never points at a missing file, and nothing unreferenced
stays behind for good.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from baas.files import journal
from baas.files.gc import scan
from baas.files.uploads import Upload
from tests.files.conftest import Files

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _upload(content: bytes = b"data") -> Upload:
    return Upload(key="f", filename="x.txt", size=len(content), head=content, file=io.BytesIO(content))


async def _backdate(files: Files, key: str, seconds: int) -> None:
    async with files.server.runtime.engine.begin() as connection:
        await connection.exec_driver_sql(
            "UPDATE baas.file_journal SET created = now() - make_interval(secs => $1) WHERE key = $2",
            (seconds, key),
        )


async def _record_with_file(files: Files) -> tuple[dict[str, Any], dict[str, Any], str]:
    collection = await files.collection("gc", [{"name": "f", "type": "file", "maxSelect": 3}])
    record = (
        await files.admin.post(
            f"/api/collections/{collection['name']}/records", files=[("f", ("kept.txt", b"kept", "text/plain"))]
        )
    ).json()
    return collection, record, f"{collection['id']}/{record['id']}/{record['f'][0]}"


async def test_a_swept_upload_cannot_be_claimed(files: Files) -> None:
    collection, record, _key = await _record_with_file(files)
    store, engine = files.server.runtime.files, files.server.runtime.engine
    key = f"{collection['id']}/{record['id']}/late_0123456789.txt"
    await store.stage(key, _upload())
    assert await journal.doom_expired(engine, 0) >= 1
    with pytest.raises(journal.UploadExpiredError):
        async with engine.begin() as connection:
            await journal.claim(connection, [key])
    await store.sweep(3600)
    assert key not in await files.keys(collection)
    assert await files.journal(collection) == []


async def test_a_claimed_upload_survives_a_discard(files: Files) -> None:
    # The commit succeeded but the request believes it failed (say the acknowledgement was lost).
    collection, record, _key = await _record_with_file(files)
    store, engine = files.server.runtime.files, files.server.runtime.engine
    key = f"{collection['id']}/{record['id']}/claimed_0123456789.txt"
    await store.stage(key, _upload())
    async with engine.begin() as connection:
        await journal.claim(connection, [key])
    await store.discard([key])
    assert key in await files.keys(collection)


async def test_sweep(files: Files) -> None:
    collection, record, referenced = await _record_with_file(files)
    store = files.server.runtime.files
    prefix = f"{collection['id']}/{record['id']}"
    old, fresh, doomed = f"{prefix}/old_0123456789.txt", f"{prefix}/fresh_0123456789.txt", f"{prefix}/doomed_01.txt"
    for key in (old, fresh, doomed):
        await store.stage(key, _upload())
    await _backdate(files, old, 7200)
    async with files.server.runtime.engine.begin() as connection:
        await journal.doom(connection, [doomed])
    report = await store.sweep(3600)
    assert report.expired >= 1
    assert report.deleted >= 2
    assert await files.keys(collection) == {referenced, fresh}
    assert await files.journal(collection) == [(fresh, False)]


async def test_scan_deletes_only_unreferenced_old_objects(files: Files) -> None:
    collection, record, referenced = await _record_with_file(files)
    runtime = files.server.runtime
    storage = runtime.files.storage
    prefix = f"{collection['id']}/{record['id']}"
    orphan = f"{prefix}/orphan_0123456789.txt"
    orphan_thumb = f"{prefix}/thumbs_gone_0123456789.png/100x100_gone_0123456789.png"
    kept_thumb = f"{prefix}/thumbs_{record['f'][0]}/100x100_{record['f'][0]}"
    deleted_collection = "pbc_999999999/abcdefghijklmno/x_0123456789.txt"
    foreign = f"not-ours-{collection['id']}/readme.txt"
    pending = f"{prefix}/pending_0123456789.txt"
    for key in (orphan, orphan_thumb, kept_thumb, deleted_collection, foreign):
        await storage.put(key, io.BytesIO(b"x"), 1, "text/plain")
    await runtime.files.stage(pending, _upload())

    young = await scan(runtime.engine, runtime.registry.schema, storage, 3600)
    assert young.deleted == []

    report = await scan(runtime.engine, runtime.registry.schema, storage, 0)
    assert {orphan, orphan_thumb, deleted_collection} <= set(report.deleted)
    remaining = {info.key async for info in storage.list("")}
    assert {referenced, kept_thumb, pending, foreign} <= remaining
    assert not {orphan, orphan_thumb, deleted_collection} & remaining
    await storage.delete(foreign)


async def _two_fields(files: Files) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    fields = [{"name": "a", "type": "file"}, {"name": "b", "type": "file", "maxSelect": 5}]
    collection = await files.collection("dropped", fields)
    records = []
    for index in range(3):
        parts = [
            ("a", (f"a{index}.txt", b"a", "text/plain")),
            ("b", ("b1.txt", b"b", "x")),
            ("b", ("b2.txt", b"b", "x")),
        ]
        response = await files.admin.post(f"/api/collections/{collection['name']}/records", files=parts)
        assert response.status_code == 200, response.text
        records.append(response.json())
    return collection, records


async def test_a_dropped_file_field_takes_its_files(files: Files) -> None:
    collection, records = await _two_fields(files)
    assert len(await files.keys(collection)) == 9
    kept = [field for field in collection["fields"] if field["name"] != "a"]
    response = await files.admin.patch(f"/api/collections/{collection['id']}", json={"fields": kept})
    assert response.status_code == 200, response.text
    doomed = {key for key, is_doomed in await files.journal(collection) if is_doomed}
    assert doomed == {f"{collection['id']}/{r['id']}/{r['a']}" for r in records}
    await files.sweep()
    assert await files.keys(collection) == {f"{collection['id']}/{r['id']}/{name}" for r in records for name in r["b"]}
    assert await files.journal(collection) == []


async def test_a_deleted_collection_takes_its_files(files: Files) -> None:
    collection, _records = await _two_fields(files)
    assert (await files.admin.delete(f"/api/collections/{collection['id']}")).status_code == 204
    assert len([key for key, is_doomed in await files.journal(collection) if is_doomed]) == 9
    await files.sweep()
    assert await files.keys(collection) == set()


async def test_a_failed_schema_change_dooms_nothing(files: Files) -> None:
    collection, _records = await _two_fields(files)
    view = {"name": f"v_{collection['name']}", "type": "view", "viewQuery": f"SELECT id, a FROM {collection['name']}"}
    assert (await files.admin.post("/api/collections", json=view)).status_code == 200
    kept = [field for field in collection["fields"] if field["name"] != "a"]
    refused = await files.admin.patch(f"/api/collections/{collection['id']}", json={"fields": kept})
    assert refused.status_code == 400, "the view reads the field"
    assert await files.journal(collection) == []
    assert len(await files.keys(collection)) == 9
