"""API scenario tables: one request, what it must answer, and what it must leave untouched.

A ``Scenario`` is a row of a table (PocketBase's ``tests.ApiScenario`` in Python): name, method, URL,
body, auth, ``setup`` steps run first, the expected status, fragments the body must contain and must
not contain, and optionally ``unchanged=True``: the data schema, its rows and the stored collections
are compared before and after the request (a rejected change must touch nothing).

``contains`` items are either compact-JSON substrings (``'"code":"validation_required"'``) or dicts
matched as a subset of the parsed body (lists must match element by element). Every error answer is
also checked for PocketBase's ``{data, message, status}`` envelope, and nothing may answer 500.

Usage::

    SCENARIOS = [Scenario("name missing", "POST", "/api/collections", {"type": "base"}, status=400,
                          contains=['"name":{"code":"validation_required"'], unchanged=True)]

    @pytest.mark.parametrize("scenario", params(SCENARIOS))
    async def test_create(api: Api, scenario: Scenario) -> None:
        await run(api, scenario)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from baas.db.engine import asyncpg_dsn

__all__ = [
    "ANY",
    "GUEST",
    "NO_BODY",
    "SUPERUSER",
    "USER",
    "Api",
    "Call",
    "Scenario",
    "Sql",
    "invalid",
    "matches",
    "params",
    "run",
    "snapshot",
]

GUEST = "guest"
SUPERUSER = "superuser"
USER = "user"  # a record of the ``users`` auth collection


class _NoBody:
    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Any = _NoBody()


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()  # matches any value in a ``contains`` dict


@dataclass
class Api:
    """A running server: an HTTP client on it, its database, and auth tokens by name."""

    http: httpx.AsyncClient
    database_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def authorization(self, auth: str) -> str | None:
        """``guest`` -> no header; a token name -> that token; anything else is sent as written,
        after ``str.format`` with the tokens (``"Bearer {superuser}"``)."""
        if auth == GUEST:
            return None
        if auth in self.tokens:
            return self.tokens[auth]
        return auth.format(**self.tokens)

    async def call(
        self,
        method: str,
        url: str,
        body: Any = NO_BODY,
        *,
        auth: str = SUPERUSER,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        token = self.authorization(auth)
        if token is not None and "Authorization" not in sent:
            sent["Authorization"] = token
        content: bytes | None = None
        if isinstance(body, bytes):
            content = body
        elif body is not NO_BODY:
            content = json.dumps(body).encode()
            content_type = content_type or "application/json"
        if content_type is not None:
            sent["Content-Type"] = content_type
        return await self.http.request(method, url, content=content, headers=sent)

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(asyncpg_dsn(self.database_url))
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()


@dataclass(frozen=True)
class Call:
    """A setup request that must succeed (``status``)."""

    method: str
    url: str
    body: Any = NO_BODY
    auth: str = SUPERUSER
    status: int = 200


@dataclass(frozen=True)
class Sql:
    """A setup statement run directly on the database (e.g. rows, before the records API exists)."""

    query: str


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    url: str
    body: Any = NO_BODY  # JSON-serialisable, or bytes sent as they are
    content_type: str | None = None  # default: application/json for JSON bodies, none for bytes
    auth: str = SUPERUSER
    headers: Mapping[str, str] = field(default_factory=dict)
    setup: Sequence[Call | Sql] = ()
    status: int = 200
    contains: Sequence[str | Mapping[str, Any]] = ()
    not_contains: Sequence[str] = ()
    unchanged: bool = False
    marks: Sequence[Any] = ()

    def param(self) -> Any:
        return pytest.param(self, id=self.name, marks=list(self.marks))


def params(scenarios: Sequence[Scenario]) -> list[Any]:
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"duplicate scenario names: {duplicates}"
    return [s.param() for s in scenarios]


def matches(actual: Any, expected: Any) -> bool:
    """Is ``expected`` a subset of ``actual`` (dicts by key, lists element by element)?"""
    if expected is ANY:
        return True
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(k in actual and matches(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(matches(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected) and isinstance(actual, bool) == isinstance(expected, bool)


def invalid(path: str, code: str, message: str | None = None, **params: Any) -> dict[str, Any]:
    """A ``contains`` dict for one field error: ``invalid("fields.1.name", "validation_required")``."""
    error: dict[str, Any] = {"code": code}
    if message is not None:
        error["message"] = message
    if params:
        error["params"] = params
    nested: dict[str, Any] = error
    for key in reversed(path.split(".")):
        nested = {key: nested}
    return {"data": nested}


async def snapshot(database_url: str) -> dict[str, Any]:
    """Everything a collection change may touch: tables, columns, indexes, constraints, views, rows
    of every data table, and the stored collections."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        state: dict[str, Any] = {}
        queries = {
            "columns": "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'data' ORDER BY 1, 3",
            "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'data' ORDER BY 1",
            "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'data'::regnamespace ORDER BY 1, 2",
            "views": "SELECT table_name, view_definition FROM information_schema.views "
            "WHERE table_schema = 'data' ORDER BY 1",
            "collections": "SELECT id, name, type, system, definition::text, created, updated "
            "FROM baas.collections ORDER BY id",
        }
        for key, query in queries.items():
            state[key] = [tuple(row) for row in await connection.fetch(query)]
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'data' "
            "AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        if tables:
            # One round trip for all tables: a hash of each table's rows.
            parts = []
            for index, (table,) in enumerate(tables):
                quoted = '"' + table.replace('"', '""') + '"'
                parts.append(
                    f"SELECT {index}, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                    f"FROM data.{quoted} t"
                )
            for index, digest in await connection.fetch(" UNION ALL ".join(parts)):
                state[f"rows of {tables[index][0]}"] = digest
        return state
    finally:
        await connection.close()


