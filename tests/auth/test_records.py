"""Auth records through the records API: mass assignment of ``verified``/``tokenKey``/``password``
without rights (create, update, batch, multipart), and what ``manageRule`` grants."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api.scenarios import GUEST, SUPERUSER, Scenario, params, run
from tests.auth.support import PASSWORD, AuthEnv, bind, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

USERS = "/api/collections/users/records"
KEY = "k" * 50
HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$4ai8Sh3gXQzGb3Tn9e7tUw"  # what a stored hash looks like
MISMATCH = {"code": "validation_values_mismatch", "message": "Values don't match."}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def open_users(env: AuthEnv) -> AsyncIterator[None]:
    """Sign-up open to guests (PocketBase's default createRule for users), and batch requests on."""
    await env.ok("PATCH", "/api/collections/users", {"createRule": ""})
    await env.settings({"batch": {"enabled": True}})
    yield


def _signup(**extra: object) -> dict[str, object]:
    return {"email": "$email", "password": PASSWORD, "passwordConfirm": PASSWORD, **extra}


CREATES = [
    Scenario(
        "guest sign-up",
        "POST",
        USERS,
        _signup(),
        auth=GUEST,
        contains=[{"verified": False}],
        not_contains=["tokenKey", '"password"', "$email"],
    ),
    Scenario(
        "guest sets verified",
        "POST",
        USERS,
        _signup(verified=True),
        auth=GUEST,
        status=400,
        contains=[{"data": {"verified": MISMATCH}, "message": "Failed to create record."}],
        unchanged=True,
    ),
    Scenario("guest sets verified false", "POST", USERS, _signup(verified=False), auth=GUEST),
    Scenario(
        "guest sets verified as text", "POST", USERS, _signup(verified="true"), auth=GUEST, status=400, unchanged=True
    ),
    Scenario(
        "guest sets tokenKey: ignored", "POST", USERS, _signup(tokenKey=KEY), auth=GUEST, not_contains=["tokenKey", KEY]
    ),
    Scenario(
        "guest sends a hash as the password: hashed like any text",
        "POST",
        USERS,
        {"email": "$email", "password": HASH, "passwordConfirm": HASH},
        auth=GUEST,
        not_contains=[HASH],
    ),
    Scenario(
        "guest without passwordConfirm",
        "POST",
        USERS,
        {"email": "$email", "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[{"data": {"passwordConfirm": {"code": "validation_values_mismatch"}}}],
        unchanged=True,
    ),
    Scenario(
        "guest without password",
        "POST",
        USERS,
        {"email": "$email"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"password": {"code": "validation_required"}}}],
        unchanged=True,
    ),
    Scenario(
        "user sets verified on a new record",
        "POST",
        USERS,
        _signup(verified=True),
        auth="user",
        status=400,
        contains=[{"data": {"verified": MISMATCH}}],
        unchanged=True,
    ),
    Scenario(
        "multipart: guest sets verified",
        "POST",
        USERS,
        b'--XX\r\nContent-Disposition: form-data; name="email"\r\n\r\n$email\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="password"\r\n\r\n' + PASSWORD.encode() + b"\r\n"
        b'--XX\r\nContent-Disposition: form-data; name="passwordConfirm"\r\n\r\n' + PASSWORD.encode() + b"\r\n"
        b'--XX\r\nContent-Disposition: form-data; name="verified"\r\n\r\ntrue\r\n--XX--\r\n',
        content_type="multipart/form-data; boundary=XX",
        auth=GUEST,
        status=400,
        contains=[{"data": {"verified": MISMATCH}}],
        unchanged=True,
    ),
    Scenario(
        "@jsonPayload: guest sets verified",
        "POST",
        USERS,
        b'--XX\r\nContent-Disposition: form-data; name="@jsonPayload"\r\n\r\n'
        + json.dumps(_signup(verified=True)).encode()
        + b"\r\n--XX--\r\n",
        content_type="multipart/form-data; boundary=XX",
        auth=GUEST,
        status=400,
        contains=[{"data": {"verified": MISMATCH}}],
        unchanged=True,
    ),
    Scenario(
        "superuser sets verified", "POST", USERS, _signup(verified=True), auth=SUPERUSER, contains=[{"verified": True}]
    ),
    Scenario(
        "batch: guest sets verified",
        "POST",
        "/api/batch",
        {"requests": [{"method": "POST", "url": USERS, "body": _signup(verified=True)}]},
        auth=GUEST,
        status=400,
        unchanged=True,
    ),
    Scenario(
        "batch: guest sets tokenKey: ignored",
        "POST",
        "/api/batch",
        {"requests": [{"method": "POST", "url": USERS, "body": _signup(tokenKey=KEY)}]},
        auth=GUEST,
        not_contains=[KEY, "tokenKey"],
    ),
]


