"""PUT /api/collections/import: upsert many collections at once, all or nothing."""

from __future__ import annotations

import pytest

from baas.ids import collection_id
from tests.api import pocketbase
from tests.api.scenarios import ANY, Api, Scenario, invalid, params, run
from tests.api.shapes import ID_FIELD, URL, create, field

pytestmark = pytest.mark.asyncio(loop_scope="module")

IMPORT = f"{URL}/import"
FAILED = {"message": "Failed to import collections.", "status": 400}
LOADING = {"data": {}, "message": "An error occurred while loading the submitted data.", "status": 400}
TITLE = {"name": "title", "type": "text"}


def importing(name: str, body: object, *contains: object, status: int = 204, **options: object) -> Scenario:
    options.setdefault("unchanged", status >= 400)
    expected = [*contains, *options.pop("contains", [])]  # type: ignore[misc]
    return Scenario(name, "PUT", IMPORT, body, status=status, contains=expected, **options)  # type: ignore[arg-type]


def failure(*fragments: str) -> list[object]:
    return [invalid("collections", "validation_collections_import_failure") | FAILED, *fragments]


SCENARIOS = [
    importing(
        "a new collection",
        {"collections": [{"name": "imported1", "type": "base", "fields": [TITLE]}], "deleteMissing": False},
    ),
    importing(
        "two collections where the second is invalid",
        {
            "collections": [
                {"name": "imp_ok", "type": "base"},
                {"name": "imp_bad", "type": "base", "fields": [{"name": "s", "type": "select"}]},
            ]
        },
        status=400,
        contains=failure(
            'Data validations failed for collection \\"imp_bad\\" (pbc_', '\\"values\\": \\"cannot be blank\\"'
        ),
    ),
    importing(
        "empty list",
        {"collections": []},
        status=400,
        contains=[
            invalid("collections", "validation_required", "Cannot be blank.")
            | {"message": "An error occurred while validating the submitted data."}
        ],
    ),
    importing("missing collections key", {}, status=400, contains=[invalid("collections", "validation_required")]),
    importing(
        "a bad collection name",
        {"collections": [{"name": "bad name", "type": "base", "fields": []}]},
        status=400,
        contains=failure(
            'Data validations failed for collection \\"bad name\\" (pbc_', '\\"name\\": \\"must be in a valid format\\"'
        ),
    ),
    importing(
        "an invalid rule",
        {"collections": [{"name": "imp2", "type": "base", "listRule": "nosuch = 1", "fields": []}]},
        status=400,
        contains=failure('\\"listRule\\": \\"Invalid rule. Raw error: '),
    ),
    importing(
        "an unknown field type",
        {"collections": [{"name": "imp3", "type": "base", "fields": [{"name": "x", "type": "bogus"}]}]},
        status=400,
        contains=failure('"message":"Failed to import the collections configuration. Raw error:'),
    ),
    importing("collections is not a list", {"collections": "x"}, status=400, contains=[LOADING]),
    importing("a collection is not an object", {"collections": ["x"]}, status=400, contains=[LOADING]),
    importing(
        "deleteMissing is not a boolean",
        {"collections": [{"name": "imp4"}], "deleteMissing": "yes"},
        status=400,
        contains=[LOADING],
    ),
    importing("not JSON", b"nope", content_type="application/json", status=400, contains=[LOADING]),
    importing(
        "a form body",
        b"collections=x",
        content_type="application/x-www-form-urlencoded",
        status=400,
        contains=[LOADING],
    ),
    importing(
        "an existing collection by name, with a new field",
        {"collections": [{"name": "imp_named", "type": "base", "fields": [TITLE, {"name": "added", "type": "bool"}]}]},
        setup=[create("imp_named", field("text", "title", id="customfieldid"))],
    ),
    importing(
        "an existing collection by id, renamed, with a new field",
        {
            "collections": [
                {
                    "id": collection_id("base", "imp_byid"),
                    "name": "imp_byid_renamed",
                    "type": "base",
                    "fields": [
                        {"name": "title", "type": "text", "id": "customfieldid"},
                        {"name": "added2", "type": "number"},
                    ],
                }
            ]
        },
        setup=[create("imp_byid", field("text", "title", id="customfieldid"))],
    ),
    importing(
        "a relation to a collection later in the same import",
        {
            "collections": [
                {"name": "imp_a", "fields": [{"name": "b", "type": "relation", "collectionId": "imp_b_id"}]},
                {"id": "imp_b_id", "name": "imp_b", "fields": [TITLE]},
            ]
        },
    ),
    importing(
        "a view over a collection of the same import",
        {
            "collections": [
                {"name": "imp_v", "type": "view", "viewQuery": "select id, title from imp_src"},
                {"name": "imp_src", "fields": [TITLE]},
            ]
        },
    ),
    importing("a system collection unchanged", {"collections": [pocketbase.load("superusers_collection")]}),
    importing(
        "a system collection renamed",
        {"collections": [pocketbase.load("superusers_collection") | {"name": "_admins"}]},
        status=400,
        contains=failure("System collection name cannot be changed"),
    ),
]


