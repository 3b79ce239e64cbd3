"""Which record an OAuth2 sign-in lands in: creation, linking, and the pre-registration attacks."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.auth.oauth2.conftest import configure, external_auths, oauth2_sign_in, person
from tests.auth.oauth2.idp import LocalIdP
from tests.conftest import RunningServer

USERS = "/api/collections/users"


async def _register(client: httpx.AsyncClient, email: str, password: str = "attacker-pass-1") -> dict[str, str]:  # noqa: S107
    """Sign up with a password (unverified) and sign in; returns the record id and token."""
    created = await client.post(
        f"{USERS}/records", json={"email": email, "password": password, "passwordConfirm": password}
    )
    assert created.status_code == 200, created.text
    assert created.json()["verified"] is False
    login = await client.post(f"{USERS}/auth-with-password", json={"identity": email, "password": password})
    assert login.status_code == 200, login.text
    return {"id": created.json()["id"], "token": login.json()["token"]}


async def test_create_data_and_mapped_fields(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    users = (await admin.get("/api/collections/users")).json()
    added = await admin.patch(
        "/api/collections/users",
        json={
            "fields": [
                *users["fields"],
                {"name": "username", "type": "text", "max": 20, "pattern": "^[A-Za-z]+$"},
                {"name": "picture", "type": "url"},
                {"name": "providerId", "type": "text"},
                {"name": "plan", "type": "text"},
            ],
            "indexes": [
                *users["indexes"],
                "CREATE UNIQUE INDEX idx_users_username ON users (username COLLATE NOCASE) WHERE username != ''",
            ],
        },
    )
    assert added.status_code == 200, added.text
    mapped = {"id": "providerId", "name": "name", "username": "username", "avatarURL": "picture"}
    await configure(admin, "users", [idp.provider_config("oidc")], mapped=mapped)
    idp.login_as(person(username="ann"))

    response = await oauth2_sign_in(client, server, "oidc", create_data={"plan": "pro", "name": "Chosen Name"})
    assert response.status_code == 200, response.text
    record = response.json()["record"]
    # createData wins over a mapped field; the other mapped fields come from the provider
    assert (record["name"], record["plan"], record["providerId"]) == ("Chosen Name", "pro", "1001")
    assert (record["username"], record["picture"]) == ("ann", "https://img.example.com/ann.png")
    assert record["verified"] is True

    # a username taken (case-insensitively, by the NOCASE index) or invalid for the field is not mapped
    idp.login_as(person(sub="1002", email="other@example.com", username="ANN"))
    second = await oauth2_sign_in(client, server, "oidc")
    assert second.status_code == 200, second.text
    assert second.json()["record"]["username"] == ""
    idp.login_as(person(sub="1003", email="third@example.com", username="not valid"))
    third = await oauth2_sign_in(client, server, "oidc")
    assert third.status_code == 200, third.text
    assert third.json()["record"]["username"] == ""
    idp.login_as(person(sub="1004", email="fourth@example.com", username="Dee"))
    fourth = await oauth2_sign_in(client, server, "oidc")
    assert fourth.json()["record"]["username"] == "Dee"


@pytest.mark.parametrize(
    ("picture", "stored"),
    [
        ("ann.png", True),
        ("missing.png", False),  # the provider's 404: the sign-up goes on without an avatar
        ("huge.png", False),  # over the 1 MB download limit
        ("page.png", False),  # HTML under an image name: refused by the field's mimeTypes
    ],
)
async def test_the_avatar_is_downloaded_into_a_file_field(
    idp: LocalIdP,
    server: RunningServer,
    admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    picture: str,
    stored: bool,
) -> None:
    users = (await admin.get("/api/collections/users")).json()
    fields = [f for f in users["fields"] if f["name"] != "avatar"]
    avatar = {"name": "avatar", "type": "file", "maxSelect": 1, "mimeTypes": ["image/png", "image/jpeg"]}
    assert (await admin.patch("/api/collections/users", json={"fields": [*fields, avatar]})).status_code == 200
    await configure(admin, "users", [idp.provider_config("oidc")], mapped={"avatarURL": "avatar"})
    idp.login_as(person(picture=f"{idp.url}/avatars/{picture}"))

    response = await oauth2_sign_in(client, server, "oidc")
    assert response.status_code == 200, response.text
    record = response.json()["record"]
    assert response.json()["meta"]["avatarURL"] == f"{idp.url}/avatars/{picture}"
    if not stored:
        assert record["avatar"] == ""
        return
    assert re.fullmatch(r"ann_[a-z0-9]{10}\.png", record["avatar"]), record["avatar"]
    served = await client.get(f"/api/files/users/{record['id']}/{record['avatar']}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content[:8] == b"\x89PNG\r\n\x1a\n"
    # signing in again does not download it again
    again = await oauth2_sign_in(client, server, "oidc")
    assert again.json()["record"]["avatar"] == record["avatar"]


async def test_links_an_existing_verified_account(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("google")])
    account = await _register(client, "ann@example.com", "ann-password-1")
    verified = await admin.patch(f"{USERS}/records/{account['id']}", json={"verified": True})
    assert verified.status_code == 200, verified.text
    idp.login_as(person())

    response = await oauth2_sign_in(client, server, "google")
    assert response.status_code == 200, response.text
    assert response.json()["record"]["id"] == account["id"]
    assert response.json()["meta"]["isNew"] is False
    assert await external_auths(server) == [
        {"collectionRef": "_pb_users_auth_", "recordRef": account["id"], "provider": "google", "providerId": "1001"}
    ]
    # a verified account keeps its password
    login = await client.post(
        f"{USERS}/auth-with-password", json={"identity": "ann@example.com", "password": "ann-password-1"}
    )
    assert login.status_code == 200


async def test_a_pre_registered_unverified_account_is_taken_over_whole(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc"), idp.provider_config("github")])
    # The attacker registers the victim's email with a password, and links their own GitHub account to it.
    attacker = await _register(client, "victim@example.com")
    idp.login_as(person(sub="666", email="attacker@evil.example", username="mallory"))
    linked = await oauth2_sign_in(client, server, "github", headers={"Authorization": attacker["token"]})
    assert linked.status_code == 200, linked.text
    assert linked.json()["record"]["id"] == attacker["id"]

    # The victim signs in with a provider that vouches for the address.
    idp.login_as(person(sub="1001", email="victim@example.com"))
    victim = await oauth2_sign_in(client, server, "oidc")
    assert victim.status_code == 200, victim.text
    assert victim.json()["record"]["id"] == attacker["id"]
    assert victim.json()["record"]["verified"] is True

    # Every way back in of the attacker is gone: password, tokens, and the linked GitHub account.
    login = await client.post(
        f"{USERS}/auth-with-password", json={"identity": "victim@example.com", "password": "attacker-pass-1"}
    )
    assert login.status_code == 400
    refresh = await client.post(f"{USERS}/auth-refresh", headers={"Authorization": attacker["token"]})
    assert refresh.status_code == 401
    for token in (attacker["token"], linked.json()["token"]):
        seen = await client.get(f"{USERS}/records/{attacker['id']}", headers={"Authorization": token})
        assert seen.status_code == 404
    assert [row["provider"] for row in await external_auths(server)] == ["oidc"]
    idp.login_as(person(sub="666", email="attacker@evil.example", username="mallory"))
    again = await oauth2_sign_in(client, server, "github")
    assert again.status_code == 200, again.text
    assert again.json()["record"]["id"] != attacker["id"]
    assert again.json()["record"]["email"] == "attacker@evil.example"


async def test_an_account_created_with_someone_elses_email_is_taken_over(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc"), idp.provider_config("gitlab")])
    # OAuth2 sign-up where createData names the victim's email: unverified, linked to the attacker.
    idp.login_as(person(sub="666", email="attacker@evil.example"))
    planted = await oauth2_sign_in(client, server, "gitlab", create_data={"email": "victim@example.com"})
    assert planted.status_code == 200, planted.text
    assert planted.json()["record"]["verified"] is False

    idp.login_as(person(sub="1001", email="victim@example.com"))
    victim = await oauth2_sign_in(client, server, "oidc")
    assert victim.json()["record"]["id"] == planted.json()["record"]["id"]

    idp.login_as(person(sub="666", email="attacker@evil.example"))
    again = await oauth2_sign_in(client, server, "gitlab")
    assert again.status_code == 200, again.text
    assert again.json()["record"]["id"] != planted.json()["record"]["id"]


async def test_an_unverified_provider_email_never_links(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc")])
    account = await _register(client, "ann@example.com")
    idp.login_as(person(email_verified=False))
    response = await oauth2_sign_in(client, server, "oidc")
    # no email from the provider: the sign-up needs one, and nothing was linked or reset
    assert response.status_code == 400, response.text
    assert response.json()["data"]["email"]["code"] == "validation_required"
    assert await external_auths(server) == []
    login = await client.post(
        f"{USERS}/auth-with-password", json={"identity": "ann@example.com", "password": "attacker-pass-1"}
    )
    assert login.status_code == 200
    assert login.json()["record"]["id"] == account["id"]


async def test_a_signed_in_caller_links_the_provider_to_itself(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("discord")])
    me = await _register(client, "me@example.com", "my-password-1")
    idp.login_as(person(email="someone-else@example.com"))
    response = await oauth2_sign_in(client, server, "discord", headers={"Authorization": me["token"]})
    assert response.status_code == 200, response.text
    record = response.json()["record"]
    assert (record["id"], record["email"], record["verified"]) == (me["id"], "me@example.com", False)
    # linking one's own account resets nothing
    login = await client.post(
        f"{USERS}/auth-with-password", json={"identity": "me@example.com", "password": "my-password-1"}
    )
    assert login.status_code == 200
    # a second account of the same provider cannot be linked to the same record
    idp.login_as(person(sub="1002", email="third@example.com"))
    second = await oauth2_sign_in(client, server, "discord", headers={"Authorization": me["token"]})
    assert second.status_code == 400
    assert second.json()["message"] == "Failed to authenticate."


async def test_a_token_from_another_collection_is_not_a_link_target(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    created = await admin.post("/api/collections", json={"name": "members", "type": "auth", "createRule": ""})
    assert created.status_code == 200, created.text
    await configure(admin, "members", [idp.provider_config("oidc")])
    user = await _register(client, "user@example.com")
    idp.login_as(person())
    response = await oauth2_sign_in(
        client, server, "oidc", collection="members", headers={"Authorization": user["token"]}
    )
    assert response.status_code == 200, response.text
    member = response.json()["record"]
    assert member["collectionName"] == "members"
    assert member["id"] != user["id"]
    assert [row["recordRef"] for row in await external_auths(server)] == [member["id"]]
    token = {"Authorization": response.json()["token"]}
    assert (await client.post("/api/collections/members/auth-refresh", headers=token)).status_code == 200
    assert (await client.post(f"{USERS}/auth-refresh", headers=token)).status_code == 403


async def test_create_rule_and_request_context(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    # OAuth2 sign-up goes through the collection's createRule, with @request.context = "oauth2"
    await configure(admin, "users", [idp.provider_config("oidc")], createRule='@request.context = "oauth2"')
    idp.login_as(person())
    plain = await client.post(
        f"{USERS}/records", json={"email": "x@example.com", "password": "12345678901", "passwordConfirm": "12345678901"}
    )
    assert plain.status_code == 400
    allowed = await oauth2_sign_in(client, server, "oidc")
    assert allowed.status_code == 200, allowed.text

    await configure(admin, "users", [idp.provider_config("oidc")], createRule=None)
    idp.login_as(person(sub="1002", email="bo@example.com"))
    refused = await oauth2_sign_in(client, server, "oidc")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only superusers can perform this action."
    assert len(await external_auths(server)) == 1


async def test_create_data_cannot_mark_itself_verified(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "users", [idp.provider_config("oidc")])
    idp.login_as(person())
    response = await oauth2_sign_in(client, server, "oidc", create_data={"email": "x@example.com", "verified": True})
    assert response.status_code == 400
    assert response.json()["data"]["verified"]["code"] == "validation_values_mismatch"
    assert await external_auths(server) == []


async def test_superusers_never_sign_up(
    idp: LocalIdP, server: RunningServer, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await configure(admin, "_superusers", [idp.provider_config("oidc")])
    idp.login_as(person(email="stranger@example.com"))
    response = await oauth2_sign_in(client, server, "oidc", collection="_superusers")
    assert response.status_code == 400
    assert response.json() == {"data": {}, "message": "Failed to authenticate.", "status": 400}
    # an existing superuser with the provider's (verified) email signs in
    idp.login_as(person(sub="1002", email="admin@example.com"))
    existing = await oauth2_sign_in(client, server, "oidc", collection="_superusers")
    assert existing.status_code == 200, existing.text
    assert existing.json()["record"]["email"] == "admin@example.com"
