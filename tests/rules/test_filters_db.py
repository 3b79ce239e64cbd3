"""The filter language end to end: PocketBase's captured filter table run through baas's HTTP API.

Same data set (``tests/rules/conftest.py``), same requests, same viewers; the matching records are compared
by their ``code`` (items) or ``name`` (users), errors by their exact body. One GET per row.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.conftest import DEFAULT_USERS_RULE, ITEMS, World
from tests.rules.pocketbase_filters import SECTIONS, USERS, ApiError, F, U

pytestmark = pytest.mark.asyncio(loop_scope="module")

CODES = {item["id"]: item["code"] for item in ITEMS}


def _case_id(section: int, number: int, row: F | U) -> str:
    text = row.filter if len(row.filter) <= 60 else f"{row.filter[:40]}...<{len(row.filter)} chars>"
    return f"{section}.{number} {row.viewer}: {text}"


def _params(sections: dict[int, list[Any]]) -> list[Any]:
    return [
        pytest.param(row, id=_case_id(section, number, row))
        for section, rows in sections.items()
        for number, row in enumerate(rows, start=1)
    ]


def _check(response: Any, expect: str | ApiError, key: str, keys: dict[str, str] | None, where: str) -> None:
    assert response.status_code != 500, where
    if isinstance(expect, ApiError):
        assert (response.status_code, response.json()) == (expect.status, expect.body()), where
        return
    assert response.status_code == 200, where
    got = sorted(keys[item["id"]] if keys else item[key] for item in response.json()["items"])
    assert " ".join(got) == expect, where


@pytest.mark.parametrize("row", _params(SECTIONS))
async def test_items_filter(filter_world: World, row: F) -> None:
    await filter_world.set_users_rules(DEFAULT_USERS_RULE)
    params = [("perPage", "500"), ("fields", "id"), ("filter", row.filter)]
    if row.query:
        params += [tuple(pair.split("=", 1)) for pair in row.query.split("&")]  # type: ignore[misc]
    response = await filter_world.get("/api/collections/items/records", row.viewer, dict(row.headers), params)
    where = f"{row.viewer} {row.filter!r} -> {response.status_code} {response.text[:500]}"
    _check(response, row.expect, "id", CODES, where)


@pytest.mark.parametrize("row", _params({12: USERS}))
async def test_users_filter(filter_world: World, row: U) -> None:
    await filter_world.set_users_rules("")
    params = {"fields": "id,name,email", "filter": row.filter}
    response = await filter_world.get("/api/collections/users/records", row.viewer, params=params)
    where = f"{row.viewer} {row.filter!r} -> {response.status_code} {response.text[:500]}"
    _check(response, row.expect, "name", None, where)
