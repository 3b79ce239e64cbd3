"""A small in-memory schema (the collections package's real one is not needed for unit tests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


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
