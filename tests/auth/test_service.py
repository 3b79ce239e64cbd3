"""``POST auth-refresh`` and ``POST impersonate/{id}`` (superusers only; the token is not refreshable)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api.scenarios import GUEST, SUPERUSER, USER, Scenario, params, run
from tests.auth.support import AuthEnv, bind, claims_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFRESH = "/api/collections/users/auth-refresh"
NEEDS_TOKEN = {"data": {}, "message": "The request requires valid record authorization token.", "status": 401}
NOT_ALLOWED = {"data": {}, "message": "The authorized record is not allowed to perform this action.", "status": 403}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ids(env: AuthEnv) -> AsyncIterator[dict[str, str]]:
    alice = await env.user(name="Alice")
    await env.auth_collection("members")
    member = await env.user("members")
    impersonated = (await env.ok("POST", f"/api/collections/users/impersonate/{alice.id}"))["token"]
    yield {
        "alice": alice.id,
        "alice_email": alice.email,
        "alice_token": alice.token,
        "member": member.id,
        "member_token": member.token,
        "imp_token": impersonated,
    }


REFRESH_SCENARIOS = [
    Scenario(
        "a user refreshes",
        "POST",
        REFRESH,
        auth="$alice_token",
        contains=[{"record": {"id": "$alice", "email": "$alice_email", "name": "Alice"}}, '"token":"ey'],
        not_contains=["tokenKey", '"password"'],
    ),
    Scenario("Bearer prefix", "POST", REFRESH, auth="Bearer $alice_token", contains=[{"record": {"id": "$alice"}}]),
    Scenario(
        "lower-case bearer prefix", "POST", REFRESH, auth="bearer $alice_token", contains=[{"record": {"id": "$alice"}}]
    ),
    Scenario(
        "fields=record.email",
        "POST",
        REFRESH + "?fields=record.email",
        auth="$alice_token",
        contains=['{"record":{"email":"$alice_email"}}'],
    ),
    Scenario(
        "by collection id",
        "POST",
        "/api/collections/_pb_users_auth_/auth-refresh",
        auth="$alice_token",
        contains=[{"record": {"id": "$alice"}}],
    ),
    Scenario(
        "a superuser refreshes",
        "POST",
        "/api/collections/_superusers/auth-refresh",
        auth=SUPERUSER,
        contains=[{"record": {"collectionName": "_superusers", "email": "admin@example.com"}}],
    ),
    Scenario("no token", "POST", REFRESH, auth=GUEST, status=401, contains=[NEEDS_TOKEN]),
    Scenario("a garbage token", "POST", REFRESH, auth="garbage", status=401, contains=[NEEDS_TOKEN]),
    Scenario("Bearer without a token", "POST", REFRESH, auth="Bearer", status=401, contains=[NEEDS_TOKEN]),
    Scenario(
        "a users token on _superusers",
        "POST",
        "/api/collections/_superusers/auth-refresh",
        auth="$alice_token",
        status=403,
        contains=[{"message": "The request requires auth record from users collection."}],
    ),
    Scenario(
        "a superuser token on users",
        "POST",
        REFRESH,
        auth=SUPERUSER,
        status=403,
        contains=[{"message": "The request requires auth record from _superusers collection."}],
    ),
    Scenario(
        "a members token on users",
        "POST",
        REFRESH,
        auth="$member_token",
        status=403,
        contains=[{"message": "The request requires auth record from members collection."}],
    ),
    Scenario(
        "members refreshes its own",
        "POST",
        "/api/collections/members/auth-refresh",
        auth="$member_token",
        contains=[{"record": {"id": "$member", "collectionName": "members"}}],
    ),
    Scenario(
        "a base collection",
        "POST",
        "/api/collections/_mfas/auth-refresh",
        auth="$alice_token",
        status=404,
        contains=[{"message": "Missing or invalid auth collection context."}],
    ),
    Scenario("GET is not a route", "GET", REFRESH, auth="$alice_token", status=404),
    Scenario(
        "an impersonation token comes back unchanged",
        "POST",
        REFRESH,
        auth="$imp_token",
        contains=[{"record": {"id": "$alice"}, "token": "$imp_token"}],
    ),
]


@pytest.mark.parametrize("scenario", params(REFRESH_SCENARIOS))
async def test_auth_refresh(env: AuthEnv, ids: dict[str, str], scenario: Scenario) -> None:
    await run(env.api, bind(scenario, **ids))


async def test_a_refreshed_token_is_a_full_token(env: AuthEnv, ids: dict[str, str]) -> None:
    refreshed = (await env.refresh(ids["alice_token"])).json()["token"]
    claims = claims_of(refreshed)
    assert claims["refreshable"] is True
    assert claims["id"] == ids["alice"]
    assert abs(claims["exp"] - time.time() - 432000) < 60
    again = await env.refresh(refreshed)
    assert again.status_code == 200, again.text
    assert (await env.refresh(ids["alice_token"])).status_code == 200, "the older token still works"


IMPERSONATE = "/api/collections/users/impersonate/$alice"

IMPERSONATE_SCENARIOS = [
    Scenario(
        "a superuser impersonates",
        "POST",
        IMPERSONATE,
        auth=SUPERUSER,
        contains=[{"record": {"id": "$alice", "email": "$alice_email"}}, '"token":"ey'],
        not_contains=["tokenKey", '"password"'],
    ),
    Scenario(
        "with a duration",
        "POST",
        IMPERSONATE,
        {"duration": 60},
        auth=SUPERUSER,
        contains=[{"record": {"id": "$alice"}}],
    ),
    Scenario("fields=token", "POST", IMPERSONATE + "?fields=token", auth=SUPERUSER, contains=['{"token":"ey']),
    Scenario(
        "a negative duration",
        "POST",
        IMPERSONATE,
        {"duration": -1},
        auth=SUPERUSER,
        status=400,
        contains=[{"data": {"duration": {"code": "validation_min_greater_equal_than_required"}}}],
    ),
    Scenario(
        "a duration as text",
        "POST",
        IMPERSONATE,
        {"duration": "60"},
        auth=SUPERUSER,
        status=400,
        contains=[{"message": "An error occurred while loading the submitted data."}],
    ),
    Scenario("a guest", "POST", IMPERSONATE, auth=GUEST, status=401, contains=[NEEDS_TOKEN], unchanged=True),
    Scenario(
        "a user impersonates another",
        "POST",
        IMPERSONATE,
        auth=USER,
        status=403,
        contains=[NOT_ALLOWED],
        unchanged=True,
    ),
    Scenario(
        "a user impersonates itself", "POST", IMPERSONATE, auth="$alice_token", status=403, contains=[NOT_ALLOWED]
    ),
    Scenario(
        "an impersonation token cannot impersonate",
        "POST",
        IMPERSONATE,
        auth="$imp_token",
        status=403,
        contains=[NOT_ALLOWED],
    ),
    Scenario(
        "another auth collection's record",
        "POST",
        "/api/collections/members/impersonate/$member",
        auth=SUPERUSER,
        contains=[{"record": {"id": "$member", "collectionName": "members"}}],
    ),
    Scenario(
        "a superuser",
        "POST",
        "/api/collections/_superusers/impersonate/$superuser_id",
        auth=SUPERUSER,
        contains=[{"record": {"collectionName": "_superusers"}}],
    ),
    Scenario(
        "a record of another collection",
        "POST",
        "/api/collections/members/impersonate/$alice",
        auth=SUPERUSER,
        status=404,
    ),
    Scenario(
        "a missing record", "POST", "/api/collections/users/impersonate/nosuchrecord00", auth=SUPERUSER, status=404
    ),
    Scenario(
        "a base collection",
        "POST",
        "/api/collections/_mfas/impersonate/$alice",
        auth=SUPERUSER,
        status=404,
        contains=[{"message": "Missing or invalid auth collection context."}],
    ),
]


@pytest.mark.parametrize("scenario", params(IMPERSONATE_SCENARIOS))
async def test_impersonate(env: AuthEnv, ids: dict[str, str], scenario: Scenario) -> None:
    superuser_id = claims_of(env.api.tokens[SUPERUSER])["id"]
    await run(env.api, bind(scenario, superuser_id=superuser_id, **ids))


async def test_impersonation_token(env: AuthEnv, ids: dict[str, str]) -> None:
    """Not refreshable, the collection's lifetime by default or the asked duration, and it acts as the record."""
    token = (await env.ok("POST", f"/api/collections/users/impersonate/{ids['alice']}"))["token"]
    claims = claims_of(token)
    assert claims["refreshable"] is False
    assert claims["id"] == ids["alice"]
    assert claims["type"] == "auth"
    assert abs(claims["exp"] - time.time() - 432000) < 60
    short = (await env.ok("POST", f"/api/collections/users/impersonate/{ids['alice']}", {"duration": 60}))["token"]
    assert abs(claims_of(short)["exp"] - time.time() - 60) < 10
    for used in (token, short):
        viewed = await env.api.call("GET", f"/api/collections/users/records/{ids['alice']}", auth=used)
        assert viewed.status_code == 200, viewed.text
        assert viewed.json()["email"] == ids["alice_email"]
        refreshed = await env.refresh(used)
        assert refreshed.status_code == 200
        assert refreshed.json()["token"] == used, "echoed, never renewed"


async def test_expired_impersonation_token(env: AuthEnv, ids: dict[str, str]) -> None:
    expired = await env.forge("users", ids["alice"], expires_in=-5, refreshable=False)
    assert (await env.refresh(expired)).status_code == 401
