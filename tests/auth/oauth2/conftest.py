"""Fixtures for the OAuth2 tests: a local identity provider and the steps a client app takes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from baas.auth.oauth2.methods import auth_methods_oauth2
from tests.auth.oauth2.idp import IdpUser, LocalIdP
from tests.conftest import RunningServer

REDIRECT_URL = "http://127.0.0.1:9/app/oauth2-callback"


@pytest.fixture
async def idp() -> AsyncIterator[LocalIdP]:
    provider = LocalIdP()
    await provider.start()
    try:
        yield provider
    finally:
        await provider.stop()


async def configure(
    admin: httpx.AsyncClient,
    collection: str,
    providers: list[dict[str, Any]],
    mapped: dict[str, str] | None = None,
    enabled: bool = True,
    **changes: Any,
) -> None:
    oauth2: dict[str, Any] = {"enabled": enabled, "providers": providers}
    if mapped is not None:
        oauth2["mappedFields"] = mapped
    response = await admin.patch(f"/api/collections/{collection}", json={"oauth2": oauth2, **changes})
    assert response.status_code == 200, response.text


async def start_sign_in(server: RunningServer, collection: str, provider: str) -> dict[str, Any]:
    """The auth-methods provider item (state, PKCE verifier, authorization URL) a client would use."""
    target = server.runtime.registry.schema.find(collection)
    methods = await auth_methods_oauth2(target)
    return next(item for item in methods["providers"] if item["name"] == provider)


async def authorize(item: dict[str, Any], redirect_url: str = REDIRECT_URL) -> str:
    """The browser step: open the authorization URL, consent, read the code from the redirect."""
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(item["authURL"] + quote(redirect_url, safe=""))
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert query["state"] == [item["state"]]
    return query["code"][0]


async def oauth2_sign_in(
    client: httpx.AsyncClient,
    server: RunningServer,
    provider: str,
    *,
    collection: str = "users",
    create_data: dict[str, Any] | None = None,
    verifier: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The whole client flow through the real endpoint."""
    item = await start_sign_in(server, collection, provider)
    code = await authorize(item)
    body: dict[str, Any] = {
        "provider": provider,
        "code": code,
        "redirectURL": REDIRECT_URL,
        "codeVerifier": item["codeVerifier"] if verifier is None else verifier,
    }
    if create_data is not None:
        body["createData"] = create_data
    return await client.post(f"/api/collections/{collection}/auth-with-oauth2", json=body, headers=headers or {})


async def external_auths(server: RunningServer) -> list[dict[str, Any]]:
    async with server.runtime.engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            'SELECT "collectionRef", "recordRef", provider, "providerId" FROM data."_externalAuths" ORDER BY created'
        )
        return [dict(row._mapping) for row in rows]


def person(sub: str = "1001", email: str = "ann@example.com", **fields: Any) -> IdpUser:
    defaults = {"name": "Ann Lee", "username": "ann", "picture": "https://img.example.com/ann.png"}
    return IdpUser(sub=sub, email=email, **(defaults | fields))
