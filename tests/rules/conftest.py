"""The data set PocketBase 0.40.6 answered the filter table of ``/work/pbref/filters.md`` over, served by baas.

``filter_world`` builds it once per module through the real HTTP API (its tests must run in the module's
event loop: ``pytestmark = pytest.mark.asyncio(loop_scope="module")``). Users, records and the ``items``
collection keep PocketBase's ids, so rows of the table that name an id read exactly as captured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio

from tests.conftest import RunningServer, login_superuser

GUEST = "guest"
ALICE_VIEWER = "alice"
BOB_VIEWER = "bob"
SUPERUSER = "superuser"

ALICE, BOB, CAROL = "7jvxy2dw59a4wcr", "n2gp5ap17kkvezv", "dec5sakauvjaxxb"
ITEMS_ID = "pbc_710432678"
R1_ID = "h2xm4fvkiijzdg1"
USER_PASSWORD = "password123"
DEFAULT_USERS_RULE = "id = @request.auth.id"

ITEM_FIELDS = [
    {"name": "code", "type": "text"},
    {"name": "title", "type": "text"},
    {"name": "views", "type": "number"},
    {"name": "published", "type": "bool"},
    {"name": "tags", "type": "select", "values": ["a", "b", "c", "d"], "maxSelect": 4},
    {"name": "category", "type": "select", "values": ["x", "y"], "maxSelect": 1},
    {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
    {"name": "members", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 10},
    {"name": "meta", "type": "json"},
    {"name": "loc", "type": "geoPoint"},
    {"name": "publishAt", "type": "date"},
    {"name": "secret", "type": "text", "hidden": True},
    {"name": "created", "type": "autodate", "onCreate": True},
    {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
]

ITEMS = [
    dict(
        id=R1_ID,
        code="r1",
        title="Hello World",
        views=5,
        published=True,
        tags=["a", "b"],
        category="x",
        owner=ALICE,
        members=[ALICE],
        meta={"a": 1, "list": [1, 2, 3], "flag": True},
        loc={"lon": 13.4, "lat": 52.5},
        publishAt="2024-03-01 10:00:00.000Z",
        secret="s1",
    ),
    dict(
        id="yepa3ymvilb3anq",
        code="r2",
        title="",
        views=0,
        published=False,
        tags=[],
        category="",
        owner="",
        members=[],
        meta=None,
        loc={"lon": 0, "lat": 0},
        publishAt="",
        secret="",
    ),
    dict(
        id="zj8ak3yjv0b5v09",
        code="r3",
        title="hello_world",
        views=10,
        published=True,
        tags=["a"],
        category="y",
        owner=BOB,
        members=[ALICE, BOB],
        meta={"a": {"b": "x"}},
        loc={"lon": 2.35, "lat": 48.85},
        publishAt="2023-06-15 00:00:00.000Z",
    ),
    dict(
        id="l72oepqvoso8g9c",
        code="r4",
        title="100% sure",
        views=-3,
        published=False,
        tags=["b", "c"],
        category="",
        owner=ALICE,
        members=[BOB],
        meta={"a": 2, "list": [0, 2]},
        loc={"lon": -74, "lat": 40.7},
        publishAt="2025-12-31 23:59:59.000Z",
    ),
    dict(
        id="k4hy447n2jva4fm",
        code="r5",
        title="back\\slash",
        views=5.5,
        published=False,
        tags=["a", "b", "c", "d"],
        category="x",
        owner=CAROL,
        members=[BOB, CAROL],
        meta={"flag": False},
        loc={"lon": 13.5, "lat": 52.6},
        publishAt="2099-01-01 00:00:00.000Z",
    ),
    dict(
        id="kuyzvhi3siyqbop",
        code="r6",
        title="Bob's post",
        views=100,
        published=True,
        tags=["d"],
        category="y",
        owner=BOB,
        members=[ALICE, BOB, CAROL],
        meta=[1, 2],
        loc={"lon": 151.2, "lat": -33.87},
        publishAt="2024-12-31 23:59:59.999Z",
    ),
    dict(
        id="p2nbybhvgupzy8f",
        code="r7",
        title="UPPER case",
        views=0,
        published=False,
        tags=["c"],
        category="",
        owner=ALICE,
        members=[ALICE, ALICE],
        meta={"a": "1"},
        loc={"lon": 10.5, "lat": 0},
        publishAt="2024-01-01 00:00:00.000Z",
    ),
    dict(
        id="u7nd5mhgpla6uv0",
        code="r8",
        title="2024",
        views=7,
        published=True,
        tags=[],
        category="x",
        owner="",
        members=[CAROL],
        meta={},
        loc={"lon": 0, "lat": 0},
        publishAt="2030-06-01 12:00:00.000Z",
    ),
]

COMMENTS = [("r1", "nice post"), ("r1", "very nice"), ("r3", "nice one"), ("r3", "meh"), ("r4", "boring")]


@dataclass
class World:
    """The running server with the data set, one HTTP client, and a token per viewer."""

    server: RunningServer
    database_url: str
    http: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    users_rule: str = DEFAULT_USERS_RULE
    notes: bool = False

    async def get(
        self, url: str, viewer: str = SUPERUSER, headers: Mapping[str, str] | None = None, params: Any = None
    ) -> httpx.Response:
        sent = dict(headers or {})
        if viewer != GUEST:
            sent["Authorization"] = self.tokens[viewer]
        return await self.http.get(url, headers=sent, params=params)

    async def set_users_rules(self, rule: str) -> None:
        """``users`` list/view rules: the default for the ``items`` tables, ``""`` for the users table."""
        if rule == self.users_rule:
            return
        response = await self.http.patch(
            "/api/collections/users",
            json={"listRule": rule, "viewRule": rule},
            headers={"Authorization": self.tokens[SUPERUSER]},
        )
        assert response.status_code == 200, response.text
        self.users_rule = rule

    async def ensure_notes(self, texts: list[str]) -> None:
        """A public ``notes`` collection (one text field) holding ``texts``, created on first use."""
        if self.notes:
            return
        admin = {"Authorization": self.tokens[SUPERUSER]}
        body = {"name": "notes", "listRule": "", "fields": [{"name": "text", "type": "text"}]}
        response = await self.http.post("/api/collections", json=body, headers=admin)
        assert response.status_code == 200, response.text
        for text in texts:
            response = await self.http.post("/api/collections/notes/records", json={"text": text}, headers=admin)
            assert response.status_code == 200, response.text
        self.notes = True


async def _build(world: World) -> None:
    admin = {"Authorization": world.tokens[SUPERUSER]}
    http = world.http
    for user_id, name, visible in [(ALICE, "Alice", False), (BOB, "Bob", True), (CAROL, "Carol", False)]:
        body = {
            "id": user_id,
            "email": f"{name.lower()}@example.com",
            "password": USER_PASSWORD,
            "passwordConfirm": USER_PASSWORD,
            "name": name,
            "emailVisibility": visible,
        }
        response = await http.post("/api/collections/users/records", json=body, headers=admin)
        assert response.status_code == 200, response.text
    for viewer, email in [(ALICE_VIEWER, "alice@example.com"), (BOB_VIEWER, "bob@example.com")]:
        response = await http.post(
            "/api/collections/users/auth-with-password", json={"identity": email, "password": USER_PASSWORD}
        )
        assert response.status_code == 200, response.text
        world.tokens[viewer] = response.json()["token"]
    items = {"id": ITEMS_ID, "name": "items", "fields": ITEM_FIELDS, "listRule": "", "viewRule": ""}
    response = await http.post("/api/collections", json=items, headers=admin)
    assert response.status_code == 200, response.text
    comments = {
        "name": "comments",
        "listRule": "",
        "viewRule": "",
        "fields": [
            {"name": "post", "type": "relation", "collectionId": ITEMS_ID, "maxSelect": 1},
            {"name": "text", "type": "text"},
        ],
    }
    response = await http.post("/api/collections", json=comments, headers=admin)
    assert response.status_code == 200, response.text
    ids = {}
    for item in ITEMS:
        response = await http.post("/api/collections/items/records", json=item, headers=admin)
        assert response.status_code == 200, response.text
        ids[item["code"]] = item["id"]
    for code, text in COMMENTS:
        body = {"post": ids[code], "text": text}
        response = await http.post("/api/collections/comments/records", json=body, headers=admin)
        assert response.status_code == 200, response.text


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def filter_world(module_server: RunningServer, module_database_url: str) -> AsyncIterator[World]:
    """The filters.md data set on this module's server (users Alice, Bob, Carol; 8 items; 5 comments)."""
    async with httpx.AsyncClient(base_url=module_server.url, timeout=60) as http:
        world = World(module_server, module_database_url, http, {SUPERUSER: await login_superuser(module_server)})
        await _build(world)
        yield world