@pytest.mark.parametrize("scenario", params(CREATES))
async def test_create(env: AuthEnv, open_users: None, scenario: Scenario) -> None:
    email = unique_email("signup")
    response = await run(env.api, bind(scenario, email=email))
    if response.status_code != 200:
        assert not await env.api.sql("SELECT 1 FROM data.users WHERE email = $1", email)
        return
    row = dict((await env.api.sql("SELECT * FROM data.users WHERE email = $1", email))[0])
    assert row["tokenKey"] != KEY
    assert row["password"] not in (PASSWORD, HASH)
    assert row["verified"] is (scenario.auth == SUPERUSER)
    password = HASH if "hash" in scenario.name else PASSWORD
    assert (await env.sign_in(email, password)).status_code == 200


UPDATES = [
    Scenario(
        "self: verified",
        "PATCH",
        f"{USERS}/$id",
        {"verified": True},
        auth="$token",
        status=400,
        contains=[{"data": {"verified": MISMATCH}, "message": "Failed to update record."}],
        unchanged=True,
    ),
    Scenario("self: verified false (unchanged) is fine", "PATCH", f"{USERS}/$id", {"verified": False}, auth="$token"),
    Scenario(
        "self: tokenKey is ignored", "PATCH", f"{USERS}/$id", {"tokenKey": KEY}, auth="$token", not_contains=[KEY]
    ),
    Scenario(
        "self: email",
        "PATCH",
        f"{USERS}/$id",
        {"email": "$other_email"},
        auth="$token",
        status=400,
        contains=[{"data": {"email": MISMATCH}}],
        unchanged=True,
    ),
    Scenario(
        "self: password without oldPassword",
        "PATCH",
        f"{USERS}/$id",
        {"password": "new-password-1", "passwordConfirm": "new-password-1"},
        auth="$token",
        status=400,
        contains=['"oldPassword":{"code":"validation_'],
        unchanged=True,
    ),
    Scenario(
        "self: password with a wrong oldPassword",
        "PATCH",
        f"{USERS}/$id",
        {"oldPassword": "wrong-password", "password": "new-password-1", "passwordConfirm": "new-password-1"},
        auth="$token",
        status=400,
        contains=[{"data": {"oldPassword": {"code": "validation_invalid_old_password"}}}],
        unchanged=True,
    ),
    Scenario(
        "self: password without confirmation",
        "PATCH",
        f"{USERS}/$id",
        {"oldPassword": PASSWORD, "password": "new-password-1"},
        auth="$token",
        status=400,
        contains=['"passwordConfirm":{"code":"validation_'],
        unchanged=True,
    ),
    Scenario(
        "self: password",
        "PATCH",
        f"{USERS}/$id",
        {"oldPassword": PASSWORD, "password": "new-password-1", "passwordConfirm": "new-password-1"},
        auth="$token",
        not_contains=["tokenKey", '"password"'],
    ),
    Scenario(
        "self: emailVisibility",
        "PATCH",
        f"{USERS}/$id",
        {"emailVisibility": True},
        auth="$token",
        contains=[{"emailVisibility": True}],
    ),
    Scenario("another record", "PATCH", f"{USERS}/$other", {"name": "x"}, auth="$token", status=404, unchanged=True),
    Scenario(
        "batch: self sets verified",
        "POST",
        "/api/batch",
        {"requests": [{"method": "PATCH", "url": f"{USERS}/$id", "body": {"verified": True}}]},
        auth="$token",
        status=400,
        unchanged=True,
    ),
    Scenario(
        "batch: self changes the password without oldPassword",
        "POST",
        "/api/batch",
        {
            "requests": [
                {
                    "method": "PATCH",
                    "url": f"{USERS}/$id",
                    "body": {"password": "new-password-1", "passwordConfirm": "new-password-1"},
                }
            ]
        },
        auth="$token",
        status=400,
        unchanged=True,
    ),
    Scenario(
        "batch: a good update then verified: all rolled back",
        "POST",
        "/api/batch",
        {
            "requests": [
                {"method": "PATCH", "url": f"{USERS}/$id", "body": {"name": "first"}},
                {"method": "PATCH", "url": f"{USERS}/$id", "body": {"verified": True}},
            ]
        },
        auth="$token",
        status=400,
        unchanged=True,
    ),
    Scenario(
        "batch: self sets tokenKey: ignored",
        "POST",
        "/api/batch",
        {"requests": [{"method": "PATCH", "url": f"{USERS}/$id", "body": {"tokenKey": KEY}}]},
        auth="$token",
        not_contains=[KEY],
    ),
    Scenario(
        "superuser: verified, email and password",
        "PATCH",
        f"{USERS}/$id",
        {"verified": True, "email": "$new_email", "password": "new-password-1", "passwordConfirm": "new-password-1"},
        auth=SUPERUSER,
        contains=[{"verified": True, "email": "$new_email"}],
    ),
]


