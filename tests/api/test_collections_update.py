"""PATCH /api/collections/{idOrName}: partial updates, renames, type changes with data conversion.

Deliberate differences from PocketBase exercised here: a field's type may change (existing values are
converted, or the change is refused with ``validation_field_type_conversion`` and nothing changes),
renaming a field rewrites the indexes that use it, exact duplicate names are refused, names are at
most 63 characters, only JSON bodies are read. Rows are inserted with SQL (``data."<name>"``), so
these tests do not depend on the records API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from baas.ids import collection_id
from tests.api import pocketbase
from tests.api.scenarios import ANY, Api, Call, Scenario, Sql, invalid, params, run
from tests.api.shapes import ID_FIELD, LOAD_DATA, UPDATE_FAILED, URL, create, field

pytestmark = pytest.mark.asyncio(loop_scope="module")

TITLE, SCORE, EXTRA = field("text", "title"), field("number", "score"), field("text", "extra")
HEADING = TITLE | {"name": "heading"}
FLAG_INDEX = "CREATE INDEX idx_u_f7 ON u_f7 (flag) WHERE flag = 1"


def indexed(name: str) -> Call:
    """Setup: PocketBase's ``idxtest`` collection (two indexes over title), under another name."""
    return create(
        name,
        TITLE,
        SCORE,
        EXTRA,
        indexes=[
            f"CREATE INDEX `idx_title_{name}` ON `{name}` (`title`)",
            f"CREATE UNIQUE INDEX idx_score_title_{name} ON {name} (score, title)",
        ],
    )


def patch(name: str, target: str, body: Any, *contains: Any, status: int = 200, **options: Any) -> Scenario:
    options.setdefault("unchanged", status >= 400)
    expected = [*contains, *options.pop("contains", [])]
    return Scenario(name, "PATCH", f"{URL}/{target}", body, status=status, contains=expected, **options)


USERS_FIELDS = pocketbase.load("users_collection")["fields"]
USERS_WITH_EMAIL_RENAMED = [f | {"name": "email2"} if f["name"] == "email" else f for f in USERS_FIELDS]

TYPE_CHANGES = [
    patch(
        "collection type base -> auth",
        "u_t1",
        {"type": "auth"},
        setup=[create("u_t1", TITLE)],
        status=400,
        contains=[
            invalid("type", "validation_collection_type_change", "Collection type cannot be changed.") | UPDATE_FAILED
        ],
    ),
    patch(
        "collection type base -> view",
        "u_t2",
        {"type": "view", "viewQuery": "select id from users"},
        setup=[indexed("u_t2")],
        status=400,
        contains=[
            invalid("type", "validation_collection_type_change"),
            invalid("indexes", "validation_indexes_not_supported", "View collections don't support indexes."),
        ],
    ),
    patch(
        "collection type view -> base",
        "u_t3",
        {"type": "base"},
        status=400,
        setup=[Call("POST", URL, {"name": "u_t3", "type": "view", "viewQuery": "select id, name from users"})],
        contains=[invalid("type", "validation_collection_type_change")],
    ),
    patch(
        "system flag change",
        "u_t4",
        {"system": True},
        setup=[create("u_t4", TITLE)],
        status=400,
        contains=[
            invalid("system", "validation_collection_system_flag_change", "System collection state cannot be changed.")
        ],
    ),
    patch(
        "field type change with the same id converts (PocketBase refuses)",
        "u_t5",
        {"fields": [ID_FIELD, TITLE, SCORE, EXTRA | {"type": "number"}]},
        setup=[create("u_t5", TITLE, SCORE, EXTRA)],
        contains=[{"fields": [ID_FIELD, TITLE, SCORE, {"id": EXTRA["id"], "name": "extra", "type": "number"}]}],
    ),
    patch(
        "same name without id and a new type replaces the field",
        "u_t6",
        {"fields": [ID_FIELD, TITLE, SCORE, {"name": "extra", "type": "number"}]},
        setup=[create("u_t6", TITLE, SCORE, EXTRA)],
        contains=[{"fields": [ID_FIELD, TITLE, SCORE, {"id": "number1295977829", "name": "extra"}]}],
    ),
    patch(
        "field type change refused for values that do not convert",
        "u_t7",
        {"fields": [ID_FIELD, TITLE, SCORE, EXTRA | {"type": "number"}]},
        status=400,
        setup=[create("u_t7", TITLE, SCORE, EXTRA), Sql("INSERT INTO data.u_t7 (id, extra) VALUES ('r1', 'abc')")],
        contains=[invalid("fields.3.type", "validation_field_type_conversion") | UPDATE_FAILED, "extra", "abc"],
    ),
    patch(
        "field type change without any conversion (date -> number)",
        "u_t8",
        {"fields": [ID_FIELD, field("date", "when") | {"type": "number"}]},
        status=400,
        setup=[create("u_t8", field("date", "when"))],
        contains=[invalid("fields.1.type", "validation_field_type_conversion")],
    ),
]

