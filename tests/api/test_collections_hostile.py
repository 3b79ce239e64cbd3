"""Hostile input on the collections API: never a 500, never a half-applied change, never SQL from a client.

Bodies: malformed and oversized JSON, deep nesting, invalid UTF-8, values PostgreSQL cannot store.
Names: SQL keywords, quotes and ``"; drop table`` in collection, field, index and collection ids.
Index definitions and view queries that try to smuggle SQL. After every scenario the ``users`` table
must still be there (checked by ``unchanged`` on the refused ones, and explicitly at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from tests.api.scenarios import ANY, Api, Call, Scenario, invalid, params, run, snapshot
from tests.api.shapes import CREATE_FAILED, LOAD_DATA, LOAD_TYPE, URL, field

pytestmark = pytest.mark.asyncio(loop_scope="module")

DROP = '"; DROP TABLE data.users; --'
QUOTED_DROP = DROP.replace('"', '""')  # inside a quoted identifier
TITLE = {"name": "title", "type": "text"}
JSON = "application/json"


def refused(
    name: str, body: object, *contains: object, content_type: str | None = None, status: int = 400, marks: tuple = ()
) -> Scenario:
    return Scenario(
        name,
        "POST",
        URL,
        body,
        content_type=content_type,
        status=status,
        contains=[*contains],
        unchanged=True,
        marks=marks,
    )


def accepted(name: str, body: object, *contains: object, content_type: str | None = None) -> Scenario:
    return Scenario(name, "POST", URL, body, content_type=content_type, contains=[*contains])


def with_index(name: str, definition: str) -> dict:
    return {"name": name, "fields": [TITLE, {"name": "n", "type": "number"}], "indexes": [definition]}


def nested(depth: int) -> bytes:
    return b'{"name":"deep%d","x":' % depth + b"[" * depth + b"]" * depth + b"}"


BODIES = [
    refused("unclosed object", b"{", LOAD_TYPE, content_type=JSON),
    refused("missing value", b'{"name":}', LOAD_TYPE, content_type=JSON),
    refused("single quotes", b"{'name': 'sq'}", LOAD_TYPE, content_type=JSON),
    refused("trailing comma", b'{"name":"tc",}', LOAD_TYPE, content_type=JSON),
    refused("comment", b'{"name":"cm" /* x */}', LOAD_TYPE, content_type=JSON),
    refused("NaN", b'{"name":"nan1","x":NaN}', LOAD_TYPE, content_type=JSON),
    refused(
        "a number beyond float64",
        b'{"name":"big1","fields":[{"name":"n","type":"number","max":1e999}]}',
        LOAD_TYPE,
        content_type=JSON,
    ),
    refused("two JSON documents", b'{"name":"two1"}{"name":"two2"}', LOAD_TYPE, content_type=JSON),
    refused("10000 levels of [", b"[" * 10000, LOAD_TYPE, content_type=JSON),
    refused("10000 balanced levels", b"[" * 10000 + b"]" * 10000, LOAD_TYPE, content_type=JSON),
    refused("10000 levels in an unknown key", nested(10000), LOAD_TYPE, content_type=JSON),
    accepted("100 levels in an unknown key", nested(100), {"name": "deep100"}, content_type=JSON),
    refused("invalid UTF-8 in the name", b'{"name":"utf\xff8"}', LOAD_TYPE, content_type=JSON),
    refused("invalid UTF-8 in an unknown key", b'{"name":"utf8b","x":"\xc3\x28"}', LOAD_TYPE, content_type=JSON),
    refused("overlong UTF-8", b'{"name":"\xc0\xaf"}', LOAD_TYPE, content_type=JSON),
    refused("UTF-16 body", '{"name":"u16"}'.encode("utf-16"), LOAD_TYPE, content_type=JSON),
    refused("NUL escaped in a rule", {"name": "nul1", "listRule": "\u0000"}, LOAD_TYPE),
    refused("NUL escaped in a field help", {"name": "nul2", "fields": [TITLE | {"help": "a\u0000b"}]}, LOAD_TYPE),
    refused("lone surrogate in a rule", b'{"name":"sur1","listRule":"\\ud800"}', LOAD_TYPE, content_type=JSON),
    refused("lone surrogate in a key", b'{"name":"sur2","\\udfff":1}', LOAD_TYPE, content_type=JSON),
    accepted(
        "emoji escaped as a surrogate pair in help",
        b'{"name":"emo1","fields":[{"name":"t","type":"text","help":"\\ud83d\\ude00"}]}',
        {"fields": [ANY, {"help": "\U0001f600"}]},
        content_type=JSON,
    ),
    refused(
        "a name of a million characters",
        {"name": "x" * 1_000_000},
        invalid("name", "validation_length_out_of_range") | CREATE_FAILED,
    ),
    refused(
        "1700 fields (PostgreSQL allows 1600 columns)",
        {"name": "wide", "fields": [{"name": f"f{i}", "type": "bool"} for i in range(1700)]},
        {"status": 400},
    ),
    refused(
        "a field option of the wrong type deep inside",
        {"name": "wt1", "fields": [TITLE | {"pattern": {"$ne": 1}}]},
        {"data": {}},
    ),
]

NAMES = [
    accepted("collection named order", {"name": "order", "fields": [TITLE]}, {"name": "order"}),
    accepted("collection named user", {"name": "user", "fields": [TITLE]}, {"name": "user"}),
    accepted("collection named pg_class", {"name": "pg_class", "fields": [TITLE]}, {"name": "pg_class"}),
    accepted(
        "fields named like SQL keywords",
        {
            "name": "kw",
            "fields": [
                {"name": n, "type": "text"} for n in ("select", "where", "group", "user", "default", "table", "limit")
            ],
        },
        {"name": "kw"},
    ),
    refused("collection name with SQL", {"name": DROP}, invalid("name", "validation_match_invalid")),
    refused("collection name with a quote", {"name": 'a"b'}, invalid("name", "validation_match_invalid")),
    refused("collection name with a backtick", {"name": "a`b"}, invalid("name", "validation_match_invalid")),
    refused("collection name with a NUL", {"name": "a\u0000b"}, LOAD_TYPE),
    refused(
        "field name with SQL",
        {"name": "fsql", "fields": [{"name": DROP, "type": "text"}]},
        invalid("fields.1.name", "validation_match_invalid"),
    ),
    refused(
        "field named _rowid",
        {"name": "frow", "fields": [{"name": "_rowid", "type": "text"}]},
        invalid("fields.1.name", "validation_not_in_invalid"),
    ),
    refused("collection id with SQL", {"id": DROP, "name": "idsql"}, invalid("id", "validation_match_invalid")),
    refused(
        "collection id of an existing collection",
        {"id": "_pb_users_auth_", "name": "idtaken"},
        invalid("id", "validation_invalid_or_existing_id", "The model id is invalid or already exists."),
    ),
    accepted(
        "field id with SQL",
        {
            "name": "fidsql",
            "fields": [field("relation", "owner", collectionId="_pb_users_auth_", maxSelect=1) | {"id": DROP}],
        },
        {"fields": [{"name": "id"}, {"id": DROP, "name": "owner"}]},
    ),
    refused(
        "relation collectionId with SQL",
        {"name": "relsql", "fields": [{"name": "r", "type": "relation", "collectionId": DROP}]},
        invalid("fields.1.collectionId", "validation_field_relation_missing_collection"),
    ),
    refused(
        "rule with SQL",
        {"name": "rulesql", "fields": [TITLE], "listRule": "title = ''; DROP TABLE users"},
        invalid("listRule", "validation_invalid_rule"),
    ),
    accepted(
        "rule with SQL inside a string",
        {"name": "rulestr", "fields": [TITLE], "listRule": 'title = "\'; DROP TABLE users; --"'},
        {"name": "rulestr"},
    ),
]

INDEXES = [
    refused(
        "index followed by a statement",
        with_index("ix_a", "CREATE INDEX ix_a1 ON ix_a (title); DROP TABLE users"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index WHERE followed by a statement",
        with_index("ix_b", "CREATE INDEX ix_b1 ON ix_b (title) WHERE title != '' OR 1=1; DROP TABLE users; --"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index over a function call",
        with_index("ix_c", "CREATE INDEX ix_c1 ON ix_c (pg_sleep(10))"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index WHERE calling a function",
        with_index("ix_d", "CREATE INDEX ix_d1 ON ix_d (title) WHERE pg_sleep(10) IS NULL"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index WHERE with a subquery",
        with_index("ix_e", "CREATE INDEX ix_e1 ON ix_e (title) WHERE title IN (SELECT email FROM users)"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index with an unknown collation",
        with_index("ix_f", 'CREATE INDEX ix_f1 ON ix_f (title COLLATE "C")'),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index column that is SQL",
        with_index("ix_g", f'CREATE INDEX ix_g1 ON ix_g ("{QUOTED_DROP}")'),
        invalid("indexes.0", "validation_invalid_index_expression"),
        "no such column",
    ),
    refused(
        "index USING a method",
        with_index("ix_h", "CREATE INDEX ix_h1 ON ix_h USING gin (title)"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index with INCLUDE",
        with_index("ix_i", "CREATE INDEX ix_i1 ON ix_i (title) INCLUDE (n)"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index with a comment",
        with_index("ix_j", "CREATE INDEX ix_j1 ON ix_j (title) -- x"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "index name of 64 characters",
        with_index("ix_k", f"CREATE INDEX {'k' * 64} ON ix_k (title)"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    refused(
        "an index definition of 100 KB",
        with_index("ix_l", "CREATE INDEX ix_l1 ON ix_l (" + "title, " * 15000 + "title)"),
        invalid("indexes.0", "validation_invalid_index_expression"),
    ),
    accepted(
        "index WHERE with a quote inside a string",
        with_index("ix_m", "CREATE INDEX ix_m1 ON ix_m (title) WHERE title != 'a''; DROP TABLE users; --'"),
        {"name": "ix_m"},
    ),
    accepted(
        "index name with quotes",
        with_index("ix_n", f'CREATE INDEX "ix_n{QUOTED_DROP[:24]}" ON ix_n (title)'),
        {"name": "ix_n"},
    ),
]

VIEWS = [
    refused(
        "view query with a second statement",
        {"name": "v_a", "type": "view", "viewQuery": "select id from users; drop table users"},
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    refused(
        "view query closing the parenthesis",
        {"name": "v_b", "type": "view", "viewQuery": "select id from users) AS x; DROP TABLE users; --"},
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    refused(
        "view query writing with a CTE",
        {
            "name": "v_c",
            "type": "view",
            "viewQuery": "with x as (update users set verified = true returning id) select id from x",
        },
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    refused(
        "view query reading the system schema",
        {"name": "v_d", "type": "view", "viewQuery": "select id, definition::text as d from baas.collections"},
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    refused(
        "view query reading the system schema through a subquery",
        {
            "name": "v_e",
            "type": "view",
            "viewQuery": "select u.id, (select count(*) from baas.collections) as n from users u",
        },
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    refused(
        "view query reading pg_authid",
        {"name": "v_f", "type": "view", "viewQuery": "select rolname as id, rolpassword as p from pg_authid"},
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    refused(
        "view query reading pg_roles",
        {"name": "v_g", "type": "view", "viewQuery": "select rolname as id from pg_catalog.pg_roles"},
        invalid("viewQuery", "validation_invalid_view_query"),
    ),
    Scenario(
        "view over a collection named pg_namespace",
        "POST",
        URL,
        {"name": "v_h", "type": "view", "viewQuery": "select id, title from pg_namespace"},
        contains=[{"name": "v_h"}],
        setup=[Call("POST", URL, {"name": "pg_namespace", "fields": [TITLE]})],
    ),
]


@pytest.mark.parametrize("scenario", params(BODIES + NAMES + INDEXES + VIEWS))
async def test_hostile(api: Api, scenario: Scenario) -> None:
    await run(api, scenario)
    rows = await api.sql("SELECT count(*) FROM data.users")
    assert rows[0][0] == 1  # the module's test user, untouched


async def test_ten_megabyte_body_is_read(api: Api) -> None:
    body = b'{"name":"bigbody","pad":"' + b"a" * (10 * 1024 * 1024) + b'"}'
    await run(api, accepted("10 MB body", body, {"name": "bigbody"}, content_type=JSON))


async def test_body_over_the_limit_is_refused(api: Api) -> None:
    """33 MiB: 413 and the connection is closed. The server may answer before the body is sent, so this
    speaks HTTP on a socket and keeps reading while writing (an HTTP client would just see a reset)."""
    host, port = str(api.http.base_url.host), int(api.http.base_url.port or 80)
    body = b'{"name":"bigbody2","pad":"' + b"a" * (33 * 1024 * 1024) + b'"}'
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {api.tokens['superuser']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    before = await snapshot(api.database_url)
    reader, writer = await asyncio.open_connection(host, port)

    async def send() -> None:
        with contextlib.suppress(ConnectionError):
            writer.write(head)
            for start in range(0, len(body), 1 << 20):
                writer.write(body[start : start + (1 << 20)])
                await writer.drain()

    sending = asyncio.create_task(send())
    answer = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await asyncio.wait_for(reader.read(65536), timeout=60):
            answer += chunk
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConnectionError):
        await sending
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"connection: close" in headers.lower()
    assert json.loads(payload) == {"data": {}, "message": "Request entity too large.", "status": 413}
    assert await snapshot(api.database_url) == before


async def test_update_with_hostile_bodies_changes_nothing(api: Api) -> None:
    await run(api, Scenario("setup", "POST", URL, {"name": "h_target", "fields": [TITLE]}))
    for name, body in [
        ("NaN", b'{"listRule":NaN}'),
        ("deep", b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}"),
        ("invalid UTF-8", b'{"listRule":"\xff"}'),
        ("NUL", b'{"listRule":"\\u0000"}'),
        ("garbage", b"\x00\x01\x02"),
    ]:
        await run(
            api,
            Scenario(
                f"PATCH {name}",
                "PATCH",
                f"{URL}/h_target",
                body,
                content_type=JSON,
                status=400,
                unchanged=True,
                contains=[LOAD_DATA],
            ),
        )


async def test_query_parameters_are_never_a_500(api: Api) -> None:
    for query in [
        "page=%ff",
        "perPage=99999999999999999999",
        "page=-1",
        "sort=%00",
        "fields=" + "a," * 5000,
        "filter=" + "(" * 5000,
        "filter=name%3D%27%5Cu0000%27",
        "sort=" + "-name," * 500,
        "skipTotal=%ff%fe",
    ]:
        response = await api.call("GET", f"{URL}?{query}")
        assert response.status_code in (200, 400), (query, response.status_code, response.text[:200])


async def test_users_table_survived(api: Api) -> None:
    rows = await api.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'data' "
        "AND table_name IN ('users', '_superusers')"
    )
    assert sorted(r[0] for r in rows) == ["_superusers", "users"]
    await run(api, Scenario("users still served", "GET", f"{URL}/users", contains=[{"name": "users"}]))