@pytest.mark.parametrize("scenario", params(UPDATES))
async def test_update(env: AuthEnv, open_users: None, scenario: Scenario) -> None:
    user, other = await env.user(), await env.user(sign_in=False)
    values = {
        "id": user.id,
        "token": user.token,
        "other": other.id,
        "other_email": other.email,
        "new_email": unique_email("new"),
    }
    before = await env.row("users", user.id)
    response = await run(env.api, bind(scenario, **values))
    after = await env.row("users", user.id)
    assert after["tokenKey"] != KEY
    if response.status_code == 200 and "password" not in str(scenario.body):
        assert after["tokenKey"] == before["tokenKey"], "nothing here changes the token key"
        assert (await env.refresh(user.token)).status_code == 200


async def test_a_guest_cannot_pick_an_existing_id_in_another_auth_collection(env: AuthEnv) -> None:
    """Ids can be chosen on create, but not one of another auth collection's records (a deliberate
    difference: PocketBase allows it, and its id-only rules then take one record for the other)."""
    await env.auth_collection("signups", createRule="")
    user = await env.user(sign_in=False)
    created = await env.api.call(
        "POST",
        "/api/collections/signups/records",
        {"id": user.id, "email": unique_email(), "password": PASSWORD, "passwordConfirm": PASSWORD},
        auth=GUEST,
    )
    assert created.status_code == 400, created.text
    assert created.json()["data"]["id"]["code"] == "validation_not_unique"


# ----- manageRule -----------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def staff(env: AuthEnv) -> AsyncIterator[dict[str, str]]:
    """``staff``: every signed-in record sees the others; managers (role = manager) manage them."""
    body = {
        "name": "staff",
        "type": "auth",
        "fields": [{"name": "role", "type": "text"}, {"name": "name", "type": "text"}],
        "indexes": [
            "CREATE UNIQUE INDEX idx_staff_tokenKey ON staff (tokenKey)",
            "CREATE UNIQUE INDEX idx_staff_email ON staff (email) WHERE email != ''",
        ],
        "listRule": "@request.auth.id != ''",
        "viewRule": "@request.auth.id != ''",
        "updateRule": "id = @request.auth.id || @request.auth.role = 'manager'",
        "manageRule": "@request.auth.role = 'manager' && @request.auth.collectionName = 'staff'",
    }
    await env.ok("POST", "/api/collections", body)
    manager = await env.user("staff", role="manager")
    clerk = await env.user("staff", role="clerk")
    yield {"manager": manager.token, "clerk": clerk.token, "clerk_id": clerk.id, "manager_id": manager.id}