RENAMES = [
    patch(
        "rename collection: indexes follow the table",
        "u_r1",
        {"name": "u_r1_renamed"},
        setup=[indexed("u_r1")],
        contains=[
            {
                "name": "u_r1_renamed",
                "indexes": [
                    "CREATE INDEX `idx_title_u_r1` ON `u_r1_renamed` (`title`)",
                    "CREATE UNIQUE INDEX `idx_score_title_u_r1` ON `u_r1_renamed` (\n  `score`,\n  `title`\n)",
                ],
            }
        ],
    ),
    patch(
        "rename field used by indexes rewrites them (PocketBase: no such column)",
        "u_r2",
        {"fields": [ID_FIELD, HEADING, SCORE, EXTRA]},
        setup=[indexed("u_r2")],
        contains=[
            {
                "fields": [ID_FIELD, HEADING, SCORE, EXTRA],
                "indexes": [
                    "CREATE INDEX `idx_title_u_r2` ON `u_r2` (`heading`)",
                    "CREATE UNIQUE INDEX `idx_score_title_u_r2` ON `u_r2` (\n  `score`,\n  `heading`\n)",
                ],
            }
        ],
    ),
    patch(
        "rename field with the indexes updated by the client",
        "u_r3",
        {
            "fields": [ID_FIELD, HEADING, SCORE, EXTRA],
            "indexes": [
                "CREATE INDEX `idx_title_u_r3` ON `u_r3` (`heading`)",
                "CREATE UNIQUE INDEX idx_score_title_u_r3 ON u_r3 (score, heading)",
            ],
        },
        setup=[indexed("u_r3")],
        contains=[
            {
                "indexes": [
                    "CREATE INDEX `idx_title_u_r3` ON `u_r3` (`heading`)",
                    "CREATE UNIQUE INDEX idx_score_title_u_r3 ON u_r3 (score, heading)",
                ]
            }
        ],
    ),
    patch(
        "rename field in no index",
        "u_r4",
        {"fields": [ID_FIELD, TITLE, SCORE, EXTRA | {"name": "extra2"}]},
        setup=[indexed("u_r4")],
        contains=[{"fields": [ID_FIELD, TITLE, SCORE, EXTRA | {"name": "extra2"}]}],
    ),
    patch(
        "swap two field names",
        "u_r5",
        {"fields": [ID_FIELD, TITLE | {"name": "extra"}, SCORE, EXTRA | {"name": "title"}]},
        setup=[create("u_r5", TITLE, SCORE, EXTRA)],
        contains=[
            {"fields": [ID_FIELD, {"id": TITLE["id"], "name": "extra"}, SCORE, {"id": EXTRA["id"], "name": "title"}]}
        ],
    ),
    patch(
        "rename to own name in another case",
        "u_r6",
        {"name": "U_R6"},
        setup=[create("u_r6", TITLE)],
        contains=[{"name": "U_R6"}],
    ),
    patch(
        "rename to an existing name",
        "u_r7",
        {"name": "users"},
        setup=[create("u_r7", TITLE)],
        status=400,
        contains=[
            invalid("name", "validation_collection_name_exists", "Collection name must be unique (case insensitive).")
            | UPDATE_FAILED
        ],
    ),
    patch(
        "rename to an existing name in another case",
        "u_r8",
        {"name": "Users"},
        setup=[create("u_r8", TITLE)],
        status=400,
        contains=[invalid("name", "validation_collection_name_exists")],
    ),
    patch(
        "rename to a bad name",
        "u_r9",
        {"name": "bad name"},
        setup=[create("u_r9", TITLE)],
        status=400,
        contains=[invalid("name", "validation_match_invalid", "Must be in a valid format.")],
    ),
    patch(
        "rename to an empty name",
        "u_r10",
        {"name": ""},
        setup=[create("u_r10", TITLE)],
        status=400,
        contains=[invalid("name", "validation_required", "Cannot be blank.")],
    ),
    patch(
        "rename to 64 characters",
        "u_r11",
        {"name": "r" * 64},
        setup=[create("u_r11", TITLE)],
        status=400,
        contains=[invalid("name", "validation_length_out_of_range", max=63, min=1)],
    ),
    patch(
        "rename a field to a duplicate name",
        "u_r12",
        {"fields": [ID_FIELD, TITLE, SCORE | {"name": "title"}]},
        setup=[create("u_r12", TITLE, SCORE)],
        status=400,
        contains=[invalid("fields.2.name", "validation_duplicated_field_name", fieldName="title")],
    ),
    patch(
        "rename a view",
        "u_r13",
        {"name": "u_r13_renamed"},
        setup=[Call("POST", URL, {"name": "u_r13", "type": "view", "viewQuery": "select id, name from users"})],
        contains=[{"name": "u_r13_renamed", "viewQuery": "select id, name from users"}],
    ),
]

