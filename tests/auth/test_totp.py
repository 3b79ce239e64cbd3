"""TOTP (ours): ``totp/setup``, ``totp/confirm``, ``totp/disable`` and ``auth-with-totp``; codes are never
accepted twice, recovery codes work once. The authenticator's clock is the test's: ``totp_clock``
freezes the server's TOTP time in the middle of a 30 s step and moves it a step at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import pytest_asyncio

from tests.api.scenarios import ANY, GUEST, Scenario, run
from tests.auth.flows import TotpClock, enrol, totp_step, with_totp
from tests.auth.support import PASSWORD, AuthEnv, User, bind

pytestmark = pytest.mark.asyncio(loop_scope="module")

USERS = "/api/collections/users"
INVALID = {"data": {}, "message": "Invalid or expired code.", "status": 400}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def members(env: AuthEnv) -> AsyncIterator[str]:
    await env.auth_collection("members")
    yield "members"


def _case(
    name: str,
    state: str,
    path: str,
    body: Any = None,
    *,
    auth: str = "$token",
    status: int = 200,
    contains: list[Any] | None = None,
    url: str = "",
) -> Any:
    """``state``: fresh (signed in), pending (set up, not confirmed), enrolled, signing in (an mfaId)."""
    scenario = Scenario(
        name,
        "POST",
        url or f"{USERS}/{path}",
        body if body is not None else {},
        auth=auth,
        status=status,
        contains=contains or [],
    )
    return pytest.param(state, scenario, id=name)


CASES = [
    _case("setup", "fresh", "totp/setup", contains=[{"secret": ANY, "otpauthURL": ANY}]),
    _case("setup again before confirming", "pending", "totp/setup", contains=[{"secret": ANY}]),
    _case("setup as a guest", "fresh", "totp/setup", auth=GUEST, status=401),
    _case(
        "setup with another collection's token",
        "fresh",
        "totp/setup",
        auth="$member_token",
        status=403,
        contains=[{"message": "The request requires auth record from members collection."}],
    ),
    _case(
        "setup when enrolled",
        "enrolled",
        "totp/setup",
        status=400,
        contains=[{"message": "TOTP is already enabled; disable it first."}],
    ),
    _case("confirm", "pending", "totp/confirm", {"code": "$code"}, contains=[{"recoveryCodes": ANY}]),
    _case("confirm with the previous step's code (drift)", "pending", "totp/confirm", {"code": "$previous"}),
    _case(
        "confirm with a code two steps old",
        "pending",
        "totp/confirm",
        {"code": "$stale"},
        status=400,
        contains=[INVALID],
    ),
    _case("confirm with a wrong code", "pending", "totp/confirm", {"code": "$wrong"}, status=400, contains=[INVALID]),
    _case(
        "confirm without a code",
        "pending",
        "totp/confirm",
        status=400,
        contains=[{"data": {"code": {"code": "validation_required"}}}],
    ),
    _case("confirm as a guest", "pending", "totp/confirm", {"code": "$code"}, auth=GUEST, status=401),
    _case("confirm without setup", "fresh", "totp/confirm", {"code": "$code"}, status=400, contains=[INVALID]),
    _case("confirm twice", "enrolled", "totp/confirm", {"code": "$code"}, status=400, contains=[INVALID]),
    _case("disable with a code", "enrolled", "totp/disable", {"code": "$code"}, status=204),
    _case("disable with a recovery code", "enrolled", "totp/disable", {"code": "$recovery"}, status=204),
    _case(
        "disable with the confirming code",
        "enrolled",
        "totp/disable",
        {"code": "$used"},
        status=400,
        contains=[INVALID],
    ),
    _case("disable with a wrong code", "enrolled", "totp/disable", {"code": "$wrong"}, status=400, contains=[INVALID]),
    _case("disable as a guest", "enrolled", "totp/disable", {"code": "$code"}, auth=GUEST, status=401),
    _case("disable when not enrolled", "fresh", "totp/disable", {"code": "$code"}, status=400, contains=[INVALID]),
    _case(
        "sign in with a code",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$code"},
        auth=GUEST,
        contains=[{"record": {"id": "$id"}, "token": ANY}],
    ),
    _case(
        "sign in with the next step's code (drift)",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$next"},
        auth=GUEST,
        contains=[{"record": {"id": "$id"}}],
    ),
    _case(
        "sign in with a code two steps ahead",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$ahead"},
        auth=GUEST,
        status=400,
        contains=[INVALID],
    ),
    _case(
        "sign in with a recovery code",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$recovery"},
        auth=GUEST,
        contains=[{"record": {"id": "$id"}}],
    ),
    _case(
        "sign in with a recovery code in capitals",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$upper_recovery"},
        auth=GUEST,
        contains=[{"record": {"id": "$id"}}],
    ),
    _case(
        "sign in with the confirming code (replay)",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$used"},
        auth=GUEST,
        status=400,
        contains=[INVALID],
    ),
    _case(
        "sign in with a wrong code",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$wrong"},
        auth=GUEST,
        status=400,
        contains=[INVALID],
    ),
    _case(
        "sign in with the mfaId in the query",
        "signing in",
        "auth-with-totp",
        {"code": "$code"},
        auth=GUEST,
        url=f"{USERS}/auth-with-totp?mfaId=$mfa_id",
        contains=[{"record": {"id": "$id"}}],
    ),
    _case(
        "sign in without an mfaId",
        "signing in",
        "auth-with-totp",
        {"code": "$code"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"mfaId": {"code": "validation_required"}}}],
    ),
    _case(
        "sign in without a code",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"code": {"code": "validation_required"}}}],
    ),
    _case(
        "sign in with an unknown mfaId",
        "signing in",
        "auth-with-totp",
        {"mfaId": "nosuchmfa000000", "code": "$code"},
        auth=GUEST,
        status=400,
        contains=[{"message": "Invalid or expired MFA session."}],
    ),
    _case(
        "sign in on another collection",
        "signing in",
        "auth-with-totp",
        {"mfaId": "$mfa_id", "code": "$code"},
        auth=GUEST,
        url="/api/collections/members/auth-with-totp",
        status=400,
        contains=[{"message": "Invalid or expired MFA session."}],
    ),
]


@pytest.mark.parametrize(("state", "scenario"), CASES)
async def test_totp(env: AuthEnv, members: str, totp_clock: TotpClock, state: str, scenario: Scenario) -> None:
    user = await env.user()
    member = await env.user(members)
    values = {"token": user.token, "member_token": member.token, "id": user.id, "code": "123456"}
    if state != "fresh":
        secret = (await env.ok("POST", f"{USERS}/totp/setup", auth=user.token))["secret"]
        values |= {
            "code": totp_clock.code(secret),
            "previous": totp_clock.code(secret, -1),
            "stale": totp_clock.code(secret, -2),
        }
    if state in ("enrolled", "signing in"):
        values["used"] = values["code"]
        confirmed = await env.ok("POST", f"{USERS}/totp/confirm", {"code": values["code"]}, auth=user.token)
        codes = confirmed["recoveryCodes"]
        totp_clock.step()
        values |= {
            "code": totp_clock.code(secret),
            "next": totp_clock.code(secret, 1),
            "ahead": totp_clock.code(secret, 2),
            "recovery": codes[0],
            "upper_recovery": codes[0].upper(),
        }
    if state == "signing in":
        values["mfa_id"] = await totp_step(env, user)
    values["wrong"] = next(c for c in ("000000", "111111") if c not in values.values())
    await run(env.api, bind(scenario, **values))


async def test_otpauth_url(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    body = await env.ok("POST", f"{USERS}/totp/setup", auth=user.token)
    url = urlsplit(body["otpauthURL"])
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc) == ("otpauth", "totp")
    assert unquote(url.path) == f"/Acme:{user.email}", "issuer:account (the colon may be encoded)"
    assert query == {
        "secret": [body["secret"]],
        "issuer": ["Acme"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert len(body["secret"]) >= 32


async def test_sign_in_needs_the_second_factor(env: AuthEnv, totp_clock: TotpClock) -> None:
    """Once enrolled, a password alone gives an mfaId (even with MFA off); after disabling, a token."""
    user = await env.user()
    secret, codes = await enrol(env, user, totp_clock)
    assert len(codes) == len(set(codes)) == 10
    mfa_id = await totp_step(env, user)
    assert await with_totp(env, user, mfa_id, totp_clock.code(secret)) == 200
    await env.ok("POST", f"{USERS}/totp/disable", {"code": codes[0]}, auth=user.token, status=204)
    assert (await env.sign_in(user.email, PASSWORD)).status_code == 200
    assert await with_totp(env, user, await _session(env, user), codes[1]) == 400, "the codes went with TOTP"


async def _session(env: AuthEnv, user: User) -> str:
    """An MFA session row for ``user`` (as a password step would open one)."""
    rows = await env.api.sql(
        'INSERT INTO data."_mfas" (id, "collectionRef", "recordRef", method, created, updated) '
        "VALUES (substr(md5(random()::text), 1, 15), '_pb_users_auth_', $1, 'password', now(), now()) RETURNING id",
        user.id,
    )
    return str(rows[0]["id"])


async def test_a_code_is_accepted_once(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    secret, _ = await enrol(env, user, totp_clock)
    code = totp_clock.code(secret)
    assert await with_totp(env, user, await totp_step(env, user), code) == 200
    assert await with_totp(env, user, await totp_step(env, user), code) == 400, "replay within its window"
    totp_clock.step()
    assert await with_totp(env, user, await totp_step(env, user), totp_clock.code(secret, -1)) == 400, "still a replay"
    assert await with_totp(env, user, await totp_step(env, user), totp_clock.code(secret)) == 200


async def test_a_recovery_code_is_accepted_once(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    _, codes = await enrol(env, user, totp_clock)
    assert await with_totp(env, user, await totp_step(env, user), codes[3]) == 200
    assert await with_totp(env, user, await totp_step(env, user), codes[3]) == 400
    assert await with_totp(env, user, await totp_step(env, user), codes[4]) == 200


async def test_concurrent_use_of_one_recovery_code(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    _, codes = await enrol(env, user, totp_clock)
    sessions = [await totp_step(env, user) for _ in range(4)]
    statuses = await asyncio.gather(*(with_totp(env, user, mfa_id, codes[0]) for mfa_id in sessions))
    assert sorted(statuses) == [200, 400, 400, 400]


async def test_concurrent_use_of_one_code(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    secret, _ = await enrol(env, user, totp_clock)
    sessions = [await totp_step(env, user) for _ in range(4)]
    statuses = await asyncio.gather(*(with_totp(env, user, mfa_id, totp_clock.code(secret)) for mfa_id in sessions))
    assert sorted(statuses) == [200, 400, 400, 400]


async def test_the_secret_is_never_served(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    secret, codes = await enrol(env, user, totp_clock)
    for auth in (user.token, "superuser"):
        for url in (f"{USERS}/records/{user.id}", f"{USERS}/records", f"{USERS}/auth-methods"):
            text = (await env.api.call("GET", url, auth=auth)).text
            assert secret not in text
            assert codes[0] not in text
    rows = await env.api.sql("SELECT recovery_codes::text AS codes FROM baas.totp WHERE record_id = $1", user.id)
    assert codes[0] not in rows[0]["codes"], "recovery codes are stored hashed"


async def test_my_code_does_not_complete_your_session(env: AuthEnv, totp_clock: TotpClock) -> None:
    """auth-with-totp checks the code of the session's record, so my code does not complete yours."""
    mine, yours = await env.user(), await env.user()
    my_secret, _ = await enrol(env, mine, totp_clock)
    await enrol(env, yours, totp_clock)
    your_session = await totp_step(env, yours)
    assert await with_totp(env, mine, your_session, totp_clock.code(my_secret)) == 400


async def test_an_expired_session_uses_no_code_up(env: AuthEnv, totp_clock: TotpClock) -> None:
    user = await env.user()
    _, codes = await enrol(env, user, totp_clock)
    mfa_id = await totp_step(env, user)
    await env.age("_mfas", mfa_id, 601)
    assert await with_totp(env, user, mfa_id, codes[0]) == 400
    assert await with_totp(env, user, await totp_step(env, user), codes[0]) == 200, "the recovery code still works"
