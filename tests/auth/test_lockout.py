"""Account lockout (ours, settings ``lockout``): after ``maxAttempts`` failures within ``window`` seconds an
identity is refused for ``duration`` seconds, whether or not it exists. Time moves through the
database (``baas.auth_failures``), never by sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.auth.flows import MFA_OPTIONS, OTP_OPTIONS, TotpClock, enrol, mfa_id_of, otp_code, step, totp_step, with_totp
from tests.auth.support import PASSWORD, AuthEnv, User, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

LOCKED = {"data": {}, "message": "Too many failed attempts. Try again later.", "status": 429}
FAILED = {"data": {}, "message": "Failed to authenticate.", "status": 400}
MAX = 3


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lockout(env: AuthEnv) -> AsyncIterator[None]:
    await env.auth_collection("members")
    await env.auth_collection("otp_users", otp=OTP_OPTIONS)
    yield


@pytest_asyncio.fixture(loop_scope="module", autouse=True)
async def settings(env: AuthEnv) -> AsyncIterator[None]:
    await env.settings({"lockout": {"enabled": True, "maxAttempts": MAX, "window": 900, "duration": 900}})
    yield


async def _fail(env: AuthEnv, identity: str, times: int, collection: str = "users") -> None:
    for _ in range(times):
        response = await env.sign_in(identity, "wrong-password", collection)
        assert response.json() == FAILED, response.text


async def _answer(env: AuthEnv, user: User, identity: str | None = None) -> dict[str, object]:
    response = await env.sign_in(identity or user.email, user.password, user.collection)
    body: dict[str, object] = response.json()
    return body


async def test_locked_after_max_attempts(env: AuthEnv, lockout: None) -> None:
    user = await env.user(sign_in=False)
    await _fail(env, user.email, MAX - 1)
    assert "token" in await _answer(env, user), "below the limit the right password works"
    await _fail(env, user.email, MAX)
    assert await _answer(env, user) == LOCKED, "even the right password"
    response = await env.sign_in(user.email, "wrong-password")
    assert response.status_code == 429


async def test_an_unknown_identity_locks_alike(env: AuthEnv, lockout: None) -> None:
    ghost = unique_email("ghost")
    await _fail(env, ghost, MAX)
    assert (await env.sign_in(ghost, PASSWORD)).json() == LOCKED


async def test_the_identity_is_case_insensitive_and_trimmed(env: AuthEnv, lockout: None) -> None:
    user = await env.user(sign_in=False)
    await _fail(env, user.email.upper(), MAX - 1)
    await _fail(env, f" {user.email} ", 1)
    assert await _answer(env, user) == LOCKED


async def test_others_are_not_affected(env: AuthEnv, lockout: None) -> None:
    """Another identity, and the same address in another collection."""
    user = await env.user(sign_in=False)
    other = await env.user(sign_in=False)
    member = await env.user("members", email=user.email, sign_in=False)
    await _fail(env, user.email, MAX)
    assert await _answer(env, user) == LOCKED
    assert "token" in await _answer(env, other)
    assert "token" in await _answer(env, member)


async def test_a_success_clears_the_count(env: AuthEnv, lockout: None) -> None:
    user = await env.user(sign_in=False)
    await _fail(env, user.email, MAX - 1)
    assert "token" in await _answer(env, user)
    await _fail(env, user.email, MAX - 1)
    assert "token" in await _answer(env, user)


async def test_the_lock_ends(env: AuthEnv, lockout: None) -> None:
    user = await env.user(sign_in=False)
    await _fail(env, user.email, MAX)
    assert await _answer(env, user) == LOCKED
    await env.api.sql(
        "UPDATE baas.auth_failures SET locked_until = now() - interval '1 second' WHERE locked_until IS NOT NULL"
    )
    assert "token" in await _answer(env, user)


async def test_failures_outside_the_window_do_not_count(env: AuthEnv, lockout: None) -> None:
    user = await env.user(sign_in=False)
    await _fail(env, user.email, MAX - 1)
    await env.api.sql("UPDATE baas.auth_failures SET first_failed = first_failed - interval '901 seconds'")
    await _fail(env, user.email, MAX - 1)
    assert "token" in await _answer(env, user)


async def test_turned_off(env: AuthEnv, lockout: None) -> None:
    await env.settings({"lockout": {"enabled": False}})
    user = await env.user(sign_in=False)
    await _fail(env, user.email, MAX + 2)
    assert "token" in await _answer(env, user)


async def test_otp_codes_lock_their_otp_id(env: AuthEnv, lockout: None) -> None:
    user = await env.user("otp_users", sign_in=False)
    url = "/api/collections/otp_users"
    otp_id = (await env.http.post(f"{url}/request-otp", json={"email": user.email})).json()["otpId"]
    code = await otp_code(env, user.email, otp_id)
    for _ in range(MAX):
        wrong = await env.http.post(f"{url}/auth-with-otp", json={"otpId": otp_id, "password": "000000"})
        assert wrong.status_code == 400
    locked = await env.http.post(f"{url}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert locked.json() == LOCKED
    again = (await env.http.post(f"{url}/request-otp", json={"email": user.email})).json()["otpId"]
    fresh = await env.http.post(
        f"{url}/auth-with-otp", json={"otpId": again, "password": await otp_code(env, user.email, again)}
    )
    assert fresh.status_code == 200, "a new code is not locked"


async def test_totp_codes_lock_the_record(env: AuthEnv, lockout: None, totp_clock: TotpClock) -> None:
    """Per record, not per MFA session: new sessions (the password is known) bring no new tries."""
    user = await env.user()
    secret, _ = await enrol(env, user, totp_clock)
    mfa_id = ""
    for attempt in range(MAX):
        if attempt % 3 == 0:
            mfa_id = await totp_step(env, user)
        assert await with_totp(env, user, mfa_id, "000000") == 400
    assert await with_totp(env, user, mfa_id, totp_clock.code(secret)) == 429
    assert await with_totp(env, user, await totp_step(env, user), totp_clock.code(secret)) == 429
    await env.api.sql("UPDATE baas.auth_failures SET locked_until = now() - interval '1 second'")
    assert await with_totp(env, user, await totp_step(env, user), totp_clock.code(secret)) == 200, "once it ends"


async def test_an_mfa_second_step_counts_like_a_sign_in(env: AuthEnv, lockout: None) -> None:
    await env.auth_collection("mfa_users", **MFA_OPTIONS)
    user = await env.user("mfa_users", sign_in=False, verified=True)
    mfa_id = mfa_id_of(await step(env, "otp", user))
    for _ in range(MAX):
        assert (await step(env, "password", user, mfa_id, password="wrong-password")).status_code == 400
    assert (await step(env, "password", user, mfa_id)).json() == LOCKED


@pytest.mark.parametrize("value", [0, -1])
async def test_settings_are_checked(env: AuthEnv, value: int) -> None:
    response = await env.api.call("PATCH", "/api/settings", {"lockout": {"maxAttempts": value}})
    assert response.status_code == 400
    assert "maxAttempts" in response.json()["data"]["lockout"]
