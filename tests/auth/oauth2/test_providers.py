"""Every provider through the real endpoint: code + PKCE at the local provider, sign-up, sign-in again."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.oauth2.conftest import configure, external_auths, oauth2_sign_in, person
from tests.auth.oauth2.idp import LocalIdP
from tests.conftest import RunningServer

# shape -> what baas makes of the local provider's answers for ``person()``
EXPECTED = {
    "oidc": {"name": "Ann Lee", "username": "ann", "avatarURL": "https://img.example.com/ann.png"},
    "google": {"name": "Ann Lee", "username": "", "avatarURL": "https://img.example.com/ann.png"},
    "apple": {"name": "", "username": "", "avatarURL": ""},
    "github": {"name": "Ann Lee", "username": "ann", "avatarURL": "https://img.example.com/ann.png"},
    "gitlab": {"name": "Ann Lee", "username": "ann", "avatarURL": "https://img.example.com/ann.png"},
    "discord": {"name": "ann#0", "username": "ann", "avatarURL": "https://cdn.discordapp.com/avatars/1001/a1b2.png"},
    "facebook": {"name": "Ann Lee", "username": "", "avatarURL": "https://img.example.com/ann.png"},
    "microsoft": {"name": "Ann Lee", "username": "", "avatarURL": ""},
}


@pytest.mark.parametrize("shape", list(EXPECTED))
async def test_sign_up_then_sign_in(
    shape: str, idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config(shape)], mapped={"name": "name"})
    idp.login_as(person(public_email=False))  # GitHub then needs its /user/emails endpoint

    response = await oauth2_sign_in(client, server, shape)
    assert response.status_code == 200, response.text
    body = response.json()
    meta, record = body["meta"], body["record"]
    assert {k: meta[k] for k in ("name", "username", "avatarURL")} == EXPECTED[shape]
    assert meta["id"] == "1001"
    assert meta["email"] == "ann@example.com"
    assert meta["isNew"] is True
    assert meta["accessToken"].startswith("at-")
    assert meta["refreshToken"].startswith("rt-")
    assert meta["expiry"].endswith("Z")
    assert meta["avatarUrl"] == meta["avatarURL"]
    assert isinstance(meta["rawUser"], dict)
    assert meta["rawUser"]
    assert record["email"] == "ann@example.com"
    assert record["verified"] is True
    assert record["name"] == EXPECTED[shape]["name"]
    # the PKCE verifier went to the token endpoint (bound to the challenge of the authorize step)
    assert idp.token_requests[-1]["code_verifier"]

    refreshed = await client.post("/api/collections/users/auth-refresh", headers={"Authorization": body["token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert await external_auths(server) == [
        {"collectionRef": "_pb_users_auth_", "recordRef": record["id"], "provider": shape, "providerId": "1001"}
    ]

    again = await oauth2_sign_in(client, server, shape)
    assert again.status_code == 200, again.text
    assert again.json()["record"]["id"] == record["id"]
    assert again.json()["meta"]["isNew"] is False
    assert len(await external_auths(server)) == 1


async def test_params_only_token_endpoints_get_the_credentials_in_the_form(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("github")])
    idp.login_as(person())
    response = await oauth2_sign_in(client, server, "github")
    assert response.status_code == 200, response.text
    # like Go's oauth2 package: the Basic header first, then client_id/client_secret in the form
    assert [r["basic"] for r in idp.token_requests] == ["True", "False"]
    assert idp.token_requests[-1]["client_id"] == idp.client_id


async def test_form_encoded_token_responses(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("gitlab")])
    idp.login_as(person())
    idp.form_tokens = True
    response = await oauth2_sign_in(client, server, "gitlab")
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["accessToken"].startswith("at-")


async def test_oidc_discovery_and_userinfo(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    # only the issuer: endpoints, JWKS and issuer come from /.well-known/openid-configuration
    config = {
        "name": "oidc2",
        "clientId": idp.client_id,
        "clientSecret": idp.client_secret,
        "extra": {"issuer": idp.issuer},
    }
    await configure(admin, "users", [config])
    idp.login_as(person(sub="2002", email="bo@example.com", name="Bo"))
    response = await oauth2_sign_in(client, server, "oidc2")
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["name"] == "Bo"
    assert response.json()["meta"]["rawUser"]["email_verified"] is True  # from userinfo, not the id_token

    # the id_token is still verified with the discovered JWKS when the profile comes from userinfo
    idp.id_token_mode = "bad_signature"
    failed = await oauth2_sign_in(client, server, "oidc2")
    assert failed.status_code == 400
    assert failed.json()["message"] == "Failed to fetch OAuth2 user."


async def test_oidc_slots_are_independent(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc"), idp.provider_config("oidc", name="oidc3")])
    idp.login_as(person())
    first = await oauth2_sign_in(client, server, "oidc")
    second = await oauth2_sign_in(client, server, "oidc3")
    assert first.status_code == second.status_code == 200
    assert first.json()["record"]["id"] == second.json()["record"]["id"]  # linked through the verified email
    assert sorted(row["provider"] for row in await external_auths(server)) == ["oidc", "oidc3"]
