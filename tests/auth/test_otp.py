"""``request-otp`` and ``auth-with-otp``: codes by mail, single use, expiry (moved through the database),
no enumeration."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.api.scenarios import ANY, GUEST, Scenario, params, run
from tests.auth.flows import OTP_OPTIONS, otp_code
from tests.auth.support import AuthEnv, User, bind, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

OTP = "/api/collections/otp_users"
INVALID = {"data": {}, "message": "Invalid or expired OTP.", "status": 400}
REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
DURATION = 60


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def collections(env: AuthEnv) -> AsyncIterator[None]:
    otp = {**OTP_OPTIONS, "duration": DURATION}
    await env.auth_collection("otp_users", otp=otp)
    await env.auth_collection("otp_others", otp=otp)
    yield


async def request_code(env: AuthEnv, user: User, collection: str = "otp_users") -> tuple[str, str]:
    """``request-otp`` for ``user``: the otpId and the code mailed for it."""
    response = await env.http.post(f"/api/collections/{collection}/request-otp", json={"email": user.email})
    assert response.status_code == 200, response.text
    otp_id = response.json()["otpId"]
    return otp_id, await otp_code(env, user.email, otp_id)


def _other(code: str) -> str:
    return str((int(code) + 1) % 10**6).zfill(6)


REQUESTS = [
    Scenario(
        "a known address", "POST", f"{OTP}/request-otp", {"email": "$email"}, auth=GUEST, contains=[{"otpId": ANY}]
    ),
    Scenario(
        "no email",
        "POST",
        f"{OTP}/request-otp",
        {},
        auth=GUEST,
        status=400,
        contains=[{"data": {"email": REQUIRED}}],
        unchanged=True,
    ),
    Scenario(
        "not an email",
        "POST",
        f"{OTP}/request-otp",
        {"email": "nope"},
        auth=GUEST,
        status=400,
        contains=[{"data": {"email": {"code": "validation_is_email"}}}],
        unchanged=True,
    ),
    Scenario(
        "email as a list",
        "POST",
        f"{OTP}/request-otp",
        {"email": ["$email"]},
        auth=GUEST,
        status=400,
        contains=[{"message": "An error occurred while loading the submitted data."}],
        unchanged=True,
    ),
    Scenario(
        "otp turned off",
        "POST",
        "/api/collections/users/request-otp",
        {"email": "$email"},
        auth=GUEST,
        status=403,
        contains=[{"message": "The collection is not configured to allow OTP authentication."}],
        unchanged=True,
    ),
    Scenario(
        "a base collection",
        "POST",
        "/api/collections/_otps/request-otp",
        {"email": "$email"},
        auth=GUEST,
        status=404,
        unchanged=True,
    ),
]


@pytest.mark.parametrize("scenario", params(REQUESTS))
async def test_request_otp(env: AuthEnv, collections: None, scenario: Scenario) -> None:
    user = await env.user("otp_users", sign_in=False)
    response = await run(env.api, bind(scenario, email=user.email))
    if response.status_code == 200:
        otp_id = response.json()["otpId"]
        assert re.fullmatch(r"[a-z0-9]{15}", otp_id)
        rows = await env.api.sql('SELECT "recordRef", "sentTo", password FROM data."_otps" WHERE id = $1', otp_id)
        assert rows
        assert rows[0]["recordRef"] == user.id
        assert rows[0]["sentTo"] == user.email
        code = await otp_code(env, user.email, otp_id)
        assert code not in rows[0]["password"], "stored as a hash"


# ----- auth-with-otp: a recipe makes the otpId and code, then a scenario ----------------------------

SIGN_IN = f"{OTP}/auth-with-otp"


def _case(
    name: str, body: Any, *, status: int = 400, contains: list[Any] | None = None, url: str = SIGN_IN, prepare: str = ""
) -> Any:
    """``prepare`` changes the world after the code was requested: ``expire``, ``use``, ``delete record``."""
    scenario = Scenario(
        name,
        "POST",
        url,
        body,
        auth=GUEST,
        status=status,
        contains=contains if contains is not None else [INVALID],
        unchanged=status != 200,
    )
    return pytest.param(scenario, prepare, id=name)


CODE = {"otpId": "$otp_id", "password": "$code"}
SIGN_INS = [
    _case("the mailed code", CODE, status=200, contains=[{"record": {"id": "$id", "email": "$email"}}, '"token":"ey']),
    _case(
        "a code just before it expires", CODE, status=200, contains=[{"record": {"id": "$id"}}], prepare="almost expire"
    ),
    _case("an expired code", CODE, prepare="expire"),
    _case("a used code", CODE, prepare="use"),
    _case("a wrong code", {"otpId": "$otp_id", "password": "$wrong"}),
    _case("the code of another otpId", {"otpId": "$second_id", "password": "$code"}, prepare="second"),
    _case("an unknown otpId", {"otpId": "nosuchotp000000", "password": "$code"}),
    _case("the otpId an unknown address got", {"otpId": "$ghost_id", "password": "$code"}, prepare="ghost"),
    _case("on another collection with OTP", CODE, url="/api/collections/otp_others/auth-with-otp"),
    _case(
        "on a collection without OTP",
        CODE,
        url="/api/collections/users/auth-with-otp",
        status=403,
        contains=[{"message": "The collection is not configured to allow OTP authentication."}],
    ),
    _case("nothing", {}, contains=[{"data": {"otpId": REQUIRED, "password": REQUIRED}}]),
    _case("no code", {"otpId": "$otp_id"}, contains=[{"data": {"password": REQUIRED}}]),
    _case(
        "the code as a number",
        {"otpId": "$otp_id", "password": 123456},
        contains=[{"message": "An error occurred while loading the submitted data."}],
    ),
]


@pytest.mark.parametrize(("scenario", "prepare"), SIGN_INS)
async def test_auth_with_otp(env: AuthEnv, collections: None, scenario: Scenario, prepare: str) -> None:
    user = await env.user("otp_users", sign_in=False)
    otp_id, code = await request_code(env, user)
    values = {"otp_id": otp_id, "code": code, "wrong": _other(code), "id": user.id, "email": user.email}
    if prepare == "expire":
        await env.age("_otps", otp_id, DURATION + 1)
    if prepare == "almost expire":
        await env.age("_otps", otp_id, DURATION - 5)
    if prepare == "use":
        assert (await env.http.post(SIGN_IN, json={"otpId": otp_id, "password": code})).status_code == 200
    if prepare == "second":
        values["second_id"], _ = await request_code(env, user)
    if prepare == "ghost":
        ghost = await env.http.post(f"{OTP}/request-otp", json={"email": unique_email("ghost")})
        values["ghost_id"] = ghost.json()["otpId"]
    response = await run(env.api, bind(scenario, **values))
    if response.status_code == 200:
        assert not await env.api.sql('SELECT 1 FROM data."_otps" WHERE id = $1', otp_id), "a used code is deleted"


async def test_an_otp_sign_in_verifies_the_address(env: AuthEnv, collections: None) -> None:
    user = await env.user("otp_users", sign_in=False)
    assert (await env.row("otp_users", user.id))["verified"] is False
    otp_id, code = await request_code(env, user)
    response = await env.http.post(SIGN_IN, json={"otpId": otp_id, "password": code})
    assert response.json()["record"]["verified"] is True
    assert (await env.row("otp_users", user.id))["verified"] is True


async def test_a_code_sent_to_an_old_address_does_not_verify_the_new_one(env: AuthEnv, collections: None) -> None:
    user = await env.user("otp_users", sign_in=False)
    otp_id, code = await request_code(env, user)
    await env.ok("PATCH", f"/api/collections/otp_users/records/{user.id}", {"email": unique_email("moved")})
    response = await env.http.post(SIGN_IN, json={"otpId": otp_id, "password": code})
    assert response.status_code == 200, response.text
    assert response.json()["record"]["verified"] is False


async def test_many_requests_answer_alike_and_stop_mailing(env: AuthEnv, collections: None) -> None:
    """After 10 live codes a known address gets the newest otpId again (no new mail): the answer never
    differs from an unknown address's, and a mailbox cannot be flooded."""
    user = await env.user("otp_users", sign_in=False)
    ids = []
    for _ in range(12):
        response = await env.http.post(f"{OTP}/request-otp", json={"email": user.email})
        assert response.status_code == 200, response.text
        ids.append(response.json()["otpId"])
    assert len(set(ids)) == 10
    assert ids[10] == ids[11] == ids[9]
    assert len(await env.outbox(user.email)) == 10
    otp_id = ids[9]
    code = await otp_code(env, user.email, otp_id)
    assert (await env.http.post(SIGN_IN, json={"otpId": otp_id, "password": code})).status_code == 200
