"""Single use under concurrency: the same reset / verification / email-change token, OTP code or MFA
session sent several times at once succeeds exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.auth.flows import MFA_OPTIONS, OTP_OPTIONS, mfa_id_of, otp_code, step
from tests.auth.support import PASSWORD, AuthEnv, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

USERS = "/api/collections/users"
AT_ONCE = 4


async def _at_once(env: AuthEnv, url: str, body: dict[str, str]) -> list[int]:
    """``AT_ONCE`` identical requests on separate connections, released together."""
    clients = [httpx.AsyncClient(base_url=env.server.url, timeout=30) for _ in range(AT_ONCE)]
    try:
        for client in clients:  # open the connections first, so the requests really overlap
            await client.get("/api/health")
        responses = await asyncio.gather(*(client.post(url, json=body) for client in clients))
    finally:
        for client in clients:
            await client.aclose()
    return sorted(r.status_code for r in responses)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def mfa(env: AuthEnv) -> AsyncIterator[None]:
    await env.auth_collection("mfa_users", **MFA_OPTIONS)
    yield


async def test_password_reset(env: AuthEnv) -> None:
    user = await env.user()
    await env.ok("POST", f"{USERS}/request-password-reset", {"email": user.email}, auth="guest", status=204)
    token = await env.mail_token(user.email)
    body = {"token": token, "password": "new-password-1", "passwordConfirm": "new-password-1"}
    assert await _at_once(env, f"{USERS}/confirm-password-reset", body) == [204] + [400] * (AT_ONCE - 1)
    assert (await env.sign_in(user.email, "new-password-1")).status_code == 200


async def test_verification(env: AuthEnv) -> None:
    user = await env.user()
    await env.ok("POST", f"{USERS}/request-verification", {"email": user.email}, auth="guest", status=204)
    token = await env.mail_token(user.email)
    assert await _at_once(env, f"{USERS}/confirm-verification", {"token": token}) == [204] + [400] * (AT_ONCE - 1)


async def test_email_change(env: AuthEnv) -> None:
    user = await env.user()
    new_email = unique_email("moved")
    await env.ok("POST", f"{USERS}/request-email-change", {"newEmail": new_email}, auth=user.token, status=204)
    token = await env.mail_token(new_email)
    body = {"token": token, "password": PASSWORD}
    assert await _at_once(env, f"{USERS}/confirm-email-change", body) == [204] + [400] * (AT_ONCE - 1)
    assert (await env.row("users", user.id))["email"] == new_email


async def test_otp_code(env: AuthEnv, mfa: None) -> None:
    await env.auth_collection("otp_only", otp=OTP_OPTIONS)
    user = await env.user("otp_only", sign_in=False)
    otp_id = (await env.http.post("/api/collections/otp_only/request-otp", json={"email": user.email})).json()["otpId"]
    body = {"otpId": otp_id, "password": await otp_code(env, user.email, otp_id)}
    assert await _at_once(env, "/api/collections/otp_only/auth-with-otp", body) == [200] + [400] * (AT_ONCE - 1)


async def test_mfa_session(env: AuthEnv, mfa: None) -> None:
    """Several second steps on one session: one token, not several."""
    user = await env.user("mfa_users", sign_in=False, verified=True)
    mfa_id = mfa_id_of(await step(env, "otp", user))
    body = {"identity": user.email, "password": PASSWORD, "mfaId": mfa_id}
    statuses = await _at_once(env, "/api/collections/mfa_users/auth-with-password", body)
    assert statuses == [200] + [400] * (AT_ONCE - 1)
