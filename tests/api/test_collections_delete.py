"""DELETE /api/collections/{idOrName} and DELETE /api/collections/{idOrName}/truncate."""

from __future__ import annotations

import pytest

from baas.ids import collection_id
from tests.api.scenarios import Api, Call, Scenario, Sql, params, run
from tests.api.shapes import URL, create, field

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOT_FOUND = {"data": {}, "message": "The requested resource wasn't found.", "status": 404}
DELETE_FAILED = {"data": {}, "message": "Failed to delete collection.", "status": 400}
TITLE = field("text", "title")


def relation_to(target: str, name: str = "parent", **options: object) -> dict:
    return field("relation", name, collectionId=collection_id("base", target), **options)


def view(name: str, query: str) -> Call:
    return Call("POST", URL, {"name": name, "type": "view", "viewQuery": query})


def delete(name: str, target: str, *, status: int = 204, setup: list | None = None, **options: object) -> Scenario:
    options.setdefault("unchanged", status >= 400)
    return Scenario(name, "DELETE", f"{URL}/{target}", status=status, setup=setup or [], **options)  # type: ignore[arg-type]


DELETES = [
    delete(
        "collection referenced by relations",
        "d_parent",
        status=400,
        setup=[
            create("d_parent", TITLE),
            create("d_child", relation_to("d_parent")),
            create("d_child2", relation_to("d_parent", required=True)),
        ],
        contains=[
            {
                "data": {},
                "message": "Failed to delete collection probably due to existing reference in d_child, d_child2.",
                "status": 400,
            }
        ],
    ),
    delete("system collection _superusers", "_superusers", status=400, contains=[DELETE_FAILED]),
    delete("system collection _mfas", "_mfas", status=400, contains=[DELETE_FAILED]),
    delete("missing collection", "nosuch", status=404, contains=[NOT_FOUND]),
    delete(
        "collection read by a view",
        "d_viewed",
        status=400,
        setup=[create("d_viewed", TITLE), view("d_viewed_view", "select id, title from d_viewed")],
        contains=[DELETE_FAILED],
    ),
    delete(
        "plain collection",
        "d_plain",
        setup=[create("d_plain", TITLE), Sql("INSERT INTO data.d_plain (id) VALUES ('r')")],
    ),
    delete("by id", collection_id("base", "d_byid"), setup=[create("d_byid", TITLE)]),
    delete("by name in another case", "D_CASE", setup=[create("d_case", TITLE)]),
    delete("a view", "d_view2", setup=[create("d_src2", TITLE), view("d_view2", "select id from d_src2")]),
    delete(
        "collection with a relation to itself",
        "d_self",
        setup=[
            create("d_self", TITLE),
            Call("PATCH", f"{URL}/d_self", {"fields": [TITLE, relation_to("d_self", "up")]}),
        ],
    ),
    delete(
        "collection whose relations point elsewhere",
        "d_points",
        setup=[create("d_target", TITLE), create("d_points", relation_to("d_target"))],
    ),
]

TRUNCATES = [
    Scenario(
        "truncate a collection",
        "DELETE",
        f"{URL}/t_plain/truncate",
        status=204,
        setup=[create("t_plain", TITLE), Sql("INSERT INTO data.t_plain (id, title) VALUES ('a', '1'), ('b', '2')")],
    ),
    Scenario(
        "truncate a view",
        "DELETE",
        f"{URL}/t_view/truncate",
        status=400,
        unchanged=True,
        setup=[create("t_src", TITLE), view("t_view", "select id from t_src")],
        contains=[
            {
                "data": {},
                "message": "View collections cannot be truncated since they don't store their own records.",
                "status": 400,
            }
        ],
    ),
    Scenario("truncate a missing collection", "DELETE", f"{URL}/nosuch/truncate", status=404, contains=[NOT_FOUND]),
    Scenario(
        "POST to truncate",
        "POST",
        f"{URL}/t_post/truncate",
        status=404,
        unchanged=True,
        setup=[create("t_post", TITLE)],
        contains=[NOT_FOUND],
    ),
    Scenario(
        "truncate refused by a required reference",
        "DELETE",
        f"{URL}/t_parent/truncate",
        status=400,
        unchanged=True,
        setup=[
            create("t_parent", TITLE),
            create("t_child", relation_to("t_parent", required=True)),
            Sql("INSERT INTO data.t_parent (id) VALUES ('p1')"),
            Sql("INSERT INTO data.t_child (id, parent) VALUES ('c1', 'p1')"),
        ],
        contains=[
            {
                "data": {},
                "message": "Failed to truncate collection (most likely due to required cascade "
                "delete record references).",
                "status": 400,
            }
        ],
    ),
]


