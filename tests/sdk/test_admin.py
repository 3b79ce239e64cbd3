"""Collections, settings and health through the SDK, on baas and PocketBase."""

from __future__ import annotations

from typing import Any

import baas_sdk
import pytest

from tests.sdk.conftest import make_collection, unique


async def test_health(api: Any) -> None:
    body = await api.health()
    assert body["code"] == 200
    assert body["message"] == "API is healthy."


async def test_collections_crud(api: Any) -> None:
    name = await make_collection(api, [{"name": "title", "type": "text"}])
    one = await api.collections.get_one(name)
    assert one["name"] == name
    assert one["type"] == "base"
    changed = await api.collections.update(name, {"listRule": "title != ''"})
    assert changed["listRule"] == "title != ''"
    listed = await api.collections.get_list(1, 50, filter=api.filter("name = {:n}", n=name))
    assert [c["name"] for c in listed.items] == [name]
    assert name in {c["name"] for c in await api.collections.get_full_list(batch=2)}
    await api.collection(name).create({"title": "x"})
    await api.collections.truncate(name)
    assert (await api.collection(name).get_list()).total_items == 0
    scaffolds = await api.collections.get_scaffolds()
    assert set(scaffolds) >= {"auth", "base", "view"}
    await api.collections.delete(name)
    with pytest.raises(baas_sdk.NotFoundError):
        await api.collections.get_one(name)


async def test_collections_import(api: Any) -> None:
    first, second = unique(), unique()
    await api.collections.import_collections([
        {"name": first, "type": "base", "fields": [{"name": "a", "type": "text"}]},
        {"name": second, "type": "base", "fields": [{"name": "b", "type": "number"}]},
    ])
    assert (await api.collections.get_one(second))["fields"][-1]["name"] == "b"
    with pytest.raises(baas_sdk.BadRequestError) as caught:
        await api.collections.import_collections([{"name": first, "type": "nope"}])
    assert caught.value.status == 400


async def test_settings(api: Any) -> None:
    settings = await api.settings.get_all()
    assert settings["batch"]["enabled"] is True
    name = settings["meta"]["appName"]
    updated = await api.settings.update({"meta": {"appName": "sdk test"}})
    assert updated["meta"]["appName"] == "sdk test"
    await api.settings.update({"meta": {"appName": name}})
    with pytest.raises(baas_sdk.BadRequestError):
        await api.settings.update({"meta": {"appName": ""}})


async def test_collections_need_a_superuser(target: Any) -> None:
    async with baas_sdk.AsyncClient(target.url) as guest:
        with pytest.raises(baas_sdk.UnauthorizedError):
            await guest.collections.get_list()
