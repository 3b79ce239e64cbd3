"""``POST auth-with-password``: identity fields (email, username), failures that all look the same,
PocketBase's validation answers, and the hash upgrade on sign-in."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from argon2 import PasswordHasher as Argon2Hasher

from tests.api.scenarios import GUEST, NO_BODY, Scenario, params, run
from tests.auth.support import PASSWORD, AuthEnv, auth_collection_body, bind, claims_of
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAILED = {"data": {}, "message": "Failed to authenticate.", "status": 400}
LOADING = {"data": {}, "message": "An error occurred while loading the submitted data."}
REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
USERS = "/api/collections/users/auth-with-password"
MEMBERS = "/api/collections/members/auth-with-password"
SECRETS = ['"password"', "tokenKey", "$hash"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(env: AuthEnv) -> AsyncIterator[dict[str, str]]:
    """alice in users; bob in ``members``, which signs in by email or username."""
    alice = await env.user(email="alice@example.com", sign_in=False, name="Alice")
    body = auth_collection_body("members", username=True, passwordAuth={"identityFields": ["email", "username"]})
    await env.ok("POST", "/api/collections", body)
    bob = await env.user("members", email="bob@example.com", username="bobby", sign_in=False)
    # A username equal to bob's email: without identityField the email wins (PocketBase looks emails up first).
    await env.user("members", email="carol@example.com", username="bob@example.com", sign_in=False)
    body = auth_collection_body("members2", username=True, passwordAuth={"identityFields": ["username", "email"]})
    await env.ok("POST", "/api/collections", body)
    dave = await env.user("members2", email="dave@example.com", username="dave", sign_in=False)
    await env.user("members2", email="erin@example.com", username="dave@example.com", sign_in=False)
    await env.auth_collection("locked", passwordAuth={"enabled": False}, otp={"enabled": True})
    hash_ = (await env.row("users", alice.id))["password"]
    yield {"alice": alice.id, "bob": bob.id, "dave": dave.id, "hash": hash_}


def _ok(identity: str, record: str) -> list[object]:
    return [{"record": {"id": record, "email": identity}}, '"token":"ey']


SCENARIOS = [
    # ----- users: email only --------------------------------------------------------------------
    Scenario(
        "email and password",
        "POST",
        USERS,
        {"identity": "alice@example.com", "password": PASSWORD},
        auth=GUEST,
        contains=[
            {
                "record": {
                    "id": "$alice",
                    "email": "alice@example.com",
                    "name": "Alice",
                    "collectionName": "users",
                    "verified": False,
                }
            }
        ],
        not_contains=SECRETS,
    ),
    Scenario(
        "identityField email",
        "POST",
        USERS,
        {"identity": "alice@example.com", "password": PASSWORD, "identityField": "email"},
        auth=GUEST,
        contains=_ok("alice@example.com", "$alice"),
    ),
    Scenario(
        "form-urlencoded body",
        "POST",
        USERS,
        b"identity=alice%40example.com&password=" + PASSWORD.encode(),
        content_type="application/x-www-form-urlencoded",
        auth=GUEST,
        contains=_ok("alice@example.com", "$alice"),
    ),
    Scenario(
        "fields=token",
        "POST",
        USERS + "?fields=token",
        {"identity": "alice@example.com", "password": PASSWORD},
        auth=GUEST,
        contains=['{"token":"ey'],
    ),
    Scenario(
        "fields=record.id",
        "POST",
        USERS + "?fields=record.id",
        {"identity": "alice@example.com", "password": PASSWORD},
        auth=GUEST,
        contains=['{"record":{"id":"$alice"}}'],
    ),
    Scenario(
        "collection by id",
        "POST",
        "/api/collections/_pb_users_auth_/auth-with-password",
        {"identity": "alice@example.com", "password": PASSWORD},
        auth=GUEST,
        contains=_ok("alice@example.com", "$alice"),
    ),
    Scenario(
        "as another signed-in user: a new sign-in all the same",
        "POST",
        USERS,
        {"identity": "alice@example.com", "password": PASSWORD},
        auth="user",
        contains=_ok("alice@example.com", "$alice"),
    ),
    Scenario(
        "wrong password",
        "POST",
        USERS,
        {"identity": "alice@example.com", "password": "wrong-password"},
        auth=GUEST,
        status=400,
        contains=[FAILED],
        unchanged=True,
    ),
    Scenario(
        "unknown email",
        "POST",
        USERS,
        {"identity": "nobody@example.com", "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[FAILED],
        unchanged=True,
    ),
    Scenario(
        "email in another case",
        "POST",
        USERS,
        {"identity": "ALICE@example.com", "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[FAILED],
        unchanged=True,
    ),
    Scenario(
        "the password hash as the password",
        "POST",
        USERS,
        {"identity": "alice@example.com", "password": "$hash"},
        auth=GUEST,
        status=400,
        contains=[FAILED],
        unchanged=True,
    ),
    Scenario(
        "a superuser's credentials on users",
        "POST",
        USERS,
        {"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        auth=GUEST,
        status=400,
        contains=[FAILED],
    ),
    Scenario(
        "a user's credentials on _superusers",
        "POST",
        "/api/collections/_superusers/auth-with-password",
        {"identity": "alice@example.com", "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[FAILED],
    ),
    Scenario(
        "identityField username on users",
        "POST",
        USERS,
        {"identity": "alice", "password": PASSWORD, "identityField": "username"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"identityField": {"code": "validation_in_invalid"}}}],
    ),
    Scenario(
        "identityField password",
        "POST",
        USERS,
        {"identity": "x", "password": PASSWORD, "identityField": "password"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"identityField": {"code": "validation_in_invalid"}}}],
    ),
    Scenario(
        "identityField id",
        "POST",
        USERS,
        {"identity": "$alice", "password": PASSWORD, "identityField": "id"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"identityField": {"code": "validation_in_invalid"}}}],
    ),
    # ----- validation ----------------------------------------------------------------------------
    Scenario(
        "empty object",
        "POST",
        USERS,
        {},
        auth=GUEST,
        status=400,
        contains=[
            {
                "data": {"identity": REQUIRED, "password": REQUIRED},
                "message": "An error occurred while validating the submitted data.",
            }
        ],
    ),
    Scenario(
        "no body",
        "POST",
        USERS,
        NO_BODY,
        auth=GUEST,
        status=400,
        contains=[{"data": {"identity": REQUIRED, "password": REQUIRED}}],
    ),
    Scenario(
        "empty strings",
        "POST",
        USERS,
        {"identity": "", "password": ""},
        auth=GUEST,
        status=400,
        contains=[{"data": {"identity": REQUIRED, "password": REQUIRED}}],
    ),
    Scenario(
        "password missing",
        "POST",
        USERS,
        {"identity": "alice@example.com"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"password": REQUIRED}}],
        not_contains=['"identity"'],
    ),
    Scenario(
        "identity too long",
        "POST",
        USERS,
        {"identity": "a" * 300, "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[{"data": {"identity": {"code": "validation_length_out_of_range", "params": {"max": 255, "min": 1}}}}],
    ),
    Scenario(
        "password as a number",
        "POST",
        USERS,
        {"identity": "alice@example.com", "password": 12345678},
        auth=GUEST,
        status=400,
        contains=[LOADING],
    ),
    Scenario(
        "identity as a list",
        "POST",
        USERS,
        {"identity": ["alice@example.com"], "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[LOADING],
    ),
    Scenario(
        "body not JSON",
        "POST",
        USERS,
        b"identity=admin",
        content_type="application/json",
        auth=GUEST,
        status=400,
        contains=[LOADING],
    ),
    Scenario("body a JSON array", "POST", USERS, [], auth=GUEST, status=400, contains=[LOADING]),
    Scenario("GET is not a route", "GET", USERS, auth=GUEST, status=404, contains=[{"message": "File not found."}]),
    Scenario(
        "a base collection",
        "POST",
        "/api/collections/_otps/auth-with-password",
        {"identity": "a", "password": "b"},
        auth=GUEST,
        status=404,
        contains=[{"message": "Missing or invalid auth collection context."}],
    ),
    Scenario(
        "a missing collection",
        "POST",
        "/api/collections/nosuch/auth-with-password",
        {"identity": "a", "password": "b"},
        auth=GUEST,
        status=404,
        contains=[{"message": "Missing or invalid collection context."}],
    ),
    Scenario(
        "password sign-in turned off",
        "POST",
        "/api/collections/locked/auth-with-password",
        {"identity": "a@example.com", "password": PASSWORD},
        auth=GUEST,
        status=403,
        contains=[{"message": "The collection is not configured to allow password authentication."}],
    ),
    # ----- members: email or username -----------------------------------------------------------
    Scenario(
        "members: username",
        "POST",
        MEMBERS,
        {"identity": "bobby", "password": PASSWORD},
        auth=GUEST,
        contains=[{"record": {"id": "$bob", "username": "bobby", "email": "bob@example.com"}}],
    ),
    Scenario(
        "members: email before a username equal to it",
        "POST",
        MEMBERS,
        {"identity": "bob@example.com", "password": PASSWORD},
        auth=GUEST,
        contains=[{"record": {"id": "$bob"}}],
    ),
    Scenario(
        "members: identityField username",
        "POST",
        MEMBERS,
        {"identity": "bobby", "password": PASSWORD, "identityField": "username"},
        auth=GUEST,
        contains=[{"record": {"id": "$bob"}}],
    ),
    Scenario(
        "members: identityField username finds the username that looks like an email",
        "POST",
        MEMBERS,
        {"identity": "bob@example.com", "password": PASSWORD, "identityField": "username"},
        auth=GUEST,
        contains=[{"record": {"email": "carol@example.com", "username": "bob@example.com"}}],
    ),
    Scenario(
        "members2 (username listed first): an email is still looked up as an email first",
        "POST",
        "/api/collections/members2/auth-with-password",
        {"identity": "dave@example.com", "password": PASSWORD},
        auth=GUEST,
        contains=[{"record": {"id": "$dave", "username": "dave"}}],
    ),
    Scenario(
        "members: unknown username",
        "POST",
        MEMBERS,
        {"identity": "nobody", "password": PASSWORD, "identityField": "username"},
        auth=GUEST,
        status=400,
        contains=[FAILED],
    ),
    Scenario(
        "members: a username with identityField email",
        "POST",
        MEMBERS,
        {"identity": "bobby", "password": PASSWORD, "identityField": "email"},
        auth=GUEST,
        status=400,
        contains=[FAILED],
    ),
    Scenario(
        "members: username in another case",
        "POST",
        MEMBERS,
        {"identity": "BOBBY", "password": PASSWORD},
        auth=GUEST,
        status=400,
        contains=[FAILED],
    ),
    Scenario(
        "members: wrong password for the username",
        "POST",
        MEMBERS,
        {"identity": "bobby", "password": "wrong-password"},
        auth=GUEST,
        status=400,
        contains=[FAILED],
    ),
    Scenario(
        "members: identityField name (not an identity field)",
        "POST",
        MEMBERS,
        {"identity": "Bob", "password": PASSWORD, "identityField": "name"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"identityField": {"code": "validation_in_invalid"}}}],
    ),
]


@pytest.mark.parametrize("scenario", params(SCENARIOS))
async def test_auth_with_password(env: AuthEnv, people: dict[str, str], scenario: Scenario) -> None:
    await run(env.api, bind(scenario, **people))


async def test_token_claims(env: AuthEnv, people: dict[str, str]) -> None:
    """PocketBase's claims, no ``iat``; the users lifetime is 5 days."""
    response = await env.sign_in("alice@example.com", PASSWORD)
    claims = claims_of(response.json()["token"])
    assert sorted(claims) == ["collectionId", "exp", "id", "refreshable", "type"]
    assert claims["collectionId"] == "_pb_users_auth_"
    assert claims["id"] == people["alice"]
    assert claims["type"] == "auth"
    assert claims["refreshable"] is True
    assert abs(claims["exp"] - time.time() - 432000) < 60
    superuser = claims_of(await env.token(SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "_superusers"))
    assert abs(superuser["exp"] - time.time() - 86400) < 60


async def test_old_hash_is_upgraded_on_sign_in(env: AuthEnv) -> None:
    """A hash made with other argon2 parameters still signs in and is replaced by a current one."""
    user = await env.user(sign_in=False)
    old = Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    await env.api.sql("UPDATE data.users SET password = $1 WHERE id = $2", old, user.id)
    assert (await env.sign_in(user.email, PASSWORD)).status_code == 200
    upgraded = (await env.row("users", user.id))["password"]
    assert upgraded != old
    assert not env.server.runtime.hasher.needs_rehash(upgraded)
    assert (await env.sign_in(user.email, PASSWORD)).status_code == 200
    assert (await env.row("users", user.id))["password"] == upgraded, "no second rehash"


async def test_wrong_password_keeps_the_old_hash(env: AuthEnv) -> None:
    user = await env.user(sign_in=False)
    old = Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    await env.api.sql("UPDATE data.users SET password = $1 WHERE id = $2", old, user.id)
    assert (await env.sign_in(user.email, "wrong-password")).status_code == 400
    assert (await env.row("users", user.id))["password"] == old
