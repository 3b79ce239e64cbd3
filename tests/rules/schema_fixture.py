"""A small in-memory schema (the collections package's real one is not needed for unit tests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from baas.rules import AuthInfo, Compiler, RequestInfo, parse_sort, table_for

NOW = datetime(2026, 11, 21, 12, 30, 45, 123000, tzinfo=UTC)


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "text"
    hidden: bool = False
    is_multiple: bool = False
    relation_collection_id: str | None = None


@dataclass
class Collection:
    id: str
    name: str
    type: str = "base"
    fields: Sequence[Field] = field(default_factory=list)
    list_rule: str | None = ""
    view_rule: str | None = ""

    def get_field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class Schema:
    items: list[Collection]

    def find_collection(self, id_or_name: str) -> Collection | None:
        for c in self.items:
            if c.id == id_or_name or c.name.lower() == id_or_name.lower():
                return c
        return None

    def collections(self) -> Iterable[Collection]:
        return list(self.items)

    def __getitem__(self, name: str) -> Collection:
        found = self.find_collection(name)
        assert found is not None
        return found


def rel(name: str, target: str, *, multiple: bool = False, hidden: bool = False) -> Field:
    return Field(name, "relation", hidden=hidden, is_multiple=multiple, relation_collection_id=target)


def make_schema() -> Schema:
    users = Collection(
        "_pb_users_auth_",
        "users",
        "auth",
        [
            Field("id"),
            Field("password", "password", hidden=True),
            Field("tokenKey", hidden=True),
            Field("email", "email"),
            Field("emailVisibility", "bool"),
            Field("verified", "bool"),
            Field("name"),
            Field("avatar", "file"),
            Field("roles", "select", is_multiple=True),
            rel("team", "pbc_teams"),
            Field("created", "autodate"),
            Field("updated", "autodate"),
        ],
        list_rule="id = @request.auth.id",
    )
    teams = Collection("pbc_teams", "teams", "base", [Field("id"), Field("name"), rel("lead", "_pb_users_auth_")])
    posts = Collection(
        "pbc_posts",
        "posts",
        "base",
        [
            Field("id"),
            Field("title"),
            Field("views", "number"),
            Field("published", "bool"),
            Field("tags", "select", is_multiple=True),
            Field("cat", "select"),
            rel("author", "_pb_users_auth_"),
            rel("members", "_pb_users_auth_", multiple=True),
            Field("meta", "json"),
            Field("loc", "geoPoint"),
            Field("publishAt", "date"),
            Field("secret", hidden=True),
            Field("created", "autodate"),
            rel("pv", "pbc_priv"),
        ],
    )
    comments = Collection(
        "pbc_comments",
        "comments",
        "base",
        [Field("id"), Field("title"), rel("post", "pbc_posts"), Field("score", "number")],
    )
    priv = Collection("pbc_priv", "priv", "base", [Field("id"), Field("title"), Field("n", "number")], list_rule=None)
    view = Collection("pbc_view", "post_stats", "view", [Field("id"), Field("total", "number")])
    return Schema([users, teams, posts, comments, priv, view])


SCHEMA = make_schema()

BOB = {
    "id": "bobbobbobbobbob",
    "email": "bob@example.com",
    "emailVisibility": False,
    "verified": True,
    "name": "Bob",
    "tokenKey": "secret-token-key",
    "password": "hash",
    "avatar": "",
    "roles": ["admin", "editor"],
    "team": "teamteamteam123",
    "created": datetime(2024, 5, 6, 7, 8, 9, 10000, tzinfo=UTC),
}


def bob_request(**changes: Any) -> RequestInfo:
    return RequestInfo(auth=AuthInfo(SCHEMA["users"], BOB), **changes)


def compile_sql(
    text: str | None = None,
    *,
    collection: str = "posts",
    request: RequestInfo | None = None,
    client: bool = False,
    rule: str | None = None,
    sort: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Compile with the PostgreSQL dialect; returns (SQL text, bound parameters)."""
    coll = SCHEMA[collection]
    compiler = Compiler(coll, SCHEMA, request or RequestInfo(), now=NOW)
    if rule is not None:
        compiler.add_rule(rule)
    if text is not None:
        compiler.add_filter(text, client=client)
    if sort is not None:
        compiler.add_sort(parse_sort(sort), client=client)
    table = table_for(coll)
    statement = sa.select(table.c.id).where(compiler.where()).order_by(*compiler.order_by())
    compiled = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params)
