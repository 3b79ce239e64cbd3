"""Record events reach exactly the subscribers the rules allow, rendered for each of them.

"Nothing else arrived" is proven with a sentinel: delivery keeps order per client, so when the next
message is the sentinel, nothing was delivered before it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import event as sa_event

from tests.conftest import RunningServer
from tests.realtime.conftest import POSTS, create, create_collection, create_user, delivered, sign_in
from tests.realtime.sse import RealtimeClient


def with_options(topic: str, **options: Any) -> str:
    return f"{topic}?options={quote(json.dumps(options))}"


async def setup_posts(admin: httpx.AsyncClient, client: httpx.AsyncClient) -> dict[str, Any]:
    await create_collection(admin, POSTS)
    alice_id, alice = await create_user(client, "alice@example.com")
    bob_id, bob = await create_user(client, "bob@example.com")
    return {"alice_id": alice_id, "alice": alice, "bob_id": bob_id, "bob": bob}


async def test_create_update_delete_events(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = await setup_posts(admin, client)
    async with RealtimeClient(server.url) as guest:
        assert (await guest.subscribe("posts/*")).status_code == 204
        post = await create(
            client,
            "posts",
            {"title": "Hello", "published": True, "owner": users["alice_id"], "secret": "x"},
            users["alice"],
        )
        message = await guest.next()
        assert message.id == guest.client_id
        assert message.event == "posts/*"
        assert message.data == {"action": "create", "record": post}
        assert list(json.loads(message.raw)) == ["record", "action"]
        headers = {"Authorization": users["alice"]}
        updated = (
            await client.patch(f"/api/collections/posts/records/{post['id']}", json={"title": "Bye"}, headers=headers)
        ).json()
        assert (await guest.next()).data == {"action": "update", "record": updated}
        response = await client.delete(f"/api/collections/posts/records/{post['id']}", headers=headers)
        assert response.status_code == 204
        assert (await guest.next()).data == {"action": "delete", "record": updated}


async def test_rules_decide_who_sees_what(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = await setup_posts(admin, client)
    alice_token, alice_id = users["alice"], users["alice_id"]
    async with (
        RealtimeClient(server.url) as alice,
        RealtimeClient(server.url) as bob,
        RealtimeClient(server.url) as guest,
    ):
        assert (await alice.subscribe("posts/*", token=alice_token)).status_code == 204
        assert (await bob.subscribe("posts/*", token=users["bob"])).status_code == 204
        assert (await guest.subscribe("posts/*")).status_code == 204

        private = await create(client, "posts", {"title": "diary", "owner": alice_id}, alice_token)
        public = await create(client, "posts", {"title": "news", "published": True, "owner": alice_id}, alice_token)
        assert (await alice.next()).data["record"]["id"] == private["id"]
        assert (await alice.next()).data["record"]["id"] == public["id"]
        for other in (bob, guest):
            assert (await other.next()).data["record"]["id"] == public["id"], "bob never sees alice's diary"

        # Unpublishing: the event carries the new state, which bob may not see.
        headers = {"Authorization": alice_token}
        await client.patch(f"/api/collections/posts/records/{public['id']}", json={"published": False}, headers=headers)
        assert (await alice.next()).data["action"] == "update"
        # Deletes are checked against the row as it was: bob sees the public one go, not the private one.
        await client.patch(f"/api/collections/posts/records/{public['id']}", json={"published": True}, headers=headers)
        for record in (private, public):
            response = await client.delete(f"/api/collections/posts/records/{record['id']}", headers=headers)
            assert response.status_code == 204
        for other in (bob, guest):
            message = await other.next()
            assert (message.data["action"], message.data["record"]["published"]) == ("update", True)
            message = await other.next()
            assert (message.data["action"], message.data["record"]["id"]) == ("delete", public["id"])
        assert [(await alice.next()).data["action"] for _ in range(3)] == ["update", "delete", "delete"]


async def test_null_rule_delivers_to_superusers_only(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient, superuser_token: str
) -> None:
    await create_collection(admin, {"name": "vault", "type": "base", "fields": [{"name": "v", "type": "text"}]})
    await create_collection(
        admin,
        {"name": "open", "type": "base", "fields": [{"name": "v", "type": "text"}], "listRule": "", "viewRule": ""},
    )
    _uid, token = await create_user(client, "carol@example.com")
    async with RealtimeClient(server.url) as su, RealtimeClient(server.url) as user:
        assert (await su.subscribe("vault/*", token=superuser_token)).status_code == 204
        assert (await user.subscribe("vault/*", "open/*", token=token)).status_code == 204
        secret = await create(admin, "vault", {"v": "s"})
        sentinel = await create(admin, "open", {"v": "o"})
        assert (await su.next()).data["record"]["id"] == secret["id"]
        assert (await user.next()).data["record"]["id"] == sentinel["id"]


async def test_record_topic_uses_the_view_rule(server: RunningServer, admin: httpx.AsyncClient) -> None:
    await create_collection(
        admin,
        {"name": "notes", "type": "base", "fields": [{"name": "v", "type": "text"}], "listRule": None, "viewRule": ""},
    )
    first = await create(admin, "notes", {"v": "1"})
    second = await create(admin, "notes", {"v": "2"})
    async with RealtimeClient(server.url) as guest:
        topics = ("notes/*", f"notes/{second['id']}", f"{first['collectionId']}/{first['id']}")
        assert (await guest.subscribe(*topics)).status_code == 204
        for record in (first, second):
            await admin.patch(f"/api/collections/notes/records/{record['id']}", json={"v": "changed"})
        message = await guest.next()
        assert (message.event, message.data["record"]["id"]) == (topics[2], first["id"])
        message = await guest.next()
        assert (message.event, message.data["record"]["id"]) == (topics[1], second["id"])


async def test_options_fields_expand_filter_and_the_event_name(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = await setup_posts(admin, client)
    # Users see only themselves (the default users rules), so only alice's expand shows her record.
    fields = with_options("posts/*", query={"fields": "id,title"})
    expand = with_options("posts/*", query={"expand": "owner", "fields": "title,expand.owner.email"})
    matching = with_options("posts/*", query={"filter": "title ~ 'match'"})
    bare = "posts"
    async with RealtimeClient(server.url) as alice, RealtimeClient(server.url) as bob:
        assert (await alice.subscribe(fields, expand, matching, bare, token=users["alice"])).status_code == 204
        assert (await bob.subscribe(expand, token=users["bob"])).status_code == 204
        body = {"title": "a match", "published": True, "owner": users["alice_id"]}
        post = await create(client, "posts", body, users["alice"])
        received = {m.event: m.data for m in [await alice.next() for _ in range(4)]}
        assert received[fields] == {"action": "create", "record": {"id": post["id"], "title": "a match"}}
        assert received[expand]["record"] == {"title": "a match", "expand": {"owner": {"email": "alice@example.com"}}}
        assert received[matching]["record"] == post
        assert received[bare]["record"] == post
        assert (await bob.next()).data["record"] == {"title": "a match", "expand": {}}
        # A non-matching record skips the filtered topic only.
        other = await create(client, "posts", {**body, "title": "other"}, users["alice"])
        events = sorted(m.event for m in [await alice.next() for _ in range(3)])
        assert events == sorted([fields, expand, bare])
        assert all(m.data["record"]["title"] == "other" for m in [await bob.next()])
        assert other["id"]


async def test_options_headers_and_query_reach_the_rules(server: RunningServer, admin: httpx.AsyncClient) -> None:
    await create_collection(
        admin,
        {
            "name": "gated",
            "type": "base",
            "fields": [{"name": "v", "type": "text"}],
            "listRule": "@request.headers.x_token = 'open-sesame' && @request.query.lang = 'en'",
        },
    )
    await create_collection(
        admin, {"name": "open", "type": "base", "fields": [{"name": "v", "type": "text"}], "listRule": ""}
    )
    good = with_options("gated/*", headers={"X-Token": "open-sesame"}, query={"lang": "en"})
    bad = with_options("gated/*", headers={"X-Token": "wrong"}, query={"lang": "en"})
    async with RealtimeClient(server.url) as rt:
        assert (await rt.subscribe(bad, good, "open/*")).status_code == 204
        record = await create(admin, "gated", {"v": "1"})
        sentinel = await create(admin, "open", {"v": "2"})
        message = await rt.next()
        assert (message.event, message.data["record"]["id"]) == (good, record["id"])
        assert (await rt.next()).data["record"]["id"] == sentinel["id"]


async def test_a_superuser_only_filter_matches_nothing_for_users(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await create_collection(
        admin, {"name": "open", "type": "base", "fields": [{"name": "v", "type": "text"}], "listRule": ""}
    )
    sneaky = with_options("open/*", query={"filter": "@request.auth.id = ''"})
    async with RealtimeClient(server.url) as rt:
        assert (await rt.subscribe(sneaky, "open/*")).status_code == 204
        record = await create(admin, "open", {"v": "1"})
        message = await rt.next()
        assert (message.event, message.data["record"]["id"]) == ("open/*", record["id"])
        await delivered(server)
        assert rt.messages.empty()


async def test_auth_records_show_email_to_themselves_only(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await admin.patch("/api/collections/users", json={"listRule": "", "viewRule": ""})
    alice_id, alice = await create_user(client, "alice@example.com")
    _bob_id, bob = await create_user(client, "bob@example.com")
    async with RealtimeClient(server.url) as rt_alice, RealtimeClient(server.url) as rt_bob:
        assert (await rt_alice.subscribe(f"users/{alice_id}", token=alice)).status_code == 204
        assert (await rt_bob.subscribe(f"users/{alice_id}", token=bob)).status_code == 204
        await admin.patch(f"/api/collections/users/records/{alice_id}", json={"name": "Alice"})
        mine, theirs = (await rt_alice.next()).data["record"], (await rt_bob.next()).data["record"]
        assert mine["email"] == "alice@example.com"
        assert "email" not in theirs
        assert "password" not in mine
        assert "tokenKey" not in mine
        assert {k: v for k, v in mine.items() if k != "email"} == theirs


async def test_password_change_downgrades_the_client_to_a_guest(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = await setup_posts(admin, client)
    alice_id, alice = users["alice_id"], users["alice"]
    async with RealtimeClient(server.url) as rt:
        assert (await rt.subscribe("posts/*", f"users/{alice_id}", token=alice)).status_code == 204
        await admin.patch(f"/api/collections/users/records/{alice_id}", json={"name": "A"})
        assert (await rt.next()).data["record"]["name"] == "A", "the users viewRule lets alice see herself"
        new_password = {"password": "changed-pass-1", "passwordConfirm": "changed-pass-1", "oldPassword": "password123"}
        response = await client.patch(
            f"/api/collections/users/records/{alice_id}", json=new_password, headers={"Authorization": alice}
        )
        assert response.status_code == 200, response.text
        new_token = await sign_in(client, "alice@example.com", "changed-pass-1")
        await create(client, "posts", {"title": "private", "owner": alice_id}, new_token)
        public = await create(client, "posts", {"title": "public", "published": True, "owner": alice_id}, new_token)
        message = await rt.next()
        assert (message.event, message.data["record"]["id"]) == ("posts/*", public["id"]), "now a guest"
        # As a guest again, the client may sign in once more (as anyone).
        assert (await rt.subscribe("posts/*", token=new_token)).status_code == 204


async def test_token_revoked_behind_our_back_is_noticed_when_delivering(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = await setup_posts(admin, client)
    alice_id, alice = users["alice_id"], users["alice"]
    async with RealtimeClient(server.url) as rt:
        assert (await rt.subscribe("posts/*", token=alice)).status_code == 204
        async with server.runtime.engine.begin() as connection:
            await connection.exec_driver_sql(
                "UPDATE data.users SET \"tokenKey\" = 'rotated-without-an-event-000000' WHERE id = $1", (alice_id,)
            )
        await create(admin, "posts", {"title": "private", "owner": alice_id})
        public = await create(admin, "posts", {"title": "public", "published": True, "owner": alice_id})
        assert (await rt.next()).data["record"]["id"] == public["id"]
        assert server.app.state.realtime.broker.get(rt.client_id).identity is None


async def test_rolled_back_writes_send_nothing(server: RunningServer, admin: httpx.AsyncClient) -> None:
    await create_collection(
        admin,
        {
            "name": "open",
            "type": "base",
            "fields": [{"name": "v", "type": "text", "required": True}],
            "listRule": "",
            "createRule": "",
        },
    )
    await admin.patch("/api/settings", json={"batch": {"enabled": True, "maxRequests": 10}})
    async with RealtimeClient(server.url) as rt:
        assert (await rt.subscribe("open/*")).status_code == 204
        batch = {
            "requests": [
                {"method": "POST", "url": "/api/collections/open/records", "body": {"v": "first"}},
                {"method": "POST", "url": "/api/collections/open/records", "body": {}},
            ]
        }
        response = await admin.post("/api/batch", json=batch)
        assert response.status_code == 400, response.text
        sentinel = await create(admin, "open", {"v": "after"})
        assert (await rt.next()).data["record"]["id"] == sentinel["id"]


async def test_one_query_per_event_however_many_subscribers(
    server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = await setup_posts(admin, client)
    tokens = [users["alice"], users["bob"]] + [(await create_user(client, f"u{i}@example.com"))[1] for i in range(3)]
    connections = [RealtimeClient(server.url) for _ in range(20)]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "pg_notify" not in statement:
            statements.append(statement)

    try:
        for index, rt in enumerate(connections):
            await rt.__aenter__()
            token = tokens[index % len(tokens)] if index % 3 else None
            assert (await rt.subscribe("posts/*", token=token)).status_code == 204
        warm_up = {"title": "warm-up", "published": True, "owner": users["alice_id"]}
        await create(client, "posts", warm_up, users["alice"])
        await delivered(server)
        engine = server.runtime.engine.sync_engine
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            await create(client, "posts", {"title": "one", "owner": users["alice_id"]}, users["alice"])
            await delivered(server)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        rule_queries = [s for s in statements if "FROM (SELECT" in s]
        assert len(rule_queries) == 1, rule_queries
    finally:
        for rt in connections:
            await rt.close()
