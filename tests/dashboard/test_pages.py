"""Dashboard pages over plain HTTP: the editors that the browser tests do not walk through."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import RunningServer
from tests.dashboard.helpers import sign_in
from tests.mail.smtp_server import SmtpServer, configure_smtp


class Dashboard:
    def __init__(self, http: httpx.AsyncClient, csrf: str) -> None:
        self.http, self.csrf = http, csrf

    async def post(self, path: str, data: dict[str, object] | list[tuple[str, str]]) -> httpx.Response:
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        form: dict[str, list[object]] = {}
        for key, value in [*pairs, ("_csrf", self.csrf)]:
            form.setdefault(key, []).append(value)
        return await self.http.post(path, data=form)

    async def flash(self, response: httpx.Response) -> str:
        assert response.status_code == 303, response.text
        return (await self.http.get(response.headers["location"])).text


@pytest.fixture
async def dash(server: RunningServer, superuser_token: str) -> AsyncIterator[Dashboard]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield Dashboard(http, await sign_in(http))


async def test_view_collection_with_query_preview(dash: Dashboard, admin: httpx.AsyncClient) -> None:
    await admin.post("/api/collections", json={"name": "posts", "fields": [{"name": "title", "type": "text"}]})
    await admin.post("/api/collections/posts/records", json={"title": "hello"})
    created = await dash.post(
        "/_/collections/new", {"name": "titles", "type": "view", "viewQuery": "SELECT id, title FROM posts"}
    )
    assert "View collection titles created." in await dash.flash(created)
    page = (await dash.http.get("/_/collections/titles/query")).text
    assert "hello" in page
    assert "Preview" in page
    preview = await dash.post(
        "/_/collections/titles/query", {"viewQuery": "SELECT id, upper(title) AS t FROM posts", "action": "preview"}
    )
    assert preview.status_code == 200
    assert "HELLO" in preview.text
    broken = await dash.post(
        "/_/collections/titles/query", {"viewQuery": "SELECT nope FROM posts", "action": "preview"}
    )
    assert broken.status_code == 400
    assert "nope" in broken.text
    readonly = await dash.post("/_/collections/titles/query", {"viewQuery": "DELETE FROM posts", "action": "preview"})
    assert readonly.status_code == 400
    assert (await admin.get("/api/collections/posts/records")).json()["totalItems"] == 1
    saved = await dash.post("/_/collections/titles/query", {"viewQuery": "SELECT id, title AS name FROM posts"})
    assert "The query was saved." in await dash.flash(saved)
    records = (await dash.http.get("/_/collections/titles/records")).text
    assert "hello" in records
    assert "New record" not in records


async def test_field_type_change_and_removal_confirmation(
    dash: Dashboard, admin: httpx.AsyncClient, server: RunningServer
) -> None:
    await admin.post(
        "/api/collections",
        json={"name": "items", "fields": [{"name": "count", "type": "text"}, {"name": "note", "type": "text"}]},
    )
    await admin.post("/api/collections/items/records", json={"count": "12", "note": "x"})
    items = server.runtime.registry.schema.find("items")
    assert items is not None
    form: list[tuple[str, str]] = [("name", "items"), ("action", "save")]
    for position, item in enumerate(items.fields):
        if item.name == "note":
            continue  # removed
        form += [
            (f"f-{position}-id", item.id),
            (f"f-{position}-name", item.name),
            (f"f-{position}-type", "number" if item.name == "count" else item.TYPE),
        ]
    confirm = await dash.post("/_/collections/items/fields", form)
    assert confirm.status_code == 200
    assert "note (Plain text)" in confirm.text
    assert "1 record" in confirm.text
    assert "count: Plain text → Number" in confirm.text
    payload = confirm.text.split('name="payload" value="')[1].split('"')[0]
    applied = await dash.post(
        "/_/collections/items/fields", {"action": "confirm", "payload": payload.replace("&#34;", '"')}
    )
    assert "The fields were saved." in await dash.flash(applied)
    record = (await admin.get("/api/collections/items/records")).json()["items"][0]
    assert record["count"] == 12
    assert "note" not in record


async def test_rules_syntax_check_and_errors(dash: Dashboard, server: RunningServer) -> None:
    users = server.runtime.registry.schema.find("users")
    assert users is not None
    ok = await dash.http.get("/_/api/rule-check", params={"collection": users.id, "rule": "id = @request.auth.id"})
    assert ok.json() == {"valid": True}
    bad = await dash.http.get("/_/api/rule-check", params={"collection": users.id, "rule": "id = (1"})
    assert bad.json()["valid"] is False
    assert bad.json()["position"] is not None
    unknown = await dash.http.get("/_/api/rule-check", params={"collection": users.id, "rule": "nope = 1"})
    assert unknown.json()["valid"] is False
    assert "nope" in unknown.json()["message"]
    saved = await dash.post(
        "/_/collections/users/rules",
        {"listRule-mode": "custom", "listRule-expression": "nope = 1", "viewRule-mode": "public"},
    )
    assert saved.status_code == 400
    assert "Invalid rule" in saved.text
    saved = await dash.post(
        "/_/collections/users/rules",
        {
            "listRule-mode": "custom",
            "listRule-expression": "verified = true",
            "viewRule-mode": "public",
            "createRule-mode": "locked",
            "updateRule-mode": "locked",
            "deleteRule-mode": "locked",
            "authRule-mode": "public",
            "manageRule-mode": "locked",
        },
    )
    assert "The rules were saved." in await dash.flash(saved)
    users = server.runtime.registry.schema.find("users")
    assert users is not None
    assert users.rules["listRule"] == "verified = true"
    assert users.rules["viewRule"] == ""
    assert users.rules["createRule"] is None


async def test_indexes_editor(dash: Dashboard, admin: httpx.AsyncClient, server: RunningServer) -> None:
    await admin.post("/api/collections", json={"name": "tags", "fields": [{"name": "label", "type": "text"}]})
    built = await dash.post(
        "/_/collections/tags/indexes", [("columns", "label"), ("unique", "true"), ("action", "build")]
    )
    assert "CREATE UNIQUE INDEX `idx_tags_label` ON `tags` (`label`)" in built.text.replace("&#96;", "`")
    index = "CREATE UNIQUE INDEX `idx_tags_label` ON `tags` (`label`)"
    saved = await dash.post("/_/collections/tags/indexes", {"index": index})
    assert "The indexes were saved." in await dash.flash(saved)
    tags = server.runtime.registry.schema.find("tags")
    assert tags is not None
    assert len(tags.indexes) == 1
    wrong = await dash.post("/_/collections/tags/indexes", {"index": "CREATE INDEX `x` ON `tags` (`missing`)"})
    assert wrong.status_code == 400
    assert "missing" in wrong.text


async def test_schema_export_and_import(dash: Dashboard, server: RunningServer) -> None:
    exported = await dash.http.get("/_/export.json")
    assert exported.headers["content-disposition"].startswith("attachment")
    collections = exported.json()
    assert {c["name"] for c in collections} >= {"users", "_superusers"}
    collections.append({"name": "imported", "type": "base", "fields": [{"name": "title", "type": "text"}]})
    done = await dash.post("/_/import", {"schema": json.dumps(collections)})
    assert "The schema was imported." in await dash.flash(done)
    assert server.runtime.registry.schema.find("imported") is not None
    broken = await dash.post("/_/import", {"schema": "{not json"})
    assert broken.status_code == 400
    assert "not valid JSON" in broken.text


async def test_mail_test_email_and_storage_test(
    dash: Dashboard, server: RunningServer, smtp_server: SmtpServer
) -> None:
    await configure_smtp(server, smtp_server)
    sent = await dash.post(
        "/_/settings/mail/test", {"email": "to@example.com", "template": "verification", "collection": "users"}
    )
    assert "A test email was sent to to@example.com." in await dash.flash(sent)
    [mail] = await smtp_server.wait_for(1)
    assert "to@example.com" in str(mail)
    refused = await dash.post("/_/settings/storage/test", {})
    assert "S3 is not enabled" in await dash.flash(refused)
    # The SMTP password is never shown, and a blank one keeps it.
    before = server.runtime.app_settings.current["smtp"]["password"]
    page = (await dash.http.get("/_/settings/mail")).text
    assert before == "" or before not in page
    saved = await dash.post(
        "/_/settings/mail",
        {"s-smtp-enabled": "true", "s-smtp-host": "127.0.0.1", "s-smtp-port": "2525", "s-smtp-password": ""},
    )
    assert "The settings were saved." in await dash.flash(saved)
    assert server.runtime.app_settings.current["smtp"]["password"] == before


async def test_auth_options_oauth2_provider(dash: Dashboard, server: RunningServer) -> None:
    added = await dash.post(
        "/_/collections/users/options", {"section": "oauth2", "action": "add", "new_provider": "github"}
    )
    assert added.status_code == 200
    assert 'name="p-0-clientId"' in added.text
    saved = await dash.post(
        "/_/collections/users/options",
        {
            "section": "oauth2",
            "s-oauth2-enabled": "true",
            "p-0-name": "github",
            "p-0-clientId": "id-1",
            "p-0-clientSecret": "secret-1",
        },
    )
    assert "OAuth2: saved." in await dash.flash(saved)
    again = await dash.post(
        "/_/collections/users/options",
        {
            "section": "oauth2",
            "s-oauth2-enabled": "true",
            "p-0-name": "github",
            "p-0-clientId": "id-2",
            "p-0-clientSecret": "",
        },
    )
    assert "OAuth2: saved." in await dash.flash(again)
    users = server.runtime.registry.schema.find("users")
    assert users is not None
    [provider] = users.auth_options["oauth2"]["providers"]
    assert provider["clientId"] == "id-2"
    assert provider["clientSecret"] == "secret-1"
    page = (await dash.http.get("/_/collections/users/options")).text
    assert "secret-1" not in page
    invalid = await dash.post("/_/collections/users/options", {"section": "tokens", "s-authToken-duration": "1"})
    assert invalid.status_code == 400
    assert "Must be no less than 10." in invalid.text


async def test_new_auth_collection_and_invalid_name(dash: Dashboard, server: RunningServer) -> None:
    invalid = await dash.post("/_/collections/new", {"name": "bad name!", "type": "base"})
    assert invalid.status_code == 400
    assert "bad name!" in invalid.text
    created = await dash.post("/_/collections/new", {"name": "members", "type": "auth"})
    page = await dash.flash(created)
    assert "Collection members created." in page
    members = server.runtime.registry.schema.find("members")
    assert members is not None
    assert members.is_auth
    assert {"email", "password", "tokenKey", "verified", "created", "updated"} <= {f.name for f in members.fields}
    assert 'value="email" readonly' in page


async def test_application_settings_trusted_proxy(dash: Dashboard, server: RunningServer) -> None:
    form = {
        "s-meta-appName": "Acme",
        "s-meta-appURL": "https://acme.example.com",
        "s-meta-senderName": "Acme",
        "s-meta-senderAddress": "no-reply@acme.example.com",
        "s-trustedProxy-headers": "X-Forwarded-For, X-Real-IP",
        "s-trustedProxy-useLeftmostIP": "true",
    }
    saved = await dash.post("/_/settings/application", form)
    assert "The settings were saved." in await dash.flash(saved)
    proxy = server.runtime.app_settings.current["trustedProxy"]
    assert proxy == {"headers": ["X-Forwarded-For", "X-Real-IP"], "useLeftmostIP": True}
    page = (await dash.http.get("/_/settings/application")).text
    assert 'id="s-trustedProxy-useLeftmostIP"' in page
