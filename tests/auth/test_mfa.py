"""Multi-factor sign-in: the first method answers 401 ``{"mfaId"}``, a *different* second method within
``mfa.duration`` completes it. A table of two-step flows (password and OTP in either order, the same
method twice, an expired session, another record's or collection's session...)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from tests.auth.flows import MFA_OPTIONS, mfa_id_of, step
from tests.auth.support import PASSWORD, AuthEnv, User

pytestmark = pytest.mark.asyncio(loop_scope="module")

DURATION = MFA_OPTIONS["mfa"]["duration"]
OPTIONS = MFA_OPTIONS
DIFFERENT = "A different authentication method is required."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def collections(env: AuthEnv) -> AsyncIterator[None]:
    await env.auth_collection("mfa_users", **OPTIONS)
    await env.auth_collection("mfa_others", **OPTIONS)
    await env.auth_collection("mfa_ruled", **{**OPTIONS, "mfa": {"enabled": True, "rule": "name = 'strict'"}})
    await env.auth_collection("mfa_verified", **OPTIONS, authRule="verified = true")
    yield


@dataclass(frozen=True)
class Flow:
    name: str
    first: str  # the first method: password | otp
    second: str  # the second method
    session: str = "own"  # the mfaId the second step carries: own | another record's | another collection's |
    #                        unknown | none | used
    where: str = "body"  # mfaId in the body or the query string
    age: int = 0  # seconds the MFA session is made older before the second step
    right: bool = True  # the second step's credentials are right
    status: int = 200
    message: str = ""


FLOWS = [
    Flow("password, then otp", "password", "otp"),
    Flow("otp, then password", "otp", "password"),
    Flow("mfaId in the query string", "password", "otp", where="query"),
    Flow("password twice", "password", "password", status=400, message=DIFFERENT),
    Flow("otp twice", "otp", "otp", status=400, message=DIFFERENT),
    Flow("just before the session expires", "password", "otp", age=DURATION - 5),
    Flow(
        "an expired session", "password", "otp", age=DURATION + 1, status=400, message="Invalid or expired MFA session."
    ),
    Flow(
        "another record's session",
        "password",
        "otp",
        session="another record's",
        status=400,
        message="Invalid MFA session.",
    ),
    Flow(
        "another collection's session",
        "password",
        "otp",
        session="another collection's",
        status=400,
        message="Invalid MFA session.",
    ),
    Flow(
        "an unknown session",
        "password",
        "otp",
        session="unknown",
        status=400,
        message="Invalid or expired MFA session.",
    ),
    Flow(
        "a session used before",
        "password",
        "otp",
        session="used",
        status=400,
        message="Invalid or expired MFA session.",
    ),
    Flow("no mfaId: a new first step", "password", "otp", session="none", status=401),
    Flow("a wrong second password", "otp", "password", right=False, status=400, message="Failed to authenticate."),
    Flow("a wrong second code", "password", "otp", right=False, status=400, message="Invalid or expired OTP."),
]


@pytest.mark.parametrize("flow", [pytest.param(f, id=f.name) for f in FLOWS])
async def test_mfa(env: AuthEnv, collections: None, flow: Flow) -> None:
    user = await env.user("mfa_users", sign_in=False, verified=True)
    first = await step(env, flow.first, user)
    mfa_id = mfa_id_of(first)
    assert "token" not in first.text
    sessions = {"own": mfa_id, "unknown": "nosuchmfa000000", "none": ""}
    if flow.session == "another record's":
        sessions[flow.session] = mfa_id_of(await step(env, flow.first, await env.user("mfa_users", sign_in=False)))
    if flow.session == "another collection's":
        other = await env.user("mfa_others", sign_in=False)
        sessions[flow.session] = mfa_id_of(await step(env, flow.first, other))
    if flow.session == "used":
        assert (await step(env, flow.second, user, mfa_id)).status_code == 200
        sessions["used"] = mfa_id
    if flow.age:
        await env.age("_mfas", mfa_id, flow.age)
    password = PASSWORD if flow.right else "wrong-password"
    second = await step(env, flow.second, user, sessions[flow.session], where=flow.where, password=password)
    assert second.status_code == flow.status, second.text
    if flow.status == 200:
        assert second.json()["record"]["id"] == user.id
        assert (await env.refresh(second.json()["token"], "mfa_users")).status_code == 200
        assert not await env.api.sql('SELECT 1 FROM data."_mfas" WHERE id = $1', mfa_id), "the session is used up"
    elif flow.status == 401:
        assert mfa_id_of(second) != mfa_id
    else:
        assert second.json() == {"data": {}, "message": flow.message, "status": 400}
        if flow.session == "own" and flow.message != "Invalid or expired MFA session.":
            # The session survives a failed second step: the right credentials still complete it.
            assert (
                await step(env, flow.second if flow.first != flow.second else _other(flow.first), user, mfa_id)
            ).status_code == 200


def _other(method: str) -> str:
    return "otp" if method == "password" else "password"


async def test_a_failed_first_step_opens_no_session(env: AuthEnv, collections: None) -> None:
    user = await env.user("mfa_users", sign_in=False, verified=True)
    before = await env.api.sql('SELECT count(*) AS n FROM data."_mfas"')
    assert (await step(env, "password", user, password="wrong-password")).status_code == 400
    assert await env.api.sql('SELECT count(*) AS n FROM data."_mfas"') == before


async def test_the_auth_rule_comes_before_mfa(env: AuthEnv, collections: None) -> None:
    """A record the authRule refuses gets 403 at the first step, not an MFA session."""
    user = await env.user("mfa_verified", sign_in=False)
    response = await step(env, "password", user)
    assert response.status_code == 403, response.text
    assert not await env.api.sql('SELECT 1 FROM data."_mfas" WHERE "recordRef" = $1', user.id)


async def test_the_mfa_rule_picks_the_records(env: AuthEnv, collections: None) -> None:
    relaxed = await env.user("mfa_ruled", sign_in=False, name="relaxed")
    strict = await env.user("mfa_ruled", sign_in=False, name="strict")
    assert (await step(env, "password", relaxed)).status_code == 200
    mfa_id = mfa_id_of(await step(env, "password", strict))
    assert (await step(env, "otp", strict, mfa_id)).status_code == 200


async def test_a_completed_sign_in_without_mfa_ignores_no_mfa_id(env: AuthEnv) -> None:
    """With MFA off, an unknown mfaId is still refused (it is not silently dropped)."""
    user = await env.user(sign_in=False)
    response = await step(env, "password", user, "nosuchmfa000000")
    assert response.status_code == 400, response.text


async def test_a_record_sees_only_its_own_sessions(env: AuthEnv, collections: None) -> None:
    """As in PocketBase, ``_mfas`` and ``_otps`` list the caller's own rows; never others', never a code hash."""
    user = await env.user("mfa_users", sign_in=False, verified=True)
    other = await env.user("mfa_users", sign_in=False, verified=True)
    token = await _complete(env, user)
    mfa_id_of(await step(env, "password", user))
    mfa_id_of(await step(env, "password", other))
    await env.http.post("/api/collections/mfa_users/request-otp", json={"email": other.email})
    await env.http.post("/api/collections/mfa_users/request-otp", json={"email": user.email})
    for system in ("_mfas", "_otps"):
        listed = await env.api.call("GET", f"/api/collections/{system}/records", auth=token)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert items
        assert {item["recordRef"] for item in items} == {user.id}
        assert all("password" not in item for item in items)
    guest = await env.api.call("GET", "/api/collections/_mfas/records", auth="guest")
    assert guest.json()["items"] == []


async def _complete(env: AuthEnv, user: User) -> str:
    mfa_id = mfa_id_of(await step(env, "password", user))
    response = await step(env, "otp", user, mfa_id)
    token: str = response.json()["token"]
    return token
