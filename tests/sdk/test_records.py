"""Records through the SDK (sync and async) against baas and PocketBase: CRUD, paging, expand,
fields, errors."""

from __future__ import annotations

from typing import Any

import baas_sdk
import pytest

from tests.sdk.conftest import make_collection

FIELDS = [
    {"name": "title", "type": "text", "required": True},
    {"name": "views", "type": "number"},
    {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
]


async def test_create_view_update_delete(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    posts = api.collection(name)
    created = await posts.create({"title": "hello", "views": 2, "tags": ["a"]})
    assert created["title"] == "hello"
    assert created["collectionName"] == name
    assert (await posts.get_one(created["id"]))["views"] == 2
    updated = await posts.update(created["id"], {"views+": 3, "tags+": "b"})
    assert updated["views"] == 5
    assert updated["tags"] == ["a", "b"]
    picked = await posts.get_one(created["id"], fields="id,title")
    assert set(picked) == {"id", "title"}
    await posts.delete(created["id"])
    with pytest.raises(baas_sdk.NotFoundError) as caught:
        await posts.get_one(created["id"])
    assert caught.value.status == 404
    assert caught.value.url.endswith(created["id"])


async def test_paging_sorting_and_filters(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    posts = api.collection(name)
    for i in range(7):
        await posts.create({"title": f"post {i}", "views": i})
    page = await posts.get_list(2, 3, sort="-views", filter="views >= 1")
    assert (page.page, page.per_page, page.total_items, page.total_pages) == (2, 3, 6, 2)
    assert [item["views"] for item in page.items] == [3, 2, 1]
    skipped = await posts.get_list(1, 2, skip_total=True)
    assert (skipped.total_items, skipped.total_pages) == (-1, -1)
    everything = await posts.get_full_list(batch=2, sort="views")
    assert [item["views"] for item in everything] == list(range(7))
    first = await posts.get_first_list_item(api.filter("title = {:t}", t="post 4"))
    assert first["views"] == 4
    with pytest.raises(baas_sdk.NotFoundError):
        await posts.get_first_list_item("title = 'nothing'")


async def test_iterate_pages_lazily(sync_admin: baas_sdk.Client, async_admin: baas_sdk.AsyncClient) -> None:
    name = await make_collection(async_admin, FIELDS)
    await async_admin.collection(name).import_records([{"title": f"t{i}", "views": i} for i in range(11)], chunk=11)
    sync_seen = iter(sync_admin.collection(name).iterate(batch=4, sort="views"))
    assert next(sync_seen)["views"] == 0  # the first page is fetched, the rest waits
    assert [r["views"] for r in sync_seen] == list(range(1, 11))
    async_seen = [r["views"] async for r in async_admin.collection(name).iterate(batch=4, sort="-views")]
    assert async_seen == list(range(10, -1, -1))


async def test_expand_relations(api: Any) -> None:
    authors = await make_collection(api, [{"name": "name", "type": "text"}])
    author_id = (await api.collections.get_one(authors))["id"]
    books = await make_collection(api, [
        {"name": "title", "type": "text"},
        {"name": "author", "type": "relation", "collectionId": author_id, "maxSelect": 1},
    ])
    ada = await api.collection(authors).create({"name": "Ada"})
    book = await api.collection(books).create({"title": "Notes", "author": ada["id"]}, expand="author")
    assert book["expand"]["author"]["name"] == "Ada"
    listed = await api.collection(books).get_list(expand="author", fields="title,expand.author.name")
    assert listed.items == [{"title": "Notes", "expand": {"author": {"name": "Ada"}}}]


async def test_validation_errors_carry_field_codes(api: Any) -> None:
    name = await make_collection(api, FIELDS)
    with pytest.raises(baas_sdk.BadRequestError) as caught:
        await api.collection(name).create({"views": 1})
    error = caught.value
    assert error.status == 400
    assert error.message == "Failed to create record."
    assert error.field_errors() == {"title": "validation_required"}
    assert error.data["title"]["code"] == "validation_required"


async def test_rules_deny_as_pocketbase_does(api: Any, target: Any) -> None:
    name = await make_collection(api, FIELDS, listRule=None, viewRule="views > 100")
    record = await api.collection(name).create({"title": "secret"})
    async with baas_sdk.AsyncClient(target.url) as guest:
        with pytest.raises(baas_sdk.ForbiddenError):
            await guest.collection(name).get_list()
        with pytest.raises(baas_sdk.NotFoundError):
            await guest.collection(name).get_one(record["id"])
    with pytest.raises(baas_sdk.UnauthorizedError):
        await guest_client_call(target.url)


async def guest_client_call(url: str) -> None:
    async with baas_sdk.AsyncClient(url) as guest:
        await guest.collection("users").auth_refresh()