FIELD_LISTS = [
    patch(
        "remove a field",
        "u_f1",
        {"fields": [ID_FIELD, TITLE, SCORE]},
        setup=[indexed("u_f1")],
        contains=[{"fields": [ID_FIELD, TITLE, SCORE]}],
    ),
    patch(
        "remove a field used by an index",
        "u_f2",
        {"fields": [ID_FIELD, TITLE, EXTRA]},
        setup=[indexed("u_f2")],
        status=400,
        contains=[invalid("indexes.1", "validation_invalid_index_expression") | UPDATE_FAILED, "no such column: score"],
    ),
    patch(
        "only rules: the fields are untouched",
        "u_f3",
        {"listRule": "title != ''"},
        setup=[indexed("u_f3")],
        contains=[{"listRule": "title != ''", "fields": [ID_FIELD, TITLE, SCORE, EXTRA]}],
    ),
    patch(
        "without the id field it is put back",
        "u_f4",
        {"fields": [TITLE, SCORE]},
        setup=[indexed("u_f4")],
        contains=[{"fields": [ID_FIELD, TITLE, SCORE]}],
    ),
    patch(
        "empty fields make the list rule invalid",
        "u_f5",
        {"fields": []},
        setup=[create("u_f5", TITLE, listRule="title != ''")],
        status=400,
        contains=[invalid("listRule", "validation_invalid_rule") | UPDATE_FAILED],
    ),
    patch(
        "an invalid rule",
        "u_f6",
        {"listRule": "title ==="},
        setup=[create("u_f6", TITLE)],
        status=400,
        contains=[
            invalid("listRule", "validation_invalid_rule", 'Invalid rule. Raw error: invalid sign operator "===".')
        ],
    ),
    patch(
        "add a field with an index on it",
        "u_f7",
        {"fields": [ID_FIELD, TITLE, field("bool", "flag")], "indexes": [FLAG_INDEX]},
        setup=[create("u_f7", TITLE)],
        contains=[{"indexes": [FLAG_INDEX]}],
    ),
]

