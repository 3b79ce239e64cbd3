"""The dashboard over plain HTTP: who may reach it, CSRF, session expiry and revocation, escaping,
headers, and the first-run link."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from baas.auth.service import upsert_superuser
from dashboard.headers import CONTENT_SECURITY_POLICY
from dashboard.setup import setup_link
from dashboard.tables import sessions, setup_tokens
from tests.conftest import SUPERUSER_EMAIL, RunningServer
from tests.dashboard.helpers import csrf_of, sign_in

PUBLIC = {"/_/login", "/_/login/mfa", "/_/setup", "/_/auth/oauth2-redirect-success", "/_/auth/oauth2-redirect-failure"}


def _dashboard_routes(server: RunningServer) -> list[tuple[str, str]]:
    """(method, path) of every signed-in dashboard route, with sample path parameters."""
    samples = {"collection": "users", "record_id": "abc", "section": "application", "path": "anything"}
    found = []
    for route in server.app.routes:
        if not route.path.startswith("/_") or route.path.startswith("/_/static") or route.path in PUBLIC:
            continue
        path = re.sub(r"\{(\w+):\w+\}", lambda m: samples[m.group(1)], route.path)
        found += [(method, path) for method in sorted(route.methods) if method in ("GET", "POST")]
    return found


async def _user_token(admin: httpx.AsyncClient) -> str:
    created = await admin.post(
        "/api/collections/users/records",
        json={"email": "user@example.com", "password": "user-password", "passwordConfirm": "user-password"},
    )
    assert created.status_code == 200, created.text
    signed = await admin.post(
        "/api/collections/users/auth-with-password", json={"identity": "user@example.com", "password": "user-password"}
    )
    return str(signed.json()["token"])


async def test_no_dashboard_route_without_a_superuser_session(
    server: RunningServer, admin: httpx.AsyncClient, superuser_token: str
) -> None:
    user_token = await _user_token(admin)
    routes = _dashboard_routes(server)
    assert len(routes) > 30
    attempts: list[dict[str, Any]] = [
        {},  # nobody
        {"headers": {"Authorization": user_token}},  # a user's API token
        {"headers": {"Authorization": superuser_token}},  # even a superuser's API token: only the cookie counts
        {"cookies": {"baas_session": user_token}},  # a token where the session cookie goes
        {"cookies": {"baas_session": superuser_token}},
    ]
    for attempt in attempts:
        async with httpx.AsyncClient(base_url=server.url, **attempt) as http:
            for method, path in routes:
                response = await http.request(method, path, data={"name": "hacked", "_csrf": "x"})
                if path.startswith("/_/api/"):
                    assert response.status_code == 401, (method, path, attempt)
                else:
                    assert response.status_code == 303, (method, path, attempt, response.status_code)
                    assert response.headers["location"].startswith("/_/login"), (method, path)
    assert server.runtime.registry.schema.find("hacked") is None


async def test_csrf_token_required_on_every_post(server: RunningServer, superuser_token: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        csrf = await sign_in(http)
        form = {"name": "notes", "type": "base"}
        assert (await http.post("/_/collections/new", data=form)).status_code == 403
        assert (await http.post("/_/collections/new", data={**form, "_csrf": "wrong"})).status_code == 403
        cross = await http.post(
            "/_/collections/new", data={**form, "_csrf": csrf}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert cross.status_code == 403
        other = await http.post(
            "/_/collections/new", data={**form, "_csrf": csrf}, headers={"Origin": "https://evil.example"}
        )
        assert other.status_code == 403
        assert server.runtime.registry.schema.find("notes") is None
        assert (await http.post("/_/logout")).status_code == 403  # even signing out
        # Another session's token is no good either.
        async with httpx.AsyncClient(base_url=server.url) as second:
            other_csrf = await sign_in(second)
        assert (await http.post("/_/collections/new", data={**form, "_csrf": other_csrf})).status_code == 403
        accepted = await http.post("/_/collections/new", data={**form, "_csrf": csrf})
        assert accepted.status_code == 303
        assert server.runtime.registry.schema.find("notes") is not None
    # The sign-in form has its own token, bound to a cookie.
    async with httpx.AsyncClient(base_url=server.url) as http:
        refused = await http.post("/_/login", data={"email": SUPERUSER_EMAIL, "password": "1234567890"})
        assert refused.status_code == 403
        assert "baas_session" not in http.cookies


async def test_session_expiry_and_revocation(server: RunningServer, superuser_token: str) -> None:
    runtime = server.runtime
    async with httpx.AsyncClient(base_url=server.url) as http:
        await sign_in(http)
        cookie = http.cookies["baas_session"]
        async with runtime.engine.begin() as connection:
            await connection.execute(update(sessions).values(expires=func.now() - func.make_interval(0, 0, 0, 0, 0, 1)))
        expired = await http.get("/_/collections")
        assert expired.status_code == 303
        assert expired.headers["location"].startswith("/_/login")
        async with runtime.engine.connect() as connection:
            assert (await connection.execute(select(func.count()).select_from(sessions))).scalar_one() == 0
        # A password change (it rotates the tokenKey) ends every session of that superuser.
        await sign_in(http)
        assert (await http.get("/_/collections")).status_code == 200
        schema = runtime.registry.schema
        await upsert_superuser(runtime.engine, schema, runtime.hasher, SUPERUSER_EMAIL, "a new password")
        revoked = await http.get("/_/collections")
        assert revoked.status_code == 303
        # Signing out ends the session for good, even for someone holding the old cookie.
        await sign_in(http, password="a new password")
        kept = http.cookies["baas_session"]
        page = await http.get("/_/collections")
        assert (await http.post("/_/logout", data={"_csrf": csrf_of(page.text)})).status_code == 303
    async with httpx.AsyncClient(base_url=server.url, cookies={"baas_session": kept}) as thief:
        assert (await thief.get("/_/collections")).status_code == 303
    async with httpx.AsyncClient(base_url=server.url, cookies={"baas_session": cookie}) as thief:
        assert (await thief.get("/_/collections")).status_code == 303


async def test_session_cookie_attributes(server: RunningServer, superuser_token: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get("/_/login")
        response = await http.post(
            "/_/login",
            data={
                "_csrf": csrf_of(page.text),
                "email": SUPERUSER_EMAIL,
                "password": "1234567890",
                "next": "//evil.example/x",
            },
        )
        assert response.headers["location"] == "/_/collections"  # no open redirect
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "path=/_" in cookie
        assert "secure" not in cookie  # plain http here; https adds it


async def test_user_values_are_escaped(server: RunningServer, admin: httpx.AsyncClient) -> None:
    payload = "<script>alert('xss')</script>"
    created = await admin.post(
        "/api/collections",
        json={
            "name": "notes",
            "type": "base",
            "fields": [
                {"name": "body", "type": "text", "help": "<img src=x onerror=alert(1)>"},
                {"name": "data", "type": "json"},
            ],
        },
    )
    assert created.status_code == 200, created.text
    record = await admin.post("/api/collections/notes/records", json={"body": payload, "data": {"k": payload}})
    assert record.status_code == 200, record.text
    record_id = record.json()["id"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        await sign_in(http)
        for path in (
            "/_/collections/notes/records",
            f"/_/collections/notes/records/{record_id}",
            "/_/collections/notes/fields",
            f"/_/collections/notes/records?filter={payload}",
        ):
            html = (await http.get(path)).text
            assert "<script>alert" not in html, path
            assert "<img src=x" not in html, path
        listing = (await http.get("/_/collections/notes/records")).text
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in listing
        assert "&lt;img src=x onerror=alert(1)&gt;" in (await http.get("/_/collections/notes/fields")).text


async def test_dashboard_headers(server: RunningServer, superuser_token: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for path in ("/_/login", "/_/collections", "/_/static/dashboard.css", "/_/nothing/here"):
            response = await http.get(path)
            assert response.headers["x-frame-options"] == "DENY", path
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        await sign_in(http)
        page = await http.get("/_/collections")
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text
        assert "style=" not in page.text
        api = await http.get("/api/health")
        assert api.headers["x-frame-options"] == "SAMEORIGIN"
        assert "content-security-policy" not in api.headers


async def test_first_run_link(server: RunningServer) -> None:
    runtime = server.runtime
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/_/setup?token=nope")).status_code == 403
        link = await setup_link(runtime.engine, runtime.registry.schema, server.url)
        assert link is not None
        assert link.startswith(f"{server.url}/_/setup?token=")
        token = link.split("token=")[1]
        page = await http.get(link)
        assert page.status_code == 200
        form = {"_csrf": csrf_of(page.text), "token": token, "email": "first@example.com"}
        mismatch = await http.post("/_/setup", data={**form, "password": "long enough 1", "passwordConfirm": "other"})
        assert mismatch.status_code == 400
        assert "The passwords do not match." in mismatch.text
        short = await http.post("/_/setup", data={**form, "password": "short", "passwordConfirm": "short"})
        assert short.status_code == 400  # the token is still good after a validation error
        good = {"password": "long enough 1", "passwordConfirm": "long enough 1"}
        done = await http.post("/_/setup", data={**form, **good})
        assert done.status_code == 303
        assert "baas_session" in http.cookies
        assert (await http.get("/_/collections")).status_code == 200
    async with runtime.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(setup_tokens))).scalar_one() == 0
    async with httpx.AsyncClient(base_url=server.url) as http:
        again = await http.get(link)
        assert again.status_code == 303  # a superuser exists: straight to sign-in
        page = await http.get("/_/login")
        second = {
            "_csrf": csrf_of(page.text),
            "email": "second@example.com",
            "password": "long enough 2",
            "passwordConfirm": "long enough 2",
        }
        reuse = await http.post("/_/setup", data={**form, **second})
        assert reuse.status_code == 400
    assert await setup_link(runtime.engine, runtime.registry.schema, server.url) is None


async def test_expired_setup_link(server: RunningServer) -> None:
    runtime = server.runtime
    link = await setup_link(runtime.engine, runtime.registry.schema, server.url)
    assert link is not None
    async with runtime.engine.begin() as connection:
        await connection.execute(update(setup_tokens).values(expires=func.now()))
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(link)).status_code == 403


def test_serve_announces_the_link(capsys: pytest.CaptureFixture[str], settings: Any) -> None:
    from baas.cli import _announce

    _announce(settings, True, "http://127.0.0.1:8090/_/setup?token=abc")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8090/_/setup?token=abc" in out
    assert "one-time link" in out


async def test_the_sign_in_form_is_rate_limited_like_the_api(server: RunningServer, admin: httpx.AsyncClient) -> None:
    rule = {"label": "_superusers:auth", "maxRequests": 2, "duration": 60, "audience": ""}
    response = await admin.patch("/api/settings", json={"rateLimits": {"enabled": True, "rules": [rule]}})
    assert response.status_code == 200, response.text
    async with httpx.AsyncClient(base_url=server.url) as browser:
        page = await browser.get("/_/login")
        form = {
            "_csrf": csrf_of(page.text),
            "email": "nobody@example.com",
            "password": "wrong",
            "next": "/_/collections",
        }
        statuses = [(await browser.post("/_/login", data=form)).status_code for _ in range(3)]
        assert statuses == [400, 400, 429]
        limited = await browser.post("/_/login", data=form)
        assert limited.headers["content-type"].startswith("text/plain")
        assert limited.text.startswith("Too many attempts. Try again in")
        assert int(limited.headers["retry-after"]) >= 1
    # The API's own sign-in endpoint counts separately under the same rule.
    async with httpx.AsyncClient(base_url=server.url) as api:
        body = {"identity": "nobody@example.com", "password": "wrong"}
        answer = await api.post("/api/collections/_superusers/auth-with-password", json=body)
        assert answer.status_code == 400
