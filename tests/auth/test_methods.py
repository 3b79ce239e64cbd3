"""``GET auth-methods``: what a client may offer, PocketBase's body byte for byte (key order included)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.scenarios import GUEST, USER, Call, Scenario, params, run
from tests.auth.support import AuthEnv, auth_collection_body

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEFAULT = (
    '{"password":{"identityFields":["email"],"enabled":true},"oauth2":{"providers":[],"enabled":false},'
    '"mfa":{"enabled":false,"duration":0},"otp":{"enabled":false,"duration":0},"authProviders":[],'
    '"usernamePassword":false,"emailPassword":true}'
)


def _auth(name: str, **options: Any) -> Call:
    return Call("POST", "/api/collections", auth_collection_body(name, username=True, **options))


SCENARIOS = [
    Scenario("users, as a guest", "GET", "/api/collections/users/auth-methods", auth=GUEST, contains=[DEFAULT]),
    Scenario("users, as a user", "GET", "/api/collections/users/auth-methods", auth=USER, contains=[DEFAULT]),
    Scenario("superusers", "GET", "/api/collections/_superusers/auth-methods", auth=GUEST, contains=[DEFAULT]),
    Scenario(
        "by collection id", "GET", "/api/collections/_pb_users_auth_/auth-methods", auth=GUEST, contains=[DEFAULT]
    ),
    Scenario(
        "fields picks keys",
        "GET",
        "/api/collections/users/auth-methods?fields=password,otp",
        auth=GUEST,
        contains=['{"password":{"identityFields":["email"],"enabled":true},"otp":{"enabled":false,"duration":0}}'],
    ),
    Scenario(
        "a base collection",
        "GET",
        "/api/collections/_mfas/auth-methods",
        auth=GUEST,
        status=404,
        contains=[{"message": "Missing or invalid auth collection context."}],
    ),
    Scenario(
        "a missing collection",
        "GET",
        "/api/collections/nosuch/auth-methods",
        auth=GUEST,
        status=404,
        contains=[{"message": "Missing or invalid collection context."}],
    ),
    Scenario("POST is not a route", "POST", "/api/collections/users/auth-methods", auth=GUEST, status=404),
    Scenario(
        "otp and mfa on: their durations",
        "GET",
        "/api/collections/m_otp/auth-methods",
        auth=GUEST,
        setup=[_auth("m_otp", otp={"enabled": True, "duration": 120}, mfa={"enabled": True, "duration": 300})],
        contains=['"mfa":{"enabled":true,"duration":300},"otp":{"enabled":true,"duration":120}'],
    ),
    Scenario(
        "username identity: the legacy flag",
        "GET",
        "/api/collections/m_username/auth-methods",
        auth=GUEST,
        setup=[_auth("m_username", passwordAuth={"identityFields": ["email", "username"]})],
        contains=[
            '"password":{"identityFields":["email","username"],"enabled":true}',
            '"usernamePassword":true,"emailPassword":true',
        ],
    ),
    Scenario(
        "username only",
        "GET",
        "/api/collections/m_username_only/auth-methods",
        auth=GUEST,
        setup=[_auth("m_username_only", passwordAuth={"identityFields": ["username"]})],
        contains=['"usernamePassword":true,"emailPassword":false'],
    ),
    Scenario(
        "password off, otp on",
        "GET",
        "/api/collections/m_nopass/auth-methods",
        auth=GUEST,
        setup=[_auth("m_nopass", passwordAuth={"enabled": False}, otp={"enabled": True})],
        contains=[
            '"password":{"identityFields":["email"],"enabled":false}',
            '"otp":{"enabled":true,"duration":180}',
            '"usernamePassword":false,"emailPassword":false',
        ],
    ),
    Scenario(
        "mfa off: its duration is 0",
        "GET",
        "/api/collections/m_mfa_off/auth-methods",
        auth=GUEST,
        setup=[_auth("m_mfa_off", mfa={"enabled": False, "duration": 900})],
        contains=['"mfa":{"enabled":false,"duration":0}'],
    ),
]


@pytest.mark.parametrize("scenario", params(SCENARIOS))
async def test_auth_methods(env: AuthEnv, scenario: Scenario) -> None:
    await run(env.api, scenario)


async def test_no_secret_leaves(env: AuthEnv) -> None:
    """Token secrets and the SMTP password never appear in auth-methods."""
    body = (await env.http.get("/api/collections/users/auth-methods")).text
    users = env.collection("users")
    for kind in ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken"):
        assert users.auth_options[kind]["secret"] not in body
    assert json.loads(body)["oauth2"] == {"providers": [], "enabled": False}