SYSTEM = [
    patch(
        "rename a system collection",
        "_superusers",
        {"name": "_admins"},
        status=400,
        contains=[
            invalid("name", "validation_collection_system_name_change", "System collection name cannot be changed.")
            | UPDATE_FAILED
        ],
    ),
    patch(
        "change a rule of a system collection",
        "_superusers",
        {"listRule": ""},
        status=400,
        contains=[
            invalid(
                "listRule", "validation_collection_system_rule_change", "System collection API rule cannot be changed."
            )
        ],
    ),
    patch(
        "rename a system field",
        "users",
        {"fields": USERS_WITH_EMAIL_RENAMED},
        status=400,
        contains=[invalid("fields", "validation_system_field_change", "System fields cannot be deleted or renamed.")],
    ),
    patch(
        "drop the unique email index of an auth collection",
        "u_s1",
        {"indexes": []},
        setup=[Call("POST", URL, {"name": "u_s1", "type": "auth"})],
        status=400,
        contains=[invalid("indexes", "validation_missing_required_unique_index")],
    ),
]

REQUESTS = [
    patch(
        "missing collection",
        "nosuch",
        {"name": "x"},
        status=404,
        contains=[{"data": {}, "message": "The requested resource wasn't found.", "status": 404}],
    ),
    patch(
        "body is not JSON",
        "u_b1",
        b"nope",
        content_type="application/json",
        status=400,
        setup=[create("u_b1", TITLE)],
        contains=[LOAD_DATA],
    ),
    patch("body is a JSON array", "u_b2", [], setup=[create("u_b2", TITLE)], status=400, contains=[LOAD_DATA]),
    patch(
        "fields is a string", "u_b3", {"fields": "x"}, setup=[create("u_b3", TITLE)], status=400, contains=[LOAD_DATA]
    ),
    patch(
        "form body",
        "u_b4",
        b"listRule=",
        content_type="application/x-www-form-urlencoded",
        setup=[create("u_b4", TITLE)],
        status=400,
        contains=[LOAD_DATA],
    ),
    patch(
        "id change",
        "u_b5",
        {"id": "newid"},
        setup=[create("u_b5", TITLE)],
        status=400,
        contains=[{"data": {}}, '"message":"Failed to update collection.'],
    ),
    patch(
        "same id is fine",
        "u_b6",
        {"id": collection_id("base", "u_b6"), "listRule": ""},
        setup=[create("u_b6", TITLE)],
        contains=[{"id": collection_id("base", "u_b6"), "listRule": ""}],
    ),
    patch(
        "empty body changes nothing but updated",
        "u_b7",
        {},
        setup=[create("u_b7", TITLE)],
        contains=[{"name": "u_b7", "fields": [ID_FIELD, TITLE]}],
    ),
    patch(
        "by id",
        collection_id("base", "u_b8"),
        {"listRule": "1 = 1"},
        setup=[create("u_b8", TITLE)],
        contains=[{"name": "u_b8", "listRule": "1 = 1"}],
    ),
]


@pytest.mark.parametrize("scenario", params(TYPE_CHANGES + RENAMES + FIELD_LISTS + SYSTEM + REQUESTS))
async def test_update(api: Api, scenario: Scenario) -> None:
    await run(api, scenario)


# ----- data survives renames -----------------------------------------------------------------------


async def _rows(api: Api, table: str, *columns: str) -> list[tuple[Any, ...]]:
    quoted = ", ".join(f'"{c}"' for c in columns)
    return [tuple(row) for row in await api.sql(f'SELECT {quoted} FROM data."{table}" ORDER BY id')]


async def _indexdefs(api: Api, table: str) -> list[str]:
    rows = await api.sql(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'data' AND tablename = $1 ORDER BY indexname", table
    )
    return [row[0] for row in rows]


async def test_rename_collection_keeps_rows_and_indexes(api: Api) -> None:
    index = "CREATE UNIQUE INDEX idx_keep_c ON keep_c (title)"
    await run(api, Scenario("setup", "POST", URL, {"name": "keep_c", "fields": [TITLE, SCORE], "indexes": [index]}))
    await api.sql("INSERT INTO data.keep_c (id, title, score) VALUES ('r1', 'a', 1), ('r2', 'b', 2)")
    await run(api, Scenario("rename", "PATCH", f"{URL}/keep_c", {"name": "keep_c2"}))
    assert await _rows(api, "keep_c2", "id", "title", "score") == [("r1", "a", 1.0), ("r2", "b", 2.0)]
    assert (
        await api.sql("SELECT 1 FROM information_schema.tables WHERE table_schema = 'data' AND table_name = 'keep_c'")
        == []
    )
    assert any("UNIQUE INDEX idx_keep_c ON data.keep_c2 " in d for d in await _indexdefs(api, "keep_c2"))
    await run(api, Scenario("old name", "GET", f"{URL}/keep_c", status=404))
    await run(api, Scenario("new name", "GET", f"{URL}/keep_c2", contains=[{"name": "keep_c2"}]))


