"""Hostile list queries: injection through values and identifiers, oversized and deeply nested filters,
invalid UTF-8, malicious ``sort``/``expand``/``fields`` and paging values.

Every case answers an exact status (the PocketBase 0.40.6 answer from ``/work/pbref/records.md`` section
11 where it was captured, else baas's documented one), never a 500, and leaves every table and
collection exactly as it was. Deliberate differences from PocketBase (``docs/compatibility.md``) are
marked ``DELIBERATE`` in a comment.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import pytest_asyncio

from tests.api.scenarios import snapshot
from tests.rules.conftest import GUEST, R1_ID, SUPERUSER, World
from tests.rules.pocketbase_filters import BAD, NO_COLLECTION, NO_REQUEST, ApiError

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIST = "/api/collections/items/records"
VIEW = f"{LIST}/{R1_ID}"
NOT_FOUND = ApiError(404, "The requested resource wasn't found.")

# known bugs outside baas/rules (strict xfails: they fail loudly once fixed)


@dataclass(frozen=True)
class H:
    """One hostile request: the query string (a dict is URL-encoded; bytes go on the wire as they are)."""

    name: str
    query: dict[str, str] | bytes
    expect: ApiError | int
    viewer: str = SUPERUSER
    path: str = LIST
    body: Any = None  # for 200 answers: the exact JSON expected, when it is worth pinning
    bug: str = ""


def _alternating(levels: int) -> str:
    text = "id != ''"
    for level in range(levels):
        text = f"(id != '' {'||' if level % 2 else '&&'} {text})"
    return text


def _nested(levels: int) -> str:
    return "(" * levels + "id != ''" + ")" * levels


ONE = {"fields": "id", "perPage": "1"}
FIRST = {"items": [{"id": R1_ID}], "page": 1, "perPage": 1, "totalItems": 8, "totalPages": 8}
THOUSAND_NAMES = ",".join(f"f{i}" for i in range(1000))

CASES = [
    # captured (records.md section 11, on posts; here on items)
    H("filter value with SQL injection", {"fields": "id", "filter": 'title = "\'; drop table items; --"'}, 200),
    H("single-quoted injection", {"filter": "title = ''; drop table items; --'"}, BAD),
    H("sort title;drop", {"sort": "title;drop"}, BAD),
    H("sort title) --", {"sort": "title) --"}, BAD),
    H("expand ../../x", {"fields": "id,expand", "expand": "../../x"}, 200, path=VIEW, body={"id": R1_ID}),
    H("perPage=100000", {"fields": "id", "perPage": "100000"}, 200),
    H("page=-1", {**ONE, "page": "-1"}, 200, body=FIRST),
    H("page=0", {**ONE, "page": "0"}, 200, body=FIRST),
    H("page=abc", {"page": "abc"}, BAD),
    H("perPage=abc", {"perPage": "abc"}, BAD),
    H("page=1.5", {"page": "1.5"}, BAD),
    H("skipTotal=abc", {"skipTotal": "abc", "perPage": "1"}, BAD),
    # the HTTP parser refuses the request line before the app sees it, in the same envelope
    H("100 KB filter", {"filter": "title = '" + "a" * 100_000 + "'"}, BAD),
    H("300 nested parentheses", {**ONE, "filter": _nested(300)}, 200, body=FIRST),
    H("1700 nested parentheses", {**ONE, "filter": _nested(1700)}, 200, body=FIRST),
    H("3000 nested parentheses", {**ONE, "filter": _nested(3000)}, BAD),
    H("unbalanced parentheses", {**ONE, "filter": "((id != ''"}, BAD),
    H("50 nested parentheses", {**ONE, "filter": _nested(50)}, 200, body=FIRST),
    H("fields with 1000 names", {"fields": THOUSAND_NAMES + ",id"}, 200, path=VIEW, body={"id": R1_ID}),
    H("expand with 1000 names", {"fields": "id,expand", "expand": THOUSAND_NAMES}, 200, path=VIEW, body={"id": R1_ID}),
    H("sort with 9 fields", {"sort": ",".join(["title"] * 9)}, BAD),
    H("sort with 8 fields", {**ONE, "sort": ",".join(["title"] * 8)}, 200),
    H("path id with SQL chars", {}, NOT_FOUND, path=f"{LIST}/x' or '1'='1"),
    H("very long id in path", {}, NOT_FOUND, path=f"{LIST}/{'a' * 5000}"),
    # not captured: injection through identifiers, for a guest and a superuser
    *(
        H(f"{name} ({viewer})", query, expect, viewer=viewer)
        for viewer in (GUEST, SUPERUSER)
        for name, query, expect in [
            ("identifier with ;", {"filter": "title;drop = 1"}, BAD),
            ("identifier closing a group", {"filter": "title) OR (1=1 = 1"}, BAD),
            ("SQL keywords as operators", {"filter": "title = '' OR 1=1 --'"}, BAD),
            ("table-qualified identifier", {"filter": "items.title = 1"}, BAD),
            ("quoted identifier is a text", {**ONE, "filter": '"title" = 1'}, 200),
            ("sort by a subquery", {"sort": "-(select 1)"}, BAD),
            ("sort field of 300 characters", {"sort": "a" * 300}, BAD),
            ("expand with ;", {**ONE, "expand": "owner;drop"}, 200),
            ("expand 50 levels deep", {**ONE, "expand": "owner." * 50 + "x"}, 200),
            ("fields with ;", {"fields": "id;drop", "perPage": "1"}, 200),
            ("perPage of 26 digits", {**ONE, "perPage": "9" * 26}, 200),
            ("page of 20 digits", {"page": "9" * 20}, BAD),
            ("page past 10 million", {"page": "10000001"}, BAD),
            ("unbalanced parentheses", {"filter": "(" * 10 + "id != ''"}, BAD),
            ("percent-encoded invalid UTF-8 in a text", b"fields=id&filter=title%20%3D%20%27%FF%FE%27", 200),
            ("percent-encoded invalid UTF-8 as the filter", b"filter=%FF", BAD),
            ("percent-encoded invalid UTF-8 as the sort", b"sort=%FF", BAD),
            ("percent-encoded invalid UTF-8 as the page", b"page=%FF", BAD),
            ("percent-encoded invalid UTF-8 elsewhere", b"%FF=%C3%28&expand=%C3%28&fields=%FF", 200),
            # raw bytes on the request line never reach the app: the HTTP parser answers, in the envelope
            ("raw invalid UTF-8 in the filter", b"filter=title%20=%20'\xff\xfe'", BAD),
            ("raw invalid UTF-8 as a key", b"\xc3\x28=1", BAD),
            # DELIBERATE: a NUL character is rejected (PocketBase cuts the filter short)
            ("NUL in a filter", {"filter": "title = 'a\x00b'"}, BAD),
            ("NUL percent-encoded", b"filter=title%20%3D%20%27%00%27", BAD),
            # DELIBERATE: groups nest at most 64 levels (PocketBase: no limit within 3500 characters)
            ("64 alternating levels", {**ONE, "filter": _alternating(64)}, 200),
            ("65 alternating levels", {**ONE, "filter": _alternating(65)}, BAD),
            # DELIBERATE: unknown strftime specifiers and modifiers are errors (PocketBase: NULL)
            ("unknown strftime specifier", {"filter": "strftime('%Q', publishAt) = ''"}, BAD),
            ("unknown strftime modifier", {"filter": "strftime('%Y', publishAt, 'nope') = ''"}, BAD),
        ]
    ),
    H("10 000 nested parentheses (guest)", {"filter": _nested(10_000)}, BAD, viewer=GUEST),
    H("10 000 nested parentheses (superuser)", {"filter": _nested(10_000)}, BAD),
    H("excerpt of 5000 digits", {"fields": "title:excerpt(" + "9" * 5000 + ")"}, 200, viewer=GUEST),
    H("excerpt of 5000 digits (view)", {"fields": "title:excerpt(" + "9" * 5000 + ")"}, 200, path=VIEW),
    H("@collection. reaching a system table", {"filter": "@collection.pg_catalog.pg_user.usename != ''"}, BAD),
    H("@collection. as a guest", {"filter": "@collection._superusers.email != ''"}, NO_COLLECTION, viewer=GUEST),
    H("sort @collection. as a guest", {"sort": "@collection.users.name"}, NO_COLLECTION, viewer=GUEST),
    H("sort @request. as a guest", {"sort": "@request.auth.id"}, NO_REQUEST, viewer=GUEST),
    # DELIBERATE: @request.* in a sort is rejected, for superusers too
    H("sort @request. as a superuser", {"sort": "@request.auth.id"}, BAD),
    H("sort by a hidden field as a guest", {"sort": "secret"}, BAD, viewer=GUEST),
    H("sort by tokenKey through a relation", {"sort": "owner.tokenKey"}, BAD, viewer=GUEST),
]


def _marks(case: H) -> list[Any]:
    return [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []


def _target(case: H) -> bytes:
    query = urlencode(case.query).encode() if isinstance(case.query, dict) else case.query
    path = case.path.replace("'", "%27").replace(" ", "%20").encode()
    return path + (b"?" + query if query else b"")


async def _send(world: World, case: H) -> tuple[int, bytes]:
    """A raw HTTP/1.1 GET: httpx refuses URLs over 64 KB and bytes that are not valid URL characters."""
    host, port = world.server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    headers = b"Host: baas\r\nConnection: close\r\n"
    if case.viewer != GUEST:
        headers += b"Authorization: " + world.tokens[case.viewer].encode() + b"\r\n"
    writer.write(b"GET " + _target(case) + b" HTTP/1.1\r\n" + headers + b"\r\n")
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" not in head.lower(), head
    return int(head.split()[1]), body


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def baseline(filter_world: World) -> dict[str, Any]:
    return await snapshot(filter_world.database_url)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=_marks(c)) for c in CASES])
async def test_hostile(filter_world: World, baseline: dict[str, Any], case: H) -> None:
    status, raw = await _send(filter_world, case)
    where = f"{case.name}: {status} {raw[:300]!r}"
    assert status != 500, where
    if isinstance(case.expect, ApiError):
        assert (status, json.loads(raw)) == (case.expect.status, case.expect.body()), where
    else:
        assert status == case.expect, where
        if status == 200:
            body = json.loads(raw)
            assert case.body is None or body == case.body, where
    assert await snapshot(filter_world.database_url) == baseline, f"{case.name}: data changed"