def _compact(response: httpx.Response) -> tuple[Any, str]:
    if not response.content:
        return None, ""
    try:
        parsed = response.json()
    except ValueError:
        return None, response.text
    return parsed, json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)


async def _setup(api: Api, steps: Sequence[Call | Sql], scenario: str) -> None:
    for step in steps:
        if isinstance(step, Sql):
            await api.sql(step.query)
            continue
        response = await api.call(step.method, step.url, step.body, auth=step.auth)
        assert response.status_code == step.status, f"{scenario}: setup {step.method} {step.url}: {response.text}"


async def run(api: Api, scenario: Scenario) -> httpx.Response:
    """Run one scenario and assert everything it expects; returns the response for extra checks."""
    await _setup(api, scenario.setup, scenario.name)
    before = await snapshot(api.database_url) if scenario.unchanged else None
    response = await api.call(
        scenario.method,
        scenario.url,
        scenario.body,
        auth=scenario.auth,
        content_type=scenario.content_type,
        headers=scenario.headers,
    )
    parsed, text = _compact(response)
    shown = text if len(text) < 3000 else text[:3000] + "..."
    where = f"{scenario.name}: {scenario.method} {scenario.url} -> {response.status_code} {shown}"
    assert response.status_code != 500, where
    assert response.status_code == scenario.status, where
    if response.status_code >= 400 and scenario.method != "HEAD":
        assert isinstance(parsed, dict), where
        assert set(parsed) == {"data", "message", "status"}, where
        assert parsed["status"] == response.status_code, where
    for expected in scenario.contains:
        if isinstance(expected, str):
            assert expected in text, f"{where}\nmissing: {expected}"
        else:
            assert matches(parsed, expected), f"{where}\ndoes not match: {expected}"
    for forbidden in scenario.not_contains:
        assert forbidden not in text, f"{where}\nforbidden: {forbidden}"
        assert forbidden not in response.text, f"{where}\nforbidden: {forbidden}"
    if before is not None:
        after = await snapshot(api.database_url)
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        assert not changed, f"{where}\nthe request changed: {sorted(changed)}"
    return response
