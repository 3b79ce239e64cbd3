"""A collection change is one transaction: when its DDL fails half-way, nothing of it remains.

Each test makes a change whose early statements succeed (rename the table, rename and add columns,
drop an index) and whose last statement fails on the existing rows, then checks the table, its
columns, indexes, constraints and rows (``information_schema``/``pg_indexes``, through asyncpg) and
the stored collection (GET) are exactly as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.scenarios import Api, Scenario, invalid, run, snapshot
from tests.api.shapes import ID_FIELD, UPDATE_FAILED, URL, field

pytestmark = pytest.mark.asyncio(loop_scope="module")

TITLE, CODE, WHEN = field("text", "title"), field("text", "code"), field("text", "when")


async def _collection(api: Api, name: str, *fields: dict[str, Any], indexes: list[str] | None = None) -> dict:
    body = {"name": name, "fields": list(fields), "indexes": indexes or []}
    return (await run(api, Scenario(f"create {name}", "POST", URL, body))).json()


async def _columns(api: Api, table: str) -> list[tuple[str, str]]:
    rows = await api.sql(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'data' "
        "AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    return [(r[0], r[1]) for r in rows]


async def _refused_atomically(api: Api, name: str, body: dict, error: dict) -> None:
    """PATCH ``name`` with ``body``: refused with ``error``, and the database and the API unchanged."""
    before_api = (await api.call("GET", f"{URL}/{name}")).json()
    before_db = await snapshot(api.database_url)
    await run(api, Scenario(f"patch {name}", "PATCH", f"{URL}/{name}", body, status=400, contains=[error]))
    assert await snapshot(api.database_url) == before_db
    assert (await api.call("GET", f"{URL}/{name}")).json() == before_api


async def test_failed_conversion_after_renames_leaves_everything(api: Api) -> None:
    await _collection(api, "atom1", TITLE, WHEN, indexes=["CREATE UNIQUE INDEX idx_atom1 ON atom1 (title)"])
    await api.sql(
        "INSERT INTO data.atom1 (id, title, \"when\") VALUES ('r1', 'a', '2024-01-01'), ('r2', 'b', 'not a date')"
    )
    columns = await _columns(api, "atom1")
    # Rename the collection and a field, add a field, then convert `when` to a date: the cast fails on row r2.
    body = {
        "name": "atom1_renamed",
        "fields": [ID_FIELD, TITLE | {"name": "heading"}, field("number", "added"), WHEN | {"type": "date"}],
    }
    await _refused_atomically(
        api, "atom1", body, invalid("fields.3.type", "validation_field_type_conversion") | UPDATE_FAILED
    )
    assert await _columns(api, "atom1") == columns
    assert await _columns(api, "atom1_renamed") == []
    assert [tuple(r) for r in await api.sql('SELECT id, title, "when" FROM data.atom1 ORDER BY id')] == [
        ("r1", "a", "2024-01-01"),
        ("r2", "b", "not a date"),
    ]
    await run(api, Scenario("new name unknown", "GET", f"{URL}/atom1_renamed", status=404))


async def test_unique_index_over_duplicates_leaves_everything(api: Api) -> None:
    await _collection(api, "atom2", TITLE, CODE, indexes=["CREATE INDEX idx_atom2_title ON atom2 (title)"])
    await api.sql("INSERT INTO data.atom2 (id, title, code) VALUES ('r1', 'a', 'x'), ('r2', 'b', 'x')")
    body = {
        "name": "atom2_renamed",
        "fields": [ID_FIELD, TITLE, CODE | {"name": "code2"}, field("bool", "flag")],
        "indexes": [
            "CREATE INDEX idx_atom2_title ON atom2 (title)",
            "CREATE UNIQUE INDEX idx_atom2_code ON atom2 (code2)",
        ],
    }
    await _refused_atomically(api, "atom2", body, invalid("indexes.1", "validation_invalid_index_expression"))
    indexes = await api.sql(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'data' AND tablename = 'atom2' ORDER BY 1"
    )
    names = [r[0] for r in indexes]
    assert "idx_atom2_title" in names
    assert "idx_atom2_code" not in names


async def test_unique_index_over_duplicates_on_create_of_a_field_is_refused(api: Api) -> None:
    """Adding a unique index alone (no other change) over duplicate values."""
    await _collection(api, "atom3", TITLE)
    await api.sql("INSERT INTO data.atom3 (id, title) VALUES ('r1', 'same'), ('r2', 'same')")
    await _refused_atomically(
        api,
        "atom3",
        {"indexes": ["CREATE UNIQUE INDEX idx_atom3 ON atom3 (title)"]},
        invalid("indexes.0", "validation_invalid_index_expression"),
    )


async def test_required_relation_over_missing_records_leaves_everything(api: Api) -> None:
    """A text field turned into a relation whose values point nowhere: the foreign key cannot be built."""
    await _collection(api, "atom4", TITLE, field("text", "owner"))
    await api.sql("INSERT INTO data.atom4 (id, title, owner) VALUES ('r1', 'a', 'nobody000000000')")
    body = {
        "fields": [
            ID_FIELD,
            TITLE | {"name": "renamed"},
            field("text", "owner") | {"type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        ]
    }
    before = await snapshot(api.database_url)
    response = await api.call("PATCH", f"{URL}/atom4", body)
    assert response.status_code == 400, response.text
    assert await snapshot(api.database_url) == before


async def test_failed_view_change_keeps_the_old_view(api: Api) -> None:
    await _collection(api, "atom5", TITLE)
    await run(
        api,
        Scenario(
            "view", "POST", URL, {"name": "atom5_view", "type": "view", "viewQuery": "select id, title from atom5"}
        ),
    )
    await _refused_atomically(
        api,
        "atom5_view",
        {"name": "atom5_view2", "viewQuery": "select id, nosuch from atom5"},
        invalid("viewQuery", "validation_invalid_view_query"),
    )
    views = await api.sql(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'data' AND table_name LIKE 'atom5%'"
    )
    assert [r[0] for r in views] == ["atom5_view"]


async def test_failed_delete_keeps_the_table_and_its_view(api: Api) -> None:
    await _collection(api, "atom6", TITLE)
    await api.sql("INSERT INTO data.atom6 (id, title) VALUES ('r1', 'a')")
    await run(
        api,
        Scenario(
            "view", "POST", URL, {"name": "atom6_view", "type": "view", "viewQuery": "select id, title from atom6"}
        ),
    )
    await run(
        api,
        Scenario(
            "delete",
            "DELETE",
            f"{URL}/atom6",
            status=400,
            unchanged=True,
            contains=[{"message": "Failed to delete collection."}],
        ),
    )
    assert [tuple(r) for r in await api.sql("SELECT id, title FROM data.atom6_view")] == [("r1", "a")]