async def test_rename_field_keeps_values_and_follows_indexes(api: Api) -> None:
    index = "CREATE INDEX idx_keep_f ON keep_f (title, score)"
    await run(api, Scenario("setup", "POST", URL, {"name": "keep_f", "fields": [TITLE, SCORE], "indexes": [index]}))
    await api.sql("INSERT INTO data.keep_f (id, title, score) VALUES ('r1', 'a', 1), ('r2', 'b', 2)")
    await run(api, Scenario("rename", "PATCH", f"{URL}/keep_f", {"fields": [ID_FIELD, HEADING, SCORE]}))
    assert await _rows(api, "keep_f", "id", "heading", "score") == [("r1", "a", 1.0), ("r2", "b", 2.0)]
    definitions = await _indexdefs(api, "keep_f")
    assert any("idx_keep_f" in d and "(heading, score)" in d for d in definitions), definitions


async def test_swapping_field_names_swaps_nothing_else(api: Api) -> None:
    await run(api, Scenario("setup", "POST", URL, {"name": "keep_s", "fields": [TITLE, EXTRA]}))
    await api.sql("INSERT INTO data.keep_s (id, title, extra) VALUES ('r1', 't', 'e')")
    body = {"fields": [ID_FIELD, TITLE | {"name": "extra"}, EXTRA | {"name": "title"}]}
    await run(api, Scenario("swap", "PATCH", f"{URL}/keep_s", body))
    assert await _rows(api, "keep_s", "title", "extra") == [("e", "t")]


# ----- type changes convert the data --------------------------------------------------------------

NUMBER, BOOL, JSON, DATE = field("number", "v"), field("bool", "v"), field("json", "v"), field("date", "v")
TEXT = field("text", "v")
SELECT_ONE = field("select", "v", values=["a", "b", "c"])
SELECT_MANY = SELECT_ONE | {"maxSelect": 3}

JANUARY_2 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

# (name, field before, field after, stored values as SQL literals, values after | None when refused)
CONVERSIONS = [
    ("text to number", TEXT, NUMBER, ["'1'", "' 2.5 '", "''", "'-3e2'"], [1.0, 2.5, 0.0, -300.0]),
    ("text to number refused for abc", TEXT, NUMBER, ["'1'", "'abc'"], None),
    ("number to text", NUMBER, TEXT, ["1", "2.5", "-3"], ["1", "2.5", "-3"]),
    ("text to bool", TEXT, BOOL, ["'true'", "'0'", "''", "'TRUE'"], [True, False, False, True]),
    ("text to bool refused for maybe", TEXT, BOOL, ["'maybe'"], None),
    ("bool to number", BOOL, NUMBER, ["true", "false"], [1.0, 0.0]),
    ("number to bool", NUMBER, BOOL, ["0", "2"], [False, True]),
    ("bool to text", BOOL, TEXT, ["true", "false"], ["true", "false"]),
    ("json to number", JSON, NUMBER, ["'5'", "'null'", "NULL"], [5.0, 0.0, 0.0]),
    ("json to number refused for a string", JSON, NUMBER, ["'\"x\"'"], None),
    ("json to text", JSON, TEXT, ["'\"x\"'", "'{\"a\": 1}'", "NULL"], ["x", '{"a": 1}', ""]),
    ("text to json", TEXT, JSON, ["'x'", "''"], ['"x"', None]),
    ("text to date", TEXT, DATE, ["'2024-01-02 03:04:05.000Z'", "''"], [JANUARY_2, None]),
    ("text to date refused for garbage", TEXT, DATE, ["'not a date'"], None),
    ("date to text", DATE, TEXT, ["'2024-01-02 03:04:05.678Z'", "NULL"], ["2024-01-02 03:04:05.678Z", ""]),
    ("single select to multiple", SELECT_ONE, SELECT_MANY, ["'a'", "''"], [["a"], []]),
    ("multiple select to single", SELECT_MANY, SELECT_ONE, ["'{a}'", "'{}'"], ["a", ""]),
    ("multiple select to single refused for two values", SELECT_MANY, SELECT_ONE, ["'{a,b}'"], None),
    ("date to number is never possible", DATE, NUMBER, ["NULL"], None),
]