@pytest.mark.parametrize("scenario", params(DELETES + TRUNCATES))
async def test_delete(api: Api, scenario: Scenario) -> None:
    await run(api, scenario)


async def _exists(api: Api, name: str) -> bool:
    rows = await api.sql(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'data' AND table_name = $1", name
    )
    return bool(rows)


async def test_delete_drops_the_table_and_the_definition(api: Api) -> None:
    await run(
        api,
        Scenario(
            "create",
            "POST",
            URL,
            {"name": "gone", "fields": [TITLE], "indexes": ["CREATE INDEX idx_gone ON gone (title)"]},
        ),
    )
    await run(api, Scenario("delete", "DELETE", f"{URL}/gone", status=204))
    assert not await _exists(api, "gone")
    assert await api.sql("SELECT 1 FROM pg_indexes WHERE indexname = 'idx_gone'") == []
    assert await api.sql("SELECT 1 FROM baas.collections WHERE name = 'gone'") == []
    await run(api, Scenario("gone", "GET", f"{URL}/gone", status=404))
    # The name (and the index name) can be used again.
    await run(
        api,
        Scenario(
            "again",
            "POST",
            URL,
            {"name": "gone", "fields": [TITLE], "indexes": ["CREATE INDEX idx_gone ON gone (title)"]},
        ),
    )


async def test_truncate_deletes_rows_and_follows_cascades(api: Api) -> None:
    await run(api, Scenario("parent", "POST", URL, {"name": "tc_parent", "fields": [TITLE]}))
    await run(
        api,
        Scenario("child", "POST", URL, {"name": "tc_child", "fields": [relation_to("tc_parent", cascadeDelete=True)]}),
    )
    await run(api, Scenario("other", "POST", URL, {"name": "tc_other", "fields": [relation_to("tc_parent")]}))
    await api.sql("INSERT INTO data.tc_parent (id, title) VALUES ('p1', 'a'), ('p2', 'b')")
    await api.sql("INSERT INTO data.tc_child (id, parent) VALUES ('c1', 'p1'), ('c2', NULL)")
    await api.sql("INSERT INTO data.tc_other (id, parent) VALUES ('o1', 'p2')")
    await run(api, Scenario("truncate", "DELETE", f"{URL}/tc_parent/truncate", status=204))
    assert await api.sql("SELECT id FROM data.tc_parent") == []
    assert [r[0] for r in await api.sql("SELECT id FROM data.tc_child")] == ["c2"]
    assert [tuple(r) for r in await api.sql("SELECT id, parent FROM data.tc_other")] == [("o1", None)]
    await run(api, Scenario("still there", "GET", f"{URL}/tc_parent", contains=[{"name": "tc_parent"}]))


async def test_truncate_superusers_is_refused(fresh_api: Api) -> None:
    await run(
        fresh_api,
        Scenario(
            "truncate _superusers",
            "DELETE",
            f"{URL}/_superusers/truncate",
            status=400,
            unchanged=True,
            contains=[
                {
                    "data": {},
                    "message": "Failed to truncate collection "
                    "(most likely due to required cascade delete record references).",
                }
            ],
        ),
    )
