"""Refusals of ``auth-with-oauth2``: statuses and messages as PocketBase answers them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from baas.auth.oauth2.apple_names import remember_apple_name
from baas.auth.oauth2.methods import auth_methods_oauth2, s256_challenge
from tests.auth.oauth2.conftest import (
    REDIRECT_URL,
    authorize,
    configure,
    external_auths,
    oauth2_sign_in,
    person,
    start_sign_in,
)
from tests.auth.oauth2.idp import LocalIdP
from tests.conftest import RunningServer

ENDPOINT = "/api/collections/users/auth-with-oauth2"
TOKEN_FAILED = {"data": {}, "message": "Failed to fetch OAuth2 token.", "status": 400}
USER_FAILED = {"data": {}, "message": "Failed to fetch OAuth2 user.", "status": 400}


async def _users_count(server: RunningServer) -> int:
    async with server.runtime.engine.connect() as connection:
        return int((await connection.exec_driver_sql("SELECT count(*) FROM data.users")).scalar_one())


async def test_disabled(idp: LocalIdP, admin: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await configure(admin, "users", [idp.provider_config("oidc")], enabled=False)
    for body in ({"provider": "oidc", "code": "x", "redirectURL": "y"}, "not json"):
        response = await client.post(ENDPOINT, content=str(body), headers={"Content-Type": "application/json"})
        assert response.status_code == 403
        assert response.json() == {
            "data": {},
            "message": "The collection is not configured to allow OAuth2 authentication.",
            "status": 403,
        }


async def test_form_validation(idp: LocalIdP, admin: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await configure(admin, "users", [idp.provider_config("oidc")])
    missing = await client.post(ENDPOINT, json={})
    assert missing.status_code == 400
    assert missing.json()["message"] == "An error occurred while loading the submitted data."
    assert {k: v["code"] for k, v in missing.json()["data"].items()} == {
        "provider": "validation_required",
        "code": "validation_required",
        "redirectURL": "validation_required",
    }
    unknown = await client.post(ENDPOINT, json={"provider": "github", "code": "c", "redirectURL": "r"})
    assert unknown.status_code == 400
    assert unknown.json()["data"] == {
        "provider": {
            "code": "validation_invalid_provider",
            "message": "Provider with name github is missing or is not enabled.",
            "params": {"name": "github"},
        }
    }
    for bad in ({"provider": 1}, {"createData": "x"}, [1]):
        response = await client.post(ENDPOINT, json=bad)
        assert response.status_code == 400
        assert response.json() == {
            "data": {},
            "message": "An error occurred while loading the submitted data.",
            "status": 400,
        }


@pytest.mark.parametrize("case", ["wrong verifier", "no verifier", "verifier of another sign-in"])
async def test_pkce_mismatch(
    case: str, idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc")])
    idp.login_as(person())
    item = await start_sign_in(server, "users", "oidc")
    other = await start_sign_in(server, "users", "oidc")
    code = await authorize(item)
    verifier = {
        "wrong verifier": item["codeVerifier"] + "x",
        "no verifier": "",
        "verifier of another sign-in": other["codeVerifier"],
    }[case]
    body = {"provider": "oidc", "code": code, "codeVerifier": verifier, "redirectURL": REDIRECT_URL}
    response = await client.post(ENDPOINT, json=body)
    assert response.status_code == 400
    assert response.json() == TOKEN_FAILED
    assert await _users_count(server) == 0


async def test_code_is_bound_to_redirect_url_and_single_use(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc")])
    idp.login_as(person())
    item = await start_sign_in(server, "users", "oidc")
    code = await authorize(item)
    body: dict[str, Any] = {
        "provider": "oidc",
        "code": code,
        "codeVerifier": item["codeVerifier"],
        "redirectURL": REDIRECT_URL + "/elsewhere",
    }
    assert (await client.post(ENDPOINT, json=body)).json() == TOKEN_FAILED
    # the legacy redirectUrl spelling is accepted
    body = {"provider": "oidc", "code": code, "codeVerifier": item["codeVerifier"], "redirectUrl": REDIRECT_URL}
    code = await authorize(item)
    body["code"] = code
    assert (await client.post(ENDPOINT, json=body)).status_code == 200
    replay = await client.post(ENDPOINT, json=body)
    assert replay.json() == TOKEN_FAILED


@pytest.mark.parametrize("shape", ["oidc", "apple"])
@pytest.mark.parametrize("mode", ["bad_signature", "wrong_audience", "expired", "missing"])
async def test_invalid_id_tokens(
    shape: str, mode: str, idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config(shape)])
    idp.login_as(person())
    idp.id_token_mode = mode
    response = await oauth2_sign_in(client, server, shape)
    assert response.status_code == 400, response.text
    assert response.json() == USER_FAILED
    assert await _users_count(server) == 0
    assert await external_auths(server) == []


async def test_unreachable_provider(server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    config = {"name": "gitlab", "clientId": "a", "clientSecret": "b", "tokenURL": "http://127.0.0.1:9/token"}
    await configure(admin, "users", [config])
    response = await client.post(ENDPOINT, json={"provider": "gitlab", "code": "c", "redirectURL": "r"})
    assert response.json() == TOKEN_FAILED


async def test_auth_methods_section(idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient) -> None:
    users = server.runtime.registry.schema.find("users")
    assert await auth_methods_oauth2(users) == {"providers": [], "enabled": False}
    await configure(
        admin,
        "users",
        [
            idp.provider_config("oidc", displayName="Local SSO"),
            idp.provider_config("apple", pkce=False),
        ],
    )
    section = await auth_methods_oauth2(server.runtime.registry.schema.find("users"))
    assert section["enabled"] is True
    oidc, apple = section["providers"]
    assert list(oidc) == [
        "name",
        "displayName",
        "state",
        "authURL",
        "authUrl",
        "codeVerifier",
        "codeChallenge",
        "codeChallengeMethod",
    ]
    assert (oidc["name"], oidc["displayName"], oidc["codeChallengeMethod"]) == ("oidc", "Local SSO", "S256")
    assert len(oidc["state"]) == 30
    assert len(oidc["codeVerifier"]) == 43
    assert oidc["codeChallenge"] == s256_challenge(oidc["codeVerifier"])
    assert oidc["authURL"] == oidc["authUrl"]
    assert oidc["authURL"].startswith(idp.url + "/oidc/authorize?client_id=baas-client&code_challenge=")
    assert oidc["authURL"].endswith("&scope=openid+email+profile&state=" + oidc["state"] + "&redirect_uri=")
    assert (apple["displayName"], apple["codeVerifier"], apple["codeChallengeMethod"]) == ("Apple", "", "")
    assert "response_mode=form_post" in apple["authURL"]
    assert "code_challenge" not in apple["authURL"]


async def test_apple_name_from_the_redirect(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("apple")], mapped={"name": "name"})
    idp.login_as(person())
    item = await start_sign_in(server, "users", "apple")
    code = await authorize(item)
    remember_apple_name(code, '{"name": {"firstName": "Ann", "lastName": "Lee"}, "email": "ann@example.com"}')
    body = {"provider": "apple", "code": code, "codeVerifier": item["codeVerifier"], "redirectURL": REDIRECT_URL}
    response = await client.post(ENDPOINT, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["name"] == "Ann Lee"
    assert response.json()["record"]["name"] == "Ann Lee"
    assert response.json()["meta"]["rawUser"]["email_verified"] == "true"


async def test_unknown_provider_names_are_refused_when_saving(admin: httpx.AsyncClient) -> None:
    response = await admin.patch(
        "/api/collections/users",
        json={
            "oauth2": {"enabled": True, "providers": [{"name": "nonexistent", "clientId": "a", "clientSecret": "b"}]}
        },
    )
    assert response.status_code == 400
    assert response.json()["data"]["oauth2"]["providers"]["0"]["name"]["code"] == "validation_missing_provider"