@pytest.mark.parametrize("scenario", params(SCENARIOS))
async def test_import(api: Api, scenario: Scenario) -> None:
    await run(api, scenario)


async def test_imported_collections_are_complete(api: Api) -> None:
    await run(
        api,
        importing(
            "setup",
            {
                "collections": [
                    {"name": "imp_full", "type": "base", "fields": [TITLE]},
                    {"name": "imp_rel", "fields": [{"name": "r", "type": "relation", "collectionId": "imp_later"}]},
                    {"id": "imp_later", "name": "imp_later_name"},
                ]
            },
        ),
    )
    await run(
        api,
        Scenario(
            "new",
            "GET",
            f"{URL}/imp_full",
            contains=[{"id": collection_id("base", "imp_full"), "fields": [ID_FIELD, field("text", "title")]}],
        ),
    )
    await run(
        api,
        Scenario(
            "forward relation",
            "GET",
            f"{URL}/imp_rel",
            contains=[{"fields": [ID_FIELD, {"name": "r", "collectionId": "imp_later"}]}],
        ),
    )


async def test_import_merges_fields_by_name_and_keeps_the_missing_ones_last(api: Api) -> None:
    title = {"name": "title", "type": "text", "id": "customfieldid"}
    await run(
        api,
        Scenario(
            "setup",
            "POST",
            URL,
            {"id": "myid123", "name": "withid", "listRule": "", "viewRule": "id != ''", "fields": [title]},
        ),
    )
    added = {"name": "added", "type": "bool"}
    by_name = {"name": "withid", "type": "base", "fields": [TITLE, added]}
    await run(api, importing("by name", {"collections": [by_name]}))
    merged = [{"id": "customfieldid", "name": "title"}, {"id": "bool3418329323", "name": "added"}, ID_FIELD]
    await run(
        api,
        Scenario(
            "merged",
            "GET",
            f"{URL}/withid",
            contains=[{"id": "myid123", "listRule": "", "viewRule": "id != ''", "fields": merged}],
        ),
    )
    renamed = {
        "id": "myid123",
        "name": "withid_renamed",
        "type": "base",
        "fields": [title, {"name": "added2", "type": "number"}],
    }
    await run(api, importing("by id", {"collections": [renamed]}))
    await run(
        api,
        Scenario(
            "renamed",
            "GET",
            f"{URL}/myid123",
            contains=[
                {
                    "name": "withid_renamed",
                    "fields": [
                        {"id": "customfieldid"},
                        {"id": "number767965805", "name": "added2"},
                        {"name": "added"},
                        ID_FIELD,
                    ],
                }
            ],
        ),
    )


async def test_failed_import_leaves_nothing(api: Api) -> None:
    await run(
        api,
        importing(
            "half valid",
            {
                "collections": [
                    {"name": "imp_ok2", "type": "base"},
                    {"name": "imp_bad2", "fields": [{"name": "s", "type": "select"}]},
                ]
            },
            status=400,
            contains=failure(),
        ),
    )
    await run(api, Scenario("first rolled back", "GET", f"{URL}/imp_ok2", status=404))


async def _names(api: Api) -> list[dict]:
    response = await run(api, Scenario("list", "GET", f"{URL}?perPage=100&fields=name,system"))
    return response.json()["items"]


SYSTEM = [{"name": n, "system": True} for n in ("_mfas", "_otps", "_externalAuths", "_authOrigins", "_superusers")]


async def test_delete_missing_keeps_system_collections(fresh_api: Api) -> None:
    await run(fresh_api, Scenario("other", "POST", URL, {"name": "doomed", "fields": [TITLE]}))
    users = (await fresh_api.call("GET", f"{URL}/users")).json()
    await run(
        fresh_api,
        importing(
            "with users and one new",
            {"collections": [users, {"name": "imported1", "fields": [TITLE]}], "deleteMissing": True},
        ),
    )
    assert await _names(fresh_api) == [
        *SYSTEM,
        {"name": "users", "system": False},
        {"name": "imported1", "system": False},
    ]
    assert await fresh_api.sql("SELECT 1 FROM information_schema.tables WHERE table_name = 'doomed'") == []
    await run(fresh_api, importing("with users only", {"collections": [users], "deleteMissing": True}))
    assert await _names(fresh_api) == [*SYSTEM, {"name": "users", "system": False}]
    # The users collection kept its secrets: the test user can still refresh its token.
    await run(
        fresh_api, Scenario("refresh", "POST", f"{URL}/users/auth-refresh", auth="user", contains=[{"token": ANY}])
    )


async def test_delete_missing_fields(fresh_api: Api) -> None:
    """With deleteMissing, fields missing from an existing collection are deleted too."""
    await run(
        fresh_api, Scenario("setup", "POST", URL, {"name": "slim", "fields": [TITLE, {"name": "n", "type": "number"}]})
    )
    users = (await fresh_api.call("GET", f"{URL}/users")).json()
    await run(
        fresh_api,
        importing("drop n", {"collections": [users, {"name": "slim", "fields": [TITLE]}], "deleteMissing": True}),
    )
    expected = [field("text", "title"), ID_FIELD]
    await run(fresh_api, Scenario("slim", "GET", f"{URL}/slim", contains=[{"fields": expected}]))
