"""Compiled rules are reused only where that cannot change an answer (``baas.records.rule_cache``)."""

from __future__ import annotations

import httpx
import pytest

from baas.records import rule_cache
from baas.records.rule_cache import is_cacheable
from tests.conftest import RunningServer


@pytest.mark.parametrize(
    ("rule", "cacheable"),
    [
        ("owner = @request.auth.id", True),
        ("published = true || owner = @request.auth.id", True),
        ("@request.auth.role = 'admin' && @request.auth.team.name != ''", True),
        ("@collection.members.user ?= @request.auth.id", True),
        ("title ~ 'x'", True),
        ("@request.body.title != ''", False),
        ("@request.query.secret = 'x'", False),
        ("@request.headers.x_token = 'x'", False),
        ("@request.method = 'GET'", False),
        ("@request.context != 'oauth2'", False),
        ("created > @now", False),
        ("created > @todayStart", False),
        ("strftime('%Y', created) = '2026'", False),
        ("geoDistance(0, 0, 1, 1) < 10", False),
        ("(((", False),
    ],
)
def test_which_rules_are_cached(rule: str, cacheable: bool) -> None:
    assert is_cacheable(rule) is cacheable


async def _user(admin: httpx.AsyncClient, server: RunningServer, email: str, role: str) -> tuple[str, str]:
    body = {"email": email, "password": "password123", "passwordConfirm": "password123", "role": role}
    created = await admin.post("/api/collections/users/records", json=body)
    assert created.status_code == 200, created.text
    async with httpx.AsyncClient(base_url=server.url) as http:
        signed = await http.post(
            "/api/collections/users/auth-with-password", json={"identity": email, "password": "password123"}
        )
    return created.json()["id"], signed.json()["token"]


async def test_answers_follow_the_caller_and_their_record(server: RunningServer, admin: httpx.AsyncClient) -> None:
    users = (await admin.get("/api/collections/users")).json()
    role = {"name": "role", "type": "text"}
    assert (await admin.patch("/api/collections/users", json={"fields": [*users["fields"], role]})).status_code == 200
    notes = {
        "name": "notes",
        "fields": [
            {"name": "title", "type": "text"},
            {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        ],
        "viewRule": "owner = @request.auth.id || @request.auth.role = 'admin'",
    }
    assert (await admin.post("/api/collections", json=notes)).status_code == 200
    alice, alice_token = await _user(admin, server, "alice@example.com", "member")
    _bob, bob_token = await _user(admin, server, "bob@example.com", "member")
    note = (await admin.post("/api/collections/notes/records", json={"title": "a", "owner": alice})).json()
    url = f"/api/collections/notes/records/{note['id']}"
    async with httpx.AsyncClient(base_url=server.url) as http:
        for _ in range(3):  # alternating callers of one rule
            assert (await http.get(url, headers={"Authorization": alice_token})).status_code == 200
            assert (await http.get(url, headers={"Authorization": bob_token})).status_code == 404
            assert (await http.get(url)).status_code == 404
        schema = server.runtime.registry.schema
        compiled = [
            key for key, entry in rule_cache._entries.items() if entry[0] is schema and key[3] == notes["viewRule"]
        ]
        assert len(compiled) == 3, "one compiled condition each for alice, bob and guests"
        # Bob becomes an admin: the same token, a changed record, another answer.
        bob_id = _bob
        assert (
            await admin.patch(f"/api/collections/users/records/{bob_id}", json={"role": "admin"})
        ).status_code == 200
        assert (await http.get(url, headers={"Authorization": bob_token})).status_code == 200
        assert (
            await admin.patch(f"/api/collections/users/records/{bob_id}", json={"role": "member"})
        ).status_code == 200
        assert (await http.get(url, headers={"Authorization": bob_token})).status_code == 404
        # A changed rule is a new key.
        assert (await admin.patch("/api/collections/notes", json={"viewRule": "title = 'a'"})).status_code == 200
        assert (await http.get(url, headers={"Authorization": bob_token})).status_code == 200