@pytest.mark.parametrize(
    ("number", "before", "after", "stored", "expected"),
    [pytest.param(n, *c[1:], id=c[0]) for n, c in enumerate(CONVERSIONS)],
)
async def test_type_change_converts_data(
    api: Api, number: int, before: dict, after: dict, stored: list[str], expected: list[Any] | None
) -> None:
    name = f"conv_{number}"
    await run(api, Scenario("setup", "POST", URL, {"name": name, "fields": [before]}))
    values = ", ".join(f"('r{i}', {value})" for i, value in enumerate(stored))
    await api.sql(f'INSERT INTO data."{name}" (id, v) VALUES {values}')
    body = {"fields": [ID_FIELD, after | {"id": before["id"]}]}
    if expected is None:
        refused = invalid("fields.1.type", "validation_field_type_conversion")
        response = await run(
            api, Scenario("refused", "PATCH", f"{URL}/{name}", body, status=400, unchanged=True, contains=[refused])
        )
        assert " v " in response.json()["data"]["fields"]["1"]["type"]["message"]
        await run(api, Scenario("kept", "GET", f"{URL}/{name}", contains=[{"fields": [ID_FIELD, before]}]))
        return
    await run(
        api,
        Scenario(
            "converted", "PATCH", f"{URL}/{name}", body, contains=[{"fields": [ID_FIELD, after | {"id": before["id"]}]}]
        ),
    )
    cast = "::text" if after["type"] == "json" else ""
    rows = await api.sql(f'SELECT v{cast} FROM data."{name}" ORDER BY id')
    assert [row[0] for row in rows] == expected


async def test_refused_conversion_names_the_field_and_value(api: Api) -> None:
    await run(api, Scenario("setup", "POST", URL, {"name": "conv_msg", "fields": [TITLE, field("text", "amount")]}))
    await api.sql("INSERT INTO data.conv_msg (id, title, amount) VALUES ('r1', 'x', '12'), ('r2', 'y', 'abc')")
    body = {"fields": [ID_FIELD, TITLE, field("text", "amount") | {"type": "number"}]}
    response = await run(
        api,
        Scenario(
            "refused",
            "PATCH",
            f"{URL}/conv_msg",
            body,
            status=400,
            unchanged=True,
            contains=[invalid("fields.2.type", "validation_field_type_conversion") | UPDATE_FAILED],
        ),
    )
    message = response.json()["data"]["fields"]["2"]["type"]["message"]
    assert "amount" in message
    assert "abc" in message
    assert await _rows(api, "conv_msg", "amount") == [("12",), ("abc",)]


async def test_view_follows_a_renamed_source_field(api: Api) -> None:
    """A view over a collection keeps working (PostgreSQL tracks the column) and keeps its own fields."""
    await run(api, Scenario("source", "POST", URL, {"name": "src_v", "fields": [TITLE]}))
    await run(
        api,
        Scenario(
            "view", "POST", URL, {"name": "src_v_view", "type": "view", "viewQuery": "select id, title from src_v"}
        ),
    )
    await api.sql("INSERT INTO data.src_v (id, title) VALUES ('r1', 'a')")
    await run(api, Scenario("rename", "PATCH", f"{URL}/src_v", {"fields": [ID_FIELD, HEADING]}))
    assert [tuple(r) for r in await api.sql("SELECT * FROM data.src_v_view")] == [("r1", "a")]
    await run(api, Scenario("view kept", "GET", f"{URL}/src_v_view", contains=[{"fields": [ANY, {"name": "title"}]}]))
