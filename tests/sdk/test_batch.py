"""Batch requests and bulk import through the SDK, on baas and PocketBase."""

from __future__ import annotations

from typing import Any

import baas_sdk
import pytest

from tests.sdk.conftest import make_collection

FIELDS = [{"name": "title", "type": "text", "required": True}, {"name": "n", "type": "number", "onlyInt": True}]


async def test_batch_builder(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    existing = await api.collection(name).create({"title": "old"})
    batch = api.batch()
    posts = batch.collection(name)
    posts.create({"title": "one"}, fields="title")
    posts.update(existing["id"], {"n": 5})
    posts.upsert({"id": "upsertedrecord1", "title": "up"})
    posts.delete(existing["id"])
    results = await batch.send()
    assert [r.status for r in results] == [200, 200, 200, 204]
    assert results[0].body == {"title": "one"}
    assert results[1].body["n"] == 5
    assert results[3].body is None
    assert {r["title"] for r in await api.collection(name).get_full_list()} == {"one", "up"}


async def test_a_failing_batch_rolls_back(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    batch = api.batch()
    batch.collection(name).create({"title": "fine"})
    batch.collection(name).create({"n": 1})
    with pytest.raises(baas_sdk.BadRequestError) as caught:
        await batch.send()
    failure = caught.value.data["requests"]["1"]
    assert failure["code"] == "batch_request_failed"
    assert failure["response"]["data"]["title"]["code"] == "validation_required"
    assert (await api.collection(name).get_list()).total_items == 0


async def test_import_records_reports_every_failed_row(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    rows = [{"title": f"row {i}", "n": i} for i in range(23)]
    rows[3] = {"n": 3}  # no title
    rows[4] = {"title": "decimal", "n": 1.5}
    rows[20] = {"n": 20}
    seen: list[tuple[int, int, int]] = []
    report = await api.collection(name).import_records(
        iter(rows), chunk=8, progress=lambda r: seen.append((r.processed, r.created, len(r.failed)))
    )
    assert [failure.index for failure in report.failed] == [3, 4, 20]
    assert report.failed[0].data["title"]["code"] == "validation_required"
    assert report.failed[1].data["n"]["code"] == "validation_only_int_constraint"
    assert report.failed[2].row == {"n": 20}
    assert (report.processed, report.created, report.ok) == (23, 20, False)
    assert seen == [(8, 6, 2), (16, 14, 2), (23, 20, 3)]
    assert "row 3: 400" in report.summary()
    stored = await api.collection(name).get_full_list(sort="n")
    assert [r["n"] for r in stored] == [i for i in range(23) if i not in (3, 4, 20)]


async def test_import_upserts(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    first = await api.collection(name).import_records([{"id": "importedrow0001", "title": "a"}])
    again = await api.collection(name).import_records([{"id": "importedrow0001", "title": "b"}], upsert=True)
    assert first.ok
    assert again.ok
    assert again.created == 1
    assert (await api.collection(name).get_one("importedrow0001"))["title"] == "b"
