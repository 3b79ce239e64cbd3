"""GET /api/collections (list, paging, sort, filter, fields), GET one, GET meta/scaffolds; wrong paths.

The module's database holds the system collections plus posts, userstuff and zeta (PocketBase's setup
for these captures), and nothing in this module changes it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api import pocketbase
from tests.api.scenarios import ANY, GUEST, Api, Scenario, params, run
from tests.api.shapes import URL

pytestmark = pytest.mark.asyncio(loop_scope="module")

GENERIC_400 = {"data": {}, "message": "Something went wrong while processing your request.", "status": 400}
NOT_FOUND = {"data": {}, "message": "The requested resource wasn't found.", "status": 404}
FILE_NOT_FOUND = {"data": {}, "message": "File not found.", "status": 404}
IN_ORDER = ["_mfas", "_otps", "_externalAuths", "_authOrigins", "_superusers", "users", "posts", "userstuff", "zeta"]
SYSTEM = {"_mfas", "_otps", "_externalAuths", "_authOrigins", "_superusers"}
BY_NAME = sorted(IN_ORDER)


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def _collections(api: Api) -> AsyncIterator[None]:
    for name in ("posts", "userstuff", "zeta"):
        await run(api, Scenario(f"create {name}", "POST", URL, {"name": name}))
    yield


def names(*items: str) -> list[dict[str, str]]:
    return [{"name": name} for name in items]


def page(items: list, page_number: int = 1, per_page: int = 30, total: int = 9) -> dict:
    pages = -1 if total == -1 else (total + per_page - 1) // per_page
    return {"items": items, "page": page_number, "perPage": per_page, "totalItems": total, "totalPages": pages}


def get(name: str, url: str, *contains: object, status: int = 200, **options: object) -> Scenario:
    expected = [*contains, *options.pop("contains", [])]  # type: ignore[misc]
    return Scenario(name, "GET", url, status=status, contains=expected, **options)  # type: ignore[arg-type]


# The auth scaffold's index names end with a random id (``idx_email_9i8th8vgjy``): checked by pattern.
SCAFFOLDS = pocketbase.load("scaffolds")
SCAFFOLDS["auth"]["indexes"] = [ANY, ANY]

SCENARIOS = [
    get(
        "scaffolds",
        f"{URL}/meta/scaffolds",
        SCAFFOLDS,
        not_contains=['"secret"'],
        contains=[r"CREATE UNIQUE INDEX `idx_email_", r"` ON `` (`email`) WHERE `email` != ''"],
    ),
    get("the users collection", f"{URL}/users", pocketbase.load("users_collection"), not_contains=['"secret"']),
    get("the _superusers collection", f"{URL}/_superusers", pocketbase.load("superusers_collection")),
    get("by id", f"{URL}/_pb_users_auth_", {"id": "_pb_users_auth_", "name": "users"}),
    get("by name in another case", f"{URL}/USERS", {"id": "_pb_users_auth_", "name": "users"}),
    get("missing", f"{URL}/nosuch", NOT_FOUND, status=404),
    get(
        "list, default",
        f"{URL}?fields=name,type,system",
        page(
            [
                {"name": n, "type": "auth" if n in {"_superusers", "users"} else "base", "system": n in SYSTEM}
                for n in IN_ORDER
            ]
        ),
    ),
    get("list perPage=100", f"{URL}?perPage=100", page([{"name": n} for n in IN_ORDER], per_page=100)),
    get(
        "list perPage=1",
        f"{URL}?perPage=1",
        {
            "page": 1,
            "perPage": 1,
            "totalItems": 9,
            "totalPages": 9,
            "items": [{"name": "_mfas", "type": "base", "system": True}],
        },
    ),
    get("list page 2 of 1 per page", f"{URL}?perPage=1&page=2&fields=name", page(names("_otps"), 2, 1)),
    get("list skipTotal", f"{URL}?skipTotal=1&fields=name", page(names(*IN_ORDER), total=-1)),
    get("list sorted by name", f"{URL}?sort=name&fields=name", page(names(*BY_NAME))),
    get("list sorted by -name", f"{URL}?sort=-name&fields=name", page(names(*reversed(BY_NAME)))),
    get("list page past the end", f"{URL}?page=99&fields=name", page([], 99)),
    get("list perPage=0 means 30", f"{URL}?perPage=0&fields=name", page(names(*IN_ORDER))),
    get("list perPage=5000 means 1000", f"{URL}?perPage=5000&fields=name", page(names(*IN_ORDER), per_page=1000)),
    get("list page=abc", f"{URL}?page=abc", GENERIC_400, status=400),
    get("list sort by an unknown field", f"{URL}?sort=nosuch", GENERIC_400, status=400),
    get("list filter invalid", f"{URL}?filter=name~", GENERIC_400, status=400),
    get("list filter on an unknown field", f"{URL}?filter=nosuch=1", GENERIC_400, status=400),
    get(
        "list filter and sort",
        f"{URL}?filter=name~'user'&sort=-created&fields=id,name",
        page(
            [
                {"name": "userstuff"},
                {"id": "_pb_users_auth_", "name": "users"},
                {"id": "pbc_3142635823", "name": "_superusers"},
            ],
            total=3,
        ),
    ),
    get(
        "list filter by system and type",
        f"{URL}?filter=system=true%26%26type='base'&fields=name",
        page(names("_mfas", "_otps", "_externalAuths", "_authOrigins"), total=4),
    ),
    get(
        "one collection, some keys",
        f"{URL}/users?fields=id,name,type",
        {"id": "_pb_users_auth_", "name": "users", "type": "auth"},
        not_contains=['"fields"'],
    ),
    get(
        "list with nested fields",
        f"{URL}?perPage=1&fields=name,fields.name",
        page(
            [{"name": "_mfas", "fields": names("id", "collectionRef", "recordRef", "method", "created", "updated")}],
            per_page=1,
        ),
    ),
    get("trailing slash on the list", f"{URL}/?fields=name&perPage=1", FILE_NOT_FOUND, status=404),
    get("trailing slash on one", f"{URL}/users/", FILE_NOT_FOUND, status=404),
    Scenario("DELETE without an id", "DELETE", URL, status=404, contains=[NOT_FOUND], unchanged=True),
    Scenario("PUT on a collection", "PUT", f"{URL}/users", {}, status=404, contains=[NOT_FOUND], unchanged=True),
    Scenario("PATCH the list", "PATCH", URL, {}, status=404, contains=[NOT_FOUND], unchanged=True),
    get("HEAD-less GET as a guest is refused", f"{URL}/meta/scaffolds", status=401, auth=GUEST),
]


@pytest.mark.parametrize("scenario", params(SCENARIOS))
async def test_read(api: Api, scenario: Scenario) -> None:
    await run(api, scenario)


async def test_list_envelope_and_collection_keys_are_in_pocketbase_order(api: Api) -> None:
    listed = (await api.call("GET", f"{URL}?perPage=100")).json()
    assert list(listed) == ["items", "page", "perPage", "totalItems", "totalPages"]
    base = [
        "id",
        "listRule",
        "viewRule",
        "createRule",
        "updateRule",
        "deleteRule",
        "name",
        "type",
        "fields",
        "indexes",
        "created",
        "updated",
        "system",
    ]
    users = next(c for c in listed["items"] if c["name"] == "users")
    assert list(users) == list(pocketbase.load("users_collection", without=()))
    assert list(next(c for c in listed["items"] if c["name"] == "posts")) == base
    for collection in listed["items"]:
        for item in collection["fields"]:
            assert list(item) == sorted(item), item


async def test_scaffold_index_names_end_with_a_random_id(api: Api) -> None:
    first, second = [(await api.call("GET", f"{URL}/meta/scaffolds")).json()["auth"]["indexes"] for _ in range(2)]
    assert re.fullmatch(r"CREATE UNIQUE INDEX `idx_tokenKey_[a-z0-9]{10}` ON `` \(`tokenKey`\)", first[0]), first
    assert first != second


async def test_created_and_updated_are_pocketbase_dates(api: Api) -> None:
    body = (await api.call("GET", f"{URL}/posts")).json()
    for key in ("created", "updated"):
        assert len(body[key]) == len("2026-11-21 14:20:57.110Z"), body[key]
        assert body[key][10] == " "
        assert body[key].endswith("Z")