STAFF = "/api/collections/staff/records"
MANAGE = [
    Scenario(
        "manager sets another's password without oldPassword",
        "PATCH",
        f"{STAFF}/$target",
        {"password": "set-by-manager", "passwordConfirm": "set-by-manager"},
        auth="$manager",
    ),
    Scenario(
        "manager sets verified",
        "PATCH",
        f"{STAFF}/$target",
        {"verified": True},
        auth="$manager",
        contains=[{"verified": True}],
    ),
    Scenario("manager changes the email", "PATCH", f"{STAFF}/$target", {"email": "$new_email"}, auth="$manager"),
    Scenario(
        "manager sees the hidden email",
        "GET",
        f"{STAFF}/$target",
        auth="$manager",
        contains=[{"email": "$target_email", "emailVisibility": False}],
    ),
    Scenario(
        "manager lists with emails",
        "GET",
        f"{STAFF}?filter=id='$target'",
        auth="$manager",
        contains=[{"items": [{"email": "$target_email"}]}],
    ),
    Scenario(
        "manager cannot set tokenKey",
        "PATCH",
        f"{STAFF}/$target",
        {"tokenKey": KEY},
        auth="$manager",
        not_contains=[KEY],
    ),
    Scenario(
        "clerk does not see the email",
        "GET",
        f"{STAFF}/$target",
        auth="$clerk",
        contains=[{"id": "$target"}],
        not_contains=["$target_email"],
    ),
    Scenario(
        "clerk cannot update another",
        "PATCH",
        f"{STAFF}/$target",
        {"verified": True},
        auth="$clerk",
        status=404,
        unchanged=True,
    ),
    Scenario(
        "clerk cannot set own verified",
        "PATCH",
        f"{STAFF}/$clerk_id",
        {"verified": True},
        auth="$clerk",
        status=400,
        contains=[{"data": {"verified": MISMATCH}}],
        unchanged=True,
    ),
    Scenario(
        "clerk cannot make itself a manager's peer without oldPassword",
        "PATCH",
        f"{STAFF}/$clerk_id",
        {"password": "x-password-1", "passwordConfirm": "x-password-1"},
        auth="$clerk",
        status=400,
        unchanged=True,
    ),
    Scenario(
        "a users token with role manager does not manage staff",
        "PATCH",
        f"{STAFF}/$target",
        {"verified": True},
        auth="user",
        status=404,
        unchanged=True,
    ),
]


@pytest.mark.parametrize("scenario", params(MANAGE))
async def test_manage_rule(env: AuthEnv, staff: dict[str, str], scenario: Scenario) -> None:
    target = await env.user("staff", role="clerk")
    values = {**staff, "target": target.id, "target_email": target.email, "new_email": unique_email("staff")}
    response = await run(env.api, bind(scenario, **values))
    if "email" in str(scenario.body) and response.status_code == 200:
        assert (await env.row("staff", target.id))["email"] == values["new_email"]
    if "password" in str(scenario.body) and response.status_code == 200:
        assert (await env.refresh(target.token, "staff")).status_code == 401, "the target's tokens are revoked"
        assert (await env.sign_in(target.email, "set-by-manager", "staff")).status_code == 200


async def test_a_manager_sees_the_email_in_the_update_answer(env: AuthEnv, staff: dict[str, str]) -> None:
    target = await env.user("staff", role="clerk")
    response = await env.api.call("PATCH", f"{STAFF}/{target.id}", {"name": "x"}, auth=staff["manager"])
    assert response.json().get("email") == target.email
